import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditListOutput, AuditVerifyOutput } from '../../../../shared/audit/audit.schemas';
import type { VaultStatus } from '../../../../shared/ipc/channels/vault.channels';
import {
  buildRow,
  deriveAuditKeys,
  entryHash,
  type AuditRow,
} from '../../../../electron/services/audit/audit.chain';
import type { Db } from '../../../../electron/services/db/database';
import { tempDir } from '../../support/tmp';
import { auditServices, sampleEvents, snapshot, withVaultDb } from './audit.support';

const EVENTS = 40;

interface StoredRow {
  seq: number;
  entry: string;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

function rowsOf(db: Db): StoredRow[] {
  return db.prepare<[], StoredRow>('SELECT seq, entry, prev_hash, hash FROM audit_events ORDER BY seq').all();
}

/** A log of setup + EVENTS sample events + unlock/lock pairs, locked (so a checkpoint covers it all). */
async function builtLog() {
  const dir = tempDir('fv-audit-');
  const app = auditServices(dir);
  const status = (await app.value<{ status: VaultStatus }>('vault.setup')).status;
  const vaultId = status.vaultId!;
  for (const event of sampleEvents(EVENTS)) app.services.parts.audit.record(event);
  // The log opens once the keychain answered (events recorded before that wait in the queue).
  await app.value('audit.verify');
  await app.value('vault.lock');
  await app.value('vault.unlock');
  await app.value('audit.verify');
  await app.value('vault.lock');
  return { dir, app, vaultId };
}

type Tamper =
  | { kind: 'edit'; at: number }
  | { kind: 'edit-rehash'; at: number }
  | { kind: 'delete'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'insert'; at: number };

/** Changes the stored log as someone holding the vault key (not the keychain's audit key) could. */
function tamper(db: Db, t: Tamper): void {
  const rows = rowsOf(db);
  const row = rows.find((r) => r.seq === t.at)!;
  switch (t.kind) {
    case 'edit': {
      // Turn a refusal or failure into a success (or the other way), in the entry and its column.
      const edited = row.entry.includes('"outcome":"ok"')
        ? row.entry.replace('"outcome":"ok"', '"outcome":"failed"')
        : row.entry.replace(/"outcome":"(denied|failed)"/, '"outcome":"ok"');
      db.prepare('UPDATE audit_events SET entry = ?, outcome = ? WHERE seq = ?').run(
        edited,
        edited.includes('"outcome":"ok"') ? 'ok' : 'failed',
        t.at,
      );
      return;
    }
    case 'edit-rehash': {
      // The same edit with every hash from there on recomputed: only the MAC key is missing.
      const edited = row.entry.replace(/"time":(\d+)/, (_m, n: string) => `"time":${Number(n) + 1}`);
      db.prepare('UPDATE audit_events SET entry = ?, time = time + 1 WHERE seq = ?').run(edited, t.at);
      let prev = row.prev_hash;
      for (const r of rowsOf(db).filter((x) => x.seq >= t.at)) {
        const hash = entryHash(new Uint8Array(prev), r.entry);
        db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
        prev = hash;
      }
      return;
    }
    case 'delete':
      db.prepare('DELETE FROM audit_events WHERE seq = ?').run(t.at);
      return;
    case 'swap':
      db.transaction(() => {
        db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = ?').run(t.at);
        db.prepare('UPDATE audit_events SET seq = ? WHERE seq = ?').run(t.at, t.with);
        db.prepare('UPDATE audit_events SET seq = ? WHERE seq = -1').run(t.with);
      })();
      return;
    case 'insert': {
      // A well-formed entry linked to its predecessor, under a key of the attacker's own.
      db.transaction(() => {
        for (const r of [...rows].reverse().filter((x) => x.seq >= t.at)) {
          db.prepare('UPDATE audit_events SET seq = seq + 1 WHERE seq = ?').run(r.seq);
        }
        const forged: AuditRow = buildRow(
          deriveAuditKeys(globalThis.crypto.getRandomValues(new Uint8Array(32))),
          new Uint8Array(row.prev_hash),
          {
            seq: t.at,
            time: 1,
            type: 'vault.unlock',
            actor: { kind: 'this-device' },
            outcome: 'ok',
            details: {},
          },
        );
        db.prepare(
          'INSERT INTO audit_events (seq, time, type, outcome, entry, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          forged.seq,
          forged.time,
          forged.type,
          forged.outcome,
          forged.entry,
          forged.prevHash,
          forged.hash,
          forged.mac,
        );
      })();
      return;
    }
  }
}

describe('the security log detects every change to the stored chain', () => {
  it('an untouched log verifies, with a signed checkpoint at its head', async () => {
    const { app } = await builtLog();
    try {
      await app.value('vault.unlock');
      const report = await app.value<AuditVerifyOutput>('audit.verify');
      expect(report).toMatchObject({ status: 'intact', firstBreak: null });
      expect(report.events).toBeGreaterThan(EVENTS);
      expect(report.signedThrough).toBeGreaterThanOrEqual(EVENTS);
    } finally {
      await app.services.dispose();
    }
  });

  it('edit, rehash, delete, reorder or insert at any position is reported at that position', async () => {
    const { dir, app, vaultId } = await builtLog();
    const restore = await snapshot(dir, app.keychain, vaultId);
    let total = 0;
    await withVaultDb(dir, app.keychain, vaultId, (db) => {
      total = rowsOf(db).length;
    });
    const position = fc.integer({ min: 1, max: total });
    const tampering = fc.oneof(
      position.map((at): Tamper => ({ kind: 'edit', at })),
      position.map((at): Tamper => ({ kind: 'edit-rehash', at })),
      position.map((at): Tamper => ({ kind: 'delete', at })),
      fc
        .tuple(position, position)
        .filter(([a, b]) => a !== b)
        .map(([a, b]): Tamper => ({ kind: 'swap', at: Math.min(a, b), with: Math.max(a, b) })),
      position.map((at): Tamper => ({ kind: 'insert', at })),
    );
    try {
      await fc.assert(
        fc.asyncProperty(tampering, async (t) => {
          await restore();
          await withVaultDb(dir, app.keychain, vaultId, (db) => tamper(db, t));
          await app.value('vault.unlock');
          const report = await app.value<AuditVerifyOutput>('audit.verify');
          await app.value('vault.lock');
          expect(report.status).toBe('broken');
          // Deleting the last entry leaves nothing at its place: the signed checkpoint says the tail is gone.
          const expected =
            t.kind === 'delete' && t.at === total ? 'truncated' : t.kind === 'delete' ? 'gap' : 'edited';
          expect(report.firstBreak).toEqual({ seq: t.at, kind: expected });
        }),
        { numRuns: 30 },
      );
      // The break is recorded in the log itself, so it outlives the next checkpoint.
      await app.value('vault.unlock');
      const broken = await app.value<AuditListOutput>('audit.list', { types: ['audit.chainBroken'] });
      expect(broken.events.length).toBeGreaterThan(0);
    } finally {
      await app.services.dispose();
    }
  });

  it('a forged checkpoint signature, a cut tail or a replaced log are reported', async () => {
    const { dir, app, vaultId } = await builtLog();
    const restore = await snapshot(dir, app.keychain, vaultId);
    const check = async (edit: (db: Db) => void) => {
      await restore();
      await withVaultDb(dir, app.keychain, vaultId, edit);
      await app.value('vault.unlock');
      const report = await app.value<AuditVerifyOutput>('audit.verify');
      await app.value('vault.lock');
      return report.firstBreak;
    };
    try {
      const flip = (db: Db) => {
        const cp = db
          .prepare<[], { seq: number; signature: Uint8Array }>(
            'SELECT seq, signature FROM audit_checkpoints ORDER BY seq LIMIT 1',
          )
          .get()!;
        const sig = new Uint8Array(cp.signature);
        sig[0]! ^= 1;
        db.prepare('UPDATE audit_checkpoints SET signature = ? WHERE seq = ?').run(sig, cp.seq);
        return cp.seq;
      };
      let flipped = 0;
      expect(await check((db) => (flipped = flip(db)))).toEqual({
        seq: flipped,
        kind: 'checkpoint-signature',
      });
      // Cutting the tail and every checkpoint that names it: the keychain's anchor still does.
      let last = 0;
      expect(
        await check((db) => {
          last = rowsOf(db).at(-1)!.seq;
          db.prepare('DELETE FROM audit_events WHERE seq > ?').run(last - 3);
          db.prepare('DELETE FROM audit_checkpoints WHERE seq > ?').run(last - 3);
        }),
      ).toEqual({ seq: last - 2, kind: 'truncated' });
      // An empty log (everything deleted) is not a fresh start.
      expect(
        await check((db) => {
          db.exec('DELETE FROM audit_events; DELETE FROM audit_checkpoints;');
        }),
      ).toEqual({ seq: 1, kind: 'truncated' });
    } finally {
      await app.services.dispose();
    }
  });

  it('a restore that opens an older log on purpose is recorded, re-anchored and verifies', async () => {
    const { app } = await builtLog();
    try {
      await app.value('vault.unlock');
      await app.value('audit.verify');
      const backup = await app.value<{ backupId: string }>('vault.backup');
      // Signed and anchored past what the backup holds.
      for (const event of sampleEvents(20)) app.services.parts.audit.record(event);
      await app.value('vault.restore', { backupId: backup.backupId });
      const report = await app.value<AuditVerifyOutput>('audit.verify');
      expect(report).toMatchObject({ status: 'intact', firstBreak: null });
      const restored = await app.value<AuditListOutput>('audit.list', { types: ['vault.restore'] });
      expect(restored.events[0]?.outcome).toBe('ok');
      expect(restored.events[0]?.details.rewoundFromSeq).toBeGreaterThan(0);
    } finally {
      await app.services.dispose();
    }
  });
});
