import type { AuditEvent, AuditEventType } from '../../../shared/audit/audit.schemas';
import { canonicalJson } from './audit.chain';

/** One event per line, exactly as `audit.list` returns it (canonical JSON, hash included). */
export function toJsonLine(event: AuditEvent): string {
  return canonicalJson(event);
}

/** CEF header fields: backslash and pipe are escaped (ArcSight CEF spec, "Header"). */
export function cefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, ' ');
}

/** CEF extension values: backslash and equals sign escaped, line breaks as `\n` / `\r`. */
export function cefValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

const NAMES: Record<AuditEventType, string> = {
  'vault.setup': 'Vault set up',
  'vault.unlock': 'Vault unlock',
  'vault.lock': 'Vault locked',
  'vault.backup': 'Backup',
  'vault.restore': 'Backup restore',
  'vault.rekey': 'Vault rekey',
  'recovery.used': 'Recovery code used',
  'recovery.renewed': 'Recovery code renewed',
  'data.export': 'Data export',
  'data.import': 'Data import',
  'privacy.erase': 'Person erased',
  'device.joined': 'Device joined workspace',
  'device.invited': 'Device invited',
  'device.revoked': 'Device revoked',
  'device.roleChanged': 'Device role changed',
  'policy.changed': 'Managed policy changed',
  'audit.exported': 'Security log exported',
  'audit.keyCreated': 'Security log key created',
  'audit.chainBroken': 'Security log chain broken',
  'workspace.keyRotated': 'Workspace key replaced',
  'unlocker.changed': 'Unlock method changed',
  'backup.deleted': 'Backup deleted',
};

function severity(event: AuditEvent): number {
  if (event.type === 'audit.chainBroken') return 9;
  if (event.outcome === 'denied') return 6;
  if (event.outcome === 'failed') return 5;
  return 3;
}

/**
 * One CEF:0 line. Signature id is the event type; the extension carries the time (`rt`, ms), the
 * outcome, the sequence (`externalId`), and as custom strings the hash, the actor and the details
 * (canonical JSON), so a SIEM keeps everything the chain covers.
 */
export function toCefLine(event: AuditEvent, version: string): string {
  const header = [
    'CEF:0',
    'FieldVault',
    'FieldVault',
    version,
    event.type,
    NAMES[event.type],
    String(severity(event)),
  ]
    .map((part, i) => (i === 0 ? part : cefHeader(part)))
    .join('|');
  const ext: [string, string][] = [
    ['rt', String(event.time)],
    ['externalId', String(event.seq)],
    ['outcome', event.outcome],
    ['cs1Label', 'hash'],
    ['cs1', event.hash],
    ['cs2Label', 'actor'],
    ['cs2', canonicalJson(event.actor)],
    ['cs3Label', 'details'],
    ['cs3', canonicalJson(event.details)],
  ];
  return `${header}|${ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ')}`;
}

/** Parses one CEF line back into its header fields and extension pairs (the inverse of the escaping above). */
export function parseCefLine(line: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let i = 0;
  let field = '';
  while (header.length < 7 && i < line.length) {
    const c = line[i]!;
    if (c === '\\' && (line[i + 1] === '\\' || line[i + 1] === '|')) {
      field += line[i + 1];
      i += 2;
    } else if (c === '|') {
      header.push(field);
      field = '';
      i += 1;
    } else {
      field += c;
      i += 1;
    }
  }
  const rest = line.slice(i);
  const ext: Record<string, string> = {};
  // Keys are plain words followed by an unescaped '='; a value runs to the next " key=".
  const re = /(?:^| )([A-Za-z0-9_]+)=((?:\\.|[^\\=])*?)(?= [A-Za-z0-9_]+=|$)/g;
  for (const m of rest.matchAll(re)) {
    ext[m[1]!] = m[2]!.replace(/\\(.)/g, (_s, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
  }
  return { header, ext };
}
