import {
  contactSchema,
  type Address,
  type Contact,
  type EntityKind,
} from '../../../shared/domain/crm.schemas';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { accountDef, contactDef } from './crm.entities';
import type { CrmService } from './crm.service';

/** RFC 6350 3.4 text escaping: backslash, newline and comma (in every text value). */
function escText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/,/g, '\\,');
}

/** Components of compound values (N, ADR, ORG) also escape the semicolon that separates them. */
function esc(text: string): string {
  return escText(text).replace(/;/g, '\\;');
}

/** Folds a content line at 75 octets without splitting a UTF-8 sequence (RFC 6350 3.2). */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + n > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

function adr(a: Address): string {
  return ['', '', a.street ?? '', a.city ?? '', a.region ?? '', a.postalCode ?? '', a.country ?? '']
    .map(esc)
    .join(';');
}

/** One contact as a vCard 4.0. */
export function contactToVcard(c: Contact, org: string | null): string {
  const lines = ['BEGIN:VCARD', 'VERSION:4.0', `UID:urn:uuid:${c.id}`, `FN:${escText(c.name)}`];
  lines.push(`N:${esc(c.familyName ?? '')};${esc(c.givenName ?? '')};;;`);
  c.emails.forEach((e, i) => lines.push(`EMAIL${i === 0 ? ';PREF=1' : ''}:${escText(e)}`));
  c.phones.forEach((p, i) => lines.push(`TEL;VALUE=text${i === 0 ? ';PREF=1' : ''}:${escText(p)}`));
  if (c.title) lines.push(`TITLE:${escText(c.title)}`);
  if (org) lines.push(`ORG:${esc(org)}`);
  if (c.address) lines.push(`ADR:${adr(c.address)}`);
  if (c.tags.length) lines.push(`CATEGORIES:${c.tags.map(escText).join(',')}`);
  if (c.notes) lines.push(`NOTE:${escText(c.notes)}`);
  lines.push(
    `REV:${new Date(c.updatedAt)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '')}`,
  );
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n') + '\r\n';
}

/**
 * vCard 4.0 of live contacts (all, or the given ids). A stored contact that breaks the contact schema
 * (damaged) is left out and counted through `onSkipped`.
 */
export function exportVcard(
  svc: CrmService,
  ids: readonly string[] | null,
  onSkipped: (entity: EntityKind, count: number) => void = () => undefined,
): ChannelOutput<'export.vcard'> {
  let content = '';
  let count = 0;
  let skipped = 0;
  const orgs = new Map<string, string | null>();
  for (const record of svc.records.iterate(contactDef, ids)) {
    const parsed = contactSchema.safeParse(record);
    if (!parsed.success) {
      skipped++;
      continue;
    }
    const c = parsed.data;
    let org: string | null = null;
    if (c.accountId) {
      if (!orgs.has(c.accountId)) {
        const a = svc.records.get(accountDef, c.accountId);
        orgs.set(c.accountId, a && a.deletedAt === null && typeof a.name === 'string' ? a.name : null);
      }
      org = orgs.get(c.accountId) ?? null;
    }
    content += contactToVcard(c, org);
    count++;
  }
  if (skipped > 0) onSkipped('contact', skipped);
  return { filename: 'contacts.vcf', mimeType: 'text/vcard', content, count };
}
