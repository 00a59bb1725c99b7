import { appendFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditEventSchema,
  type AuditEvent,
  type AuditListOutput,
} from '../../../../shared/audit/audit.schemas';
import {
  cefHeader,
  cefValue,
  parseCefLine,
  toCefLine,
} from '../../../../electron/services/audit/audit.export';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import { realKeychain } from '../../support/vault';
import { tempDir } from '../../support/tmp';
import { auditServices, sampleEvents } from './audit.support';

type App = ReturnType<typeof auditServices>;

async function until(probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every event through `audit.list`, page by page (newest first). */
async function listAll(app: App, filter: Record<string, unknown> = {}): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await app.value<AuditListOutput>('audit.list', { ...filter, limit: 7, before });
    out.push(...page.events);
    if (page.nextBefore === null) return out;
    before = page.nextBefore;
  }
}

/** Rebuilds an event from its CEF line. */
function fromCef(line: string): AuditEvent {
  const { header, ext } = parseCefLine(line);
  expect(header.slice(0, 3)).toEqual(['CEF:0', 'FieldVault', 'FieldVault']);
  return auditEventSchema.parse({
    seq: Number(ext.externalId),
    time: Number(ext.rt),
    type: header[4],
    outcome: ext.outcome,
    hash: ext.cs1,
    actor: JSON.parse(ext.cs2 ?? 'null') as unknown,
    details: JSON.parse(ext.cs3 ?? 'null') as unknown,
  });
}

