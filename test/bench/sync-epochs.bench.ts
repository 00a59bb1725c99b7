import { UnsupportedAuthenticator } from '../../electron/services/auth/os-authenticator';
import path from 'node:path';
import { createSyncServer } from '../../server/app';
import { SqliteSyncStorage } from '../../server/storage/storage.sqlite';
import { createSenderPolicy } from '../../electron/services/ipc/sender-policy';
import { MemoryKeychain } from '../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../electron/services/log/logger';
import { MemoryPolicySource } from '../../electron/services/policy/policy.memory';
import { allowListConfirmation } from '../../electron/services/sync/server.confirmation';
import { createServices, type Services } from '../../electron/services/services';
import { AppError } from '../../shared/errors';
import { randomId } from '../../shared/sync/device-keys';
import { toBase64Url } from '../../shared/sync/encoding';
import { envelopeKeyId, sealDelta } from '../../shared/sync/envelope';
import { SyncApiClient } from '../../shared/sync/sync.client';
import { fetchTransport } from '../../electron/services/sync/sync.http';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../shared/ipc/contract';
import { result, type BenchSuite } from './bench.types';

const SENDER = { transport: 'test', url: 'bench://epochs', isMainFrame: true } as const;
/** A cheap recovery KDF: the bench measures rotation, not vault set-up. */
const CHEAP_KDF = { N: 2 ** 10, r: 8, p: 1 };

interface Device {
  readonly services: Services;
  call<C extends ChannelName>(channel: C, input?: ChannelInput<C>): Promise<ChannelOutput<C>>;
}

function device(dir: string): Device {
  const services = createServices({
    dataDir: dir,
    appInfo: { name: 'FieldVault', version: 'bench', platform: 'linux' },
    logger: silentLogger,
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    keychain: new MemoryKeychain(),
    policy: new MemoryPolicySource(),
    serverConfirmation: allowListConfirmation(),
    authenticator: new UnsupportedAuthenticator('No OS user check in this bench'),
    tuning: { autoSync: false, recoveryKdf: CHEAP_KDF },
  });
  return {
    services,
    async call(channel, input) {
      const r = await services.router.dispatch(channel, input, SENDER);
      if (!r.ok) throw new Error(`${channel}: ${r.error.code}`);
      return r.value as ChannelOutput<typeof channel>;
    },
  };
}

/** True when the device's vault holds the workspace key of `epoch`. */
function holdsEpoch(d: Device, epoch: number): boolean {
  return (
    d.services.parts.vault.access
      .db()
      .prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM sync_keys WHERE kind = 'workspace' AND key_id = ?",
      )
      .get(epoch)!.n === 1
  );
}

/** A push sealed under epoch 1 by a member that still holds that key: the server must refuse it. */
async function expectOldEpochRefused(d: Device, url: string, workspaceId: string): Promise<void> {
  const rows = d.services.parts.vault.access
    .db()
    .prepare<[], { kind: string; key_id: number; secret: Buffer }>(
      'SELECT kind, key_id, secret FROM sync_keys',
    )
    .all();
  const sign = new Uint8Array(rows.find((r) => r.kind === 'sign')!.secret);
  const old = new Uint8Array(rows.find((r) => r.kind === 'workspace' && r.key_id === 1)!.secret);
  const deviceId = (await d.call('devices.list')).find((x) => x.isThisDevice)!.deviceId;
  const deltaId = randomId();
  const envelope = sealDelta(
    new Uint8Array(8),
    { workspaceId, deviceId, deltaId },
    { keyId: 1, key: old },
    sign,
  );
  const api = new SyncApiClient(url, fetchTransport({}), { deviceId, signSecretKey: sign });
  const refused = await api.push(workspaceId, [{ deltaId, envelope: toBase64Url(envelope) }]).then(
    () => null,
    (error: unknown) => (error instanceof AppError ? error.code : 'other'),
  );
  sign.fill(0);
  old.fill(0);
  if (refused !== 'EPOCH_RETIRED')
    throw new Error(`an old-epoch push was not refused (${refused ?? 'accepted'})`);
}

/**
 * Issue 12: one key rotation across a team (50 devices; 10 with --quick) through the composition
 * root and the real server over loopback: the owner revokes one device (which rotates: a new key
 * sealed to every remaining device, signed, verified and committed by the server), pushes one
 * delta under it, and every other remaining device syncs once, meets the new epoch and adopts it.
 * Checked, not timed: every remaining device holds the new key, the revoked one does not, and the
 * server refuses a push sealed under the old one with EPOCH_RETIRED.
 */
export const syncEpochsBench: BenchSuite = {
  name: 'sync epochs',
  async run(context) {
    const { dir, quick } = context;
    const log = (message: string) => context.log(message);
    const n = quick ? 10 : 50;
    const storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    const app = await createSyncServer({ storage });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    const url = `http://127.0.0.1:${address.port}`;
    const devices: Device[] = [];
    try {
      const owner = device(path.join(dir, 'd0'));
      devices.push(owner);
      await owner.call('vault.setup');
      const { workspaceId } = await owner.call('workspace.create', { serverUrl: url, name: 'Bench team' });
      for (let i = 1; i <= n; i++) {
        const d = device(path.join(dir, `d${i}`));
        devices.push(d);
        await d.call('vault.setup');
        const { code } = await owner.call('invites.create', { ttlHours: 1 });
        await d.call('invites.accept', { code });
      }
      for (const d of devices) await d.call('sync.now');
      log(`${n + 1} devices joined`);
      const leaving = (await owner.call('devices.list')).at(-1)!.deviceId;
      const stay = devices.slice(0, n);
      const t0 = performance.now();
      await owner.call('devices.revoke', { deviceId: leaving });
      const rotated = performance.now() - t0;
      // One delta under the new epoch: every other device meets it on its next pull and adopts.
      await owner.call('contacts.create', { name: 'after rotation' });
      await owner.call('sync.now');
      const t1 = performance.now();
      for (const [i, d] of stay.slice(1).entries()) {
        const s = await d.call('sync.now');
        if (s.error || s.rejectedDeltas !== 0)
          throw new Error(`device ${i + 1} did not adopt: ${s.error?.code ?? 'rejected'}`);
      }
      const adopted = performance.now() - t1;
      for (const [i, d] of stay.entries())
        if (!holdsEpoch(d, 2)) throw new Error(`device ${i} lacks epoch 2`);
      if (holdsEpoch(devices[n]!, 2)) throw new Error('the revoked device got the new key');
      const log2 = await storage.membership(workspaceId, 0);
      const last = JSON.parse(log2.at(-1)!.json) as {
        body: { kind: string; epoch?: number; wraps?: unknown[] };
      };
      if (last.body.kind !== 'rotate' || last.body.wraps?.length !== n)
        throw new Error('no rotation for the team');
      const deltas = await storage.pullDeltas(workspaceId, 0, 100_000, 1 << 30);
      if (envelopeKeyId(deltas.at(-1)!.envelope) !== 2) throw new Error('a delta used the old epoch');
      await expectOldEpochRefused(stay[1]!, url, workspaceId);
      return [
        result(`epochs.rotate on revoke (${n} devices wrapped, committed)`, rotated, 'ms'),
        result(`epochs.adopt by the other ${n - 1} devices (one sync each)`, adopted, 'ms'),
        result(`epochs.adopt per device`, adopted / (n - 1), 'ms'),
      ];
    } finally {
      for (const d of devices) await d.services.dispose();
      await app.close();
      await storage.close();
    }
  },
};
