import { describe, expect, it } from 'vitest';
import { randomId } from '../../../shared/sync/device-keys';
import {
  syncContractChannels,
  syncContractEvents,
  syncStatusSchema,
} from '../../../shared/sync/sync.contract';

describe('sync IPC contract (defined for the client engine)', () => {
  it('declares the channels and the event issue 6 asks for', () => {
    expect(Object.keys(syncContractChannels).sort()).toEqual(
      [
        'conflicts.list',
        'conflicts.resolve',
        'devices.list',
        'devices.revoke',
        'devices.setRole',
        'invites.accept',
        'invites.create',
        'sync.now',
        'sync.resync',
        'sync.rotateKey',
        'sync.snapshot',
        'sync.status',
        'workspace.create',
      ].sort(),
    );
    expect(Object.keys(syncContractEvents)).toEqual(['sync.statusChanged']);
  });

  it('validates inputs strictly', () => {
    const create = syncContractChannels['workspace.create'].input;
    expect(create.safeParse({ serverUrl: 'https://sync.example.com', name: 'Field team' }).success).toBe(
      true,
    );
    expect(create.safeParse({ serverUrl: 'javascript:alert(1)', name: 'x' }).success).toBe(false);
    expect(create.safeParse({ serverUrl: 'https://user:pw@example.com', name: 'x' }).success).toBe(false);
    expect(create.safeParse({ serverUrl: 'https://example.com', name: '' }).success).toBe(false);
    // Origins only (issue 11): nothing the renderer composes rides along in a path or a query.
    expect(create.safeParse({ serverUrl: 'https://sync.example.com:8443/', name: 'x' }).success).toBe(true);
    expect(
      create.safeParse({ serverUrl: 'https://sync.example.com/Acme-Corp-pipeline', name: 'x' }).success,
    ).toBe(false);
    expect(create.safeParse({ serverUrl: 'https://sync.example.com/?q=1', name: 'x' }).success).toBe(false);
    expect(syncContractChannels['invites.create'].input.parse(undefined)).toEqual({
      ttlHours: 72,
      role: 'member',
    });
    expect(syncContractChannels['invites.create'].input.safeParse({ role: 'emperor' }).success).toBe(false);
    expect(syncContractChannels['invites.create'].input.safeParse({ ttlHours: 1000 }).success).toBe(false);
    expect(syncContractChannels['devices.revoke'].input.safeParse({ deviceId: '../x' }).success).toBe(false);
    expect(syncContractChannels['devices.revoke'].input.safeParse({ deviceId: randomId() }).success).toBe(
      true,
    );
    expect(
      syncContractChannels['conflicts.resolve'].input.safeParse({ conflictId: 'c1', keep: 'both' }).success,
    ).toBe(false);
  });

  it('a status carries state, progress, pending count, last sync time and a typed error', () => {
    const status = {
      state: 'syncing',
      workspaceId: randomId(),
      pending: 3,
      lastSyncAt: new Date().toISOString(),
      progress: { phase: 'bootstrap', done: 500, total: 1000 },
      nextRetryAt: null,
      error: null,
      rejectedDeltas: 0,
      quarantinedOps: 0,
      integrity: {
        state: 'gap',
        devices: [{ deviceId: randomId(), missing: 2 }],
        detectedAt: new Date().toISOString(),
      },
      impersonatedOps: 1,
    };
    expect(syncStatusSchema.parse(status)).toEqual(status);
    expect(
      syncStatusSchema.safeParse({ ...status, error: { code: 'NOT_A_CODE', message: '' } }).success,
    ).toBe(false);
  });
});