describe('security log: list, filters and exports', () => {
  it('JSON lines and CEF parse back to exactly the listed events; filters and pages agree', async () => {
    const app = auditServices(tempDir('fv-audit-x-'));
    try {
      await app.value('vault.setup');
      await app.value('audit.verify');
      for (const event of sampleEvents(23)) app.services.parts.audit.record(event);
      await app.value('export.csv', { entity: 'contact' });
      const all = await listAll(app);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => b - a));
      expect(all.length).toBeGreaterThan(25);
      expect(all.some((e) => e.type === 'data.export' && e.details.exportKind === 'csv')).toBe(true);

      const jsonl = await app.value<{ content: string; count: number }>('audit.export', { format: 'jsonl' });
      const parsed = jsonl.content
        .trimEnd()
        .split('\n')
        .map((l) => auditEventSchema.parse(JSON.parse(l)));
      // The export is recorded after it ran, so it is not in its own content.
      expect(parsed).toEqual([...all].reverse());
      expect(jsonl.count).toBe(all.length);

      const beforeCef = await listAll(app);
      expect(beforeCef.filter((e) => e.type === 'audit.exported').map((e) => e.details.exportKind)).toEqual([
        'audit-jsonl',
      ]);
      const cef = await app.value<{ content: string }>('audit.export', { format: 'cef' });
      const lines = cef.content.trimEnd().split('\n');
      expect(lines.every((l) => l.startsWith('CEF:0|FieldVault|FieldVault|0.0.0-test|'))).toBe(true);
      expect(lines.map(fromCef)).toEqual([...beforeCef].reverse());

      const denied = await listAll(app, { outcome: 'denied' });
      expect(denied.length).toBeGreaterThan(0);
      expect(denied.every((e) => e.outcome === 'denied')).toBe(true);
      const typed = await listAll(app, { types: ['device.revoked', 'vault.backup'] });
      expect(new Set(typed.map((e) => e.type))).toEqual(new Set(['device.revoked', 'vault.backup']));
      const first = all.at(-1)!;
      expect(await listAll(app, { from: first.time, to: first.time })).toContainEqual(first);
      expect(await listAll(app, { from: Date.now() + 86_400_000 })).toEqual([]);
    } finally {
      await app.services.dispose();
    }
  });

  it('CEF escaping survives any header or extension text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (version, value) => {
        const line = `CEF:0|V|P|${cefHeader(version)}|sig|name|3|cs1=${cefValue(value)} cs2=${cefValue('=x')}`;
        const { header, ext } = parseCefLine(line);
        expect(header[3]).toBe(version.replace(/\r?\n|\r/g, ' '));
        expect(ext.cs1).toBe(value);
        expect(ext.cs2).toBe('=x');
      }),
      { numRuns: 500 },
    );
    const event: AuditEvent = {
      seq: 3,
      time: 1,
      type: 'policy.changed',
      actor: { kind: 'this-device' },
      outcome: 'ok',
      details: { managedKeys: ['exportRights'], restricted: true },
      hash: 'a'.repeat(64),
    };
    const line = toCefLine(event, '1.0|beta\\2');
    expect(line.split('|')[3]).toBe('1.0\\');
    expect(parseCefLine(line).header[3]).toBe('1.0|beta\\2');
    expect(fromCef(line)).toEqual(event);
  });

  it('events while locked wait in the queue and join the chain at the next unlock; export needs the OS check and export rights', async () => {
    const auth = new ScriptedAuthenticator();
    const policy = new MemoryPolicySource();
    const app = auditServices(tempDir('fv-audit-q-'), realKeychain(), { authenticator: auth, policy });
    try {
      await app.value('vault.setup');
      await app.value('vault.lock');
      auth.script('AUTH_DENIED', 'AUTH_CANCELLED');
      expect((await app.call('vault.unlock')).ok).toBe(false);
      expect((await app.call('vault.unlock')).ok).toBe(false);
      policy.set({ machine: { exportRights: 'none' } });
      expect(await app.call('audit.list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
      await app.value('vault.unlock');
      const events = await listAll(app);
      const unlocks = events.filter((e) => e.type === 'vault.unlock').reverse();
      expect(unlocks.map((e) => [e.outcome, e.details.errorCode ?? null])).toEqual([
        ['denied', 'AUTH_DENIED'],
        ['denied', 'AUTH_CANCELLED'],
        ['ok', null],
      ]);
      expect(unlocks[0]!.details.queued).toBe(true);
      expect(events.find((e) => e.type === 'vault.lock')?.details.lockReason).toBe('user');
      expect(events.find((e) => e.type === 'policy.changed')?.details.managedKeys).toEqual(['exportRights']);
      expect(await app.value('audit.verify')).toMatchObject({ status: 'intact' });

      expect(await app.call('audit.export', { format: 'jsonl' })).toMatchObject({
        ok: false,
        error: { code: 'POLICY_FORBIDDEN' },
      });
      policy.set({ machine: {} });
      await until(async () => (await app.value<{ managed: string[] }>('policy.get')).managed.length === 0);
      auth.script('AUTH_DENIED');
      expect(await app.call('audit.export', { format: 'cef' })).toMatchObject({
        ok: false,
        error: { code: 'AUTH_DENIED' },
      });
      expect((await app.call('audit.export', { format: 'cef' })).ok).toBe(true);
      const exports = (await listAll(app, { types: ['audit.exported'] })).reverse();
      expect(exports.map((e) => [e.outcome, e.details.errorCode ?? e.details.exportKind])).toEqual([
        ['denied', 'POLICY_FORBIDDEN'],
        ['denied', 'AUTH_DENIED'],
        ['ok', 'audit-cef'],
      ]);
    } finally {
      await app.services.dispose();
    }
  });

  it('refuses bad input with typed errors and keeps hostile queue lines out of the chain', async () => {
    const dir = tempDir('fv-audit-h-');
    const app = auditServices(dir);
    try {
      expect(await app.call('audit.list', {})).toMatchObject({
        ok: false,
        error: { code: 'VAULT_NOT_SET_UP' },
      });
      await app.value('vault.setup');
      await app.value('audit.verify');
      for (const [channel, input] of [
        ['audit.list', { types: ['vault.nope'] }],
        ['audit.list', { limit: 0 }],
        ['audit.list', { limit: 501 }],
        ['audit.list', { outcome: 'maybe' }],
        ['audit.list', { before: 1.5 }],
        ['audit.list', { sql: '1=1' }],
        ['audit.export', { format: 'xml' }],
        ['audit.export', {}],
      ] as const) {
        expect({ channel, result: await app.call(channel, input) }).toMatchObject({
          channel,
          result: { ok: false, error: { code: 'VALIDATION' } },
        });
      }
      await app.value('vault.lock');
      // The queue is a user-writable file: garbage, a forged customer value, an oversized tail.
      const queue = path.join(dir, 'audit-pending.jsonl');
      const line = (o: object) => appendFileSync(queue, JSON.stringify(o) + '\n');
      appendFileSync(queue, 'not json\n{"type":\n');
      line({ type: 'data.export', outcome: 'ok', time: 5, details: { name: 'Lin Wei' } });
      line({ type: 'vault.unlock', outcome: 'ok', time: 5, actor: { kind: 'member', deviceId: 'x' } });
      line({ type: 'vault.backup', outcome: 'failed', time: 7, details: { errorCode: 'DISK_FULL' } });
      appendFileSync(queue, 'x'.repeat(1024 * 1024) + '\n');
      await app.value('vault.unlock');
      const events = await listAll(app);
      expect(JSON.stringify(events)).not.toContain('Lin Wei');
      expect(events.filter((e) => e.time === 5)).toEqual([]);
      expect(events.find((e) => e.time === 7)).toMatchObject({ type: 'vault.backup', outcome: 'failed' });
      expect(await app.value('audit.verify')).toMatchObject({ status: 'intact' });
    } finally {
      await app.services.dispose();
    }
  });
});
