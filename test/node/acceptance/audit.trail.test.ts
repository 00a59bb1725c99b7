import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditEventSchema, type AuditEvent } from '../../../shared/audit/audit.schemas';
import { openEncryptedDatabase } from '../../../electron/services/db/database';
import { KEYCHAIN_SERVICE, KeytarKeychain } from '../../../electron/services/keychain/keychain.keytar';
import { zeroKeySet } from '../../../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../electron/services/vault/vault.layout';
import { Cluster, waitFor, type HostProcess } from './support/processes';

/**
 * Issue 13 acceptance, audit: the shipped composition in a real dev host, driven over JSON-RPC only.
 * Real actions (an unlock IT's policy refuses, a policy change while locked, an export, locks) must
 * show up in `audit.list`, export must round-trip, and an edit of the stored log made with the vault
 * key (as someone who copied the key but not the keychain's audit entry would) must be reported.
 */

const cluster = new Cluster();
afterAll(() => cluster.stop());

/** Replaces the policy file as configuration management does: write beside it, then rename. */
function writePolicy(file: string, policy: object): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(policy), { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

async function policyManages(host: HostProcess, key: string, wanted: boolean): Promise<void> {
  const ok = await waitFor(
    async () => (await host.call('policy.get')).managed.includes(key as never) === wanted,
    15_000,
  );
  expect(ok).toBe(true);
}

async function allEvents(host: HostProcess): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await host.call('audit.list', { limit: 10, before });
    out.push(...page.events);
    if (page.nextBefore === null) return out.reverse();
    before = page.nextBefore;
  }
}

describe('the security log of a running dev host', () => {
  it('records a refused unlock, policy changes while locked, an export and locks; export round-trips; tampering is reported', async () => {
    const policyFile = path.join(cluster.root, 'policy.json');
    writePolicy(policyFile, {});
    const host = await cluster.startHost('audit', { args: ['--policy', policyFile] });
    const { status } = await host.call('vault.setup');
    await host.call('vault.confirmRecoveryCode');
    await host.call('contacts.create', { name: 'Audit Trail Person' });
    await host.call('vault.lock');

    // IT requires the OS check; this host has none, so unlock is refused with nothing opened.
    writePolicy(policyFile, { requiredUnlockMethod: 'os-authentication' });
    await policyManages(host, 'requiredUnlockMethod', true);
    expect(await host.attempt('vault.unlock')).toMatchObject({ ok: false, code: 'AUTH_UNAVAILABLE' });
    expect(await host.call('vault.status')).toMatchObject({ state: 'locked' });
    writePolicy(policyFile, {});
    await policyManages(host, 'requiredUnlockMethod', false);

    await host.call('vault.unlock');
    const exported = await host.call('export.csv', { entity: 'contact' });
    expect(exported.count).toBe(1);
    await host.call('vault.lock');
    await host.call('vault.unlock');

    const events = await allEvents(host);
    const brief = events.map((e) => [e.type, e.outcome, e.details.errorCode ?? e.details.lockReason ?? null]);
    const refused = brief.findIndex((b) => b[0] === 'vault.unlock' && b[1] === 'denied');
    expect(brief[refused]).toEqual(['vault.unlock', 'denied', 'AUTH_UNAVAILABLE']);
    expect(events[refused]!.details.queued).toBe(true);
    const after = brief.slice(refused);
    expect(after).toContainEqual(['policy.changed', 'ok', null]);
    expect(after).toContainEqual(['vault.unlock', 'ok', null]);
    expect(after).toContainEqual(['data.export', 'ok', null]);
    expect(after).toContainEqual(['vault.lock', 'ok', 'user']);
    expect(events.find((e) => e.type === 'data.export')?.details).toMatchObject({
      exportKind: 'csv',
      count: 1,
    });
    // Nothing of the customer's reaches the log.
    expect(JSON.stringify(events)).not.toContain('Audit Trail Person');
    expect(await host.call('audit.verify')).toMatchObject({ status: 'intact', firstBreak: null });

    const jsonl = await host.call('audit.export', { format: 'jsonl' });
    const lines = jsonl.content.trimEnd().split('\n');
    expect(lines.map((l) => auditEventSchema.parse(JSON.parse(l)))).toEqual(events);
    const cef = await host.call('audit.export', { format: 'cef' });
    expect(cef.content.trimEnd().split('\n')).toHaveLength(events.length + 1);

    // Someone with the vault key deletes the export from the stored log while the vault is locked.
    await host.call('vault.lock');
    const layout = new VaultLayout(host.dataDir);
    const set = await new VaultKeystore(new KeytarKeychain(KEYCHAIN_SERVICE), layout).load(status.vaultId!);
    const db = openEncryptedDatabase(layout.dbFile, set.keys[0]!.key);
    const gone = events.find((e) => e.type === 'data.export')!.seq;
    db.prepare('DELETE FROM audit_events WHERE seq = ?').run(gone);
    db.close();
    zeroKeySet(set);
    await host.call('vault.unlock');
    expect(await host.call('audit.verify')).toMatchObject({
      status: 'broken',
      firstBreak: { seq: gone, kind: 'gap' },
    });
    const broken = await host.call('audit.list', { types: ['audit.chainBroken'] });
    expect(broken.events[0]?.details).toMatchObject({ breakKind: 'gap', breakSeq: gone });
  });
});
