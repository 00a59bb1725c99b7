import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID, dealDef } from '../../../../electron/services/crm/crm.entities';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import { OpLogRepository } from '../../../../electron/services/crm/oplog.repository';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { syncMigrations } from '../../../../electron/services/sync/sync.migrations';
import { formatHlc, MAX_DRIFT_MS } from '../../../../shared/domain/hlc';
import { uuidv7 } from '../../../../shared/domain/ids';
import { tempDir } from '../../support/tmp';

const T = 1_800_000_000_000;

/** A remote mutation of one field, stamped by another device at `wall`. */
function remote(recordId: string, wall: number, fields: Record<string, unknown>): Change {
  const deviceId = 'remoteDevice1';
  return {
    opId: uuidv7(wall),
    entity: 'deal',
    recordId,
    hlc: formatHlc({ wall, counter: 0, deviceId }),
    deviceId,
    fields: JSON.stringify(fields),
  };
}

function open(file: string, key: Buffer): Db {
  const db = openEncryptedDatabase(file, key);
  migrate(db, [crmMigrations, syncMigrations]);
  return db;
}

/** The stamp of the newest local (pending) op that wrote `field` of the record. */
function pendingHlc(db: Db, recordId: string, field: string): string {
  const rows = new OpLogRepository(db)
    .pending(1_000)
    .filter((r) => r.recordId === recordId && r.fields !== null && field in (JSON.parse(r.fields) as object));
  return rows.map((r) => r.hlc).sort()[rows.length - 1]!;
}

describe('CRM clock takes in applied remote stamps (HLC receive)', () => {
  it('a local edit after applying a remote op stamped ahead of the wall clock wins, with nothing to repair', () => {
    const dir = tempDir('fv-clock-');
    // This device's wall clock lags the remote one by a minute (inside the drift bound).
    let t = T - 60_000;
    const db = open(path.join(dir, 'lag.db'), randomBytes(32));
    try {
      const crm = new CrmService(db, () => (t += 1));
      const deal = crm.create(dealDef, { name: 'D', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead' });
      const ahead = remote(deal.id, T, { amountMinor: 1 });
      const result = crm.writer.apply([ahead], 'remote');
      expect(result.added).toBe(1);
      expect(crm.get(dealDef, deal.id).amountMinor).toBe(1);

      crm.update(dealDef, deal.id, { amountMinor: 2 });
      expect(pendingHlc(db, deal.id, 'amountMinor') > ahead.hlc).toBe(true);
      expect(crm.get(dealDef, deal.id).amountMinor).toBe(2);
      expect(crm.get(dealDef, deal.id).amountMinor).toBe(2);
    } finally {
      db.close();
    }
  });

  it('a remote stamp beyond the drift bound does not drag the clock into the future', () => {
    const dir = tempDir('fv-clock-');
    let t = T;
    const db = open(path.join(dir, 'drift.db'), randomBytes(32));
    try {
      const crm = new CrmService(db, () => (t += 1));
      const deal = crm.create(dealDef, { name: 'D', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead' });
      const far = remote(deal.id, T + MAX_DRIFT_MS + 60_000, { amountMinor: 9 });
      crm.writer.apply([far], 'remote');
      const before = t;
      const stamp = crm.stamp();
      expect(stamp.at).toBeLessThanOrEqual(before + 1);
      expect(stamp.hlc < far.hlc).toBe(true);
    } finally {
      db.close();
    }
  });

  it('a trusted reference time (the server receive time) lets a lagging clock take in admitted stamps', () => {
    const dir = tempDir('fv-clock-');
    // Ten minutes behind: beyond the drift bound of its own wall clock, not of the server's.
    let t = T - 10 * 60_000;
    const db = open(path.join(dir, 'ref.db'), randomBytes(32));
    try {
      const crm = new CrmService(db, () => (t += 1));
      const deal = crm.create(dealDef, { name: 'D', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead' });
      const ahead = remote(deal.id, T, { amountMinor: 1 });
      crm.writer.apply([ahead], 'remote', { referenceMs: T + 5 });
      crm.update(dealDef, deal.id, { amountMinor: 2 });
      expect(pendingHlc(db, deal.id, 'amountMinor') > ahead.hlc).toBe(true);
    } finally {
      db.close();
    }
  });

  it('after lock and unlock the clock is re-seeded above the highest stamp in the op log', () => {
    const dir = tempDir('fv-clock-');
    const file = path.join(dir, 'reopen.db');
    const key = randomBytes(32);
    let t = T - 60_000;
    const now = () => (t += 1);
    const first = open(file, key);
    const { dealId, ahead } = ((): { dealId: string; ahead: Change } => {
      try {
        const crm = new CrmService(first, now);
        const deal = crm.create(dealDef, { name: 'D', pipelineId: DEFAULT_PIPELINE_ID, stageId: 'lead' });
        const row = remote(deal.id, T, { amountMinor: 1 });
        crm.writer.apply([row], 'remote');
        // Logged last but stamped lower: the newest row by log order is not the highest stamp.
        crm.writer.apply([remote(deal.id, T - 120_000, { name: 'Older' })], 'remote');
        return { dealId: deal.id, ahead: row };
      } finally {
        // Locking closes the connection; unlocking opens a new one.
        first.close();
      }
    })();
    const db = open(file, key);
    try {
      const crm = new CrmService(db, now);
      crm.update(dealDef, dealId, { amountMinor: 2 });
      expect(pendingHlc(db, dealId, 'amountMinor') > ahead.hlc).toBe(true);
      expect(crm.get(dealDef, dealId).amountMinor).toBe(2);
    } finally {
      db.close();
    }
  });
});
