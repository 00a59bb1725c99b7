import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import path from 'node:path';
import { createSyncServer } from '../../server/app';
import { nativeEd25519, NativeEd25519 } from '../../server/ed25519.native';
import { SqliteSyncStorage } from '../../server/storage/storage.sqlite';
import { generateDeviceKeys, randomId } from '../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../shared/sync/routes';
import { signRequest } from '../../shared/sync/signing';
import { result, type BenchResult, type BenchSuite } from './bench.types';

/** A signed request's canonical bytes are ~200 B; the signed message here is that size. */
const MESSAGE_BYTES = 200;

function opsPerSecond(count: number, run: () => void): number {
  const start = performance.now();
  run();
  return count / ((performance.now() - start) / 1000);
}

/** Verifies/s of @noble (what clients use, and the server used before) and of node:crypto with a cached key. */
function verifyRows(quick: boolean): BenchResult[] {
  const keys = 16;
  const signed = Array.from({ length: keys }, () => {
    const sk = ed25519.utils.randomSecretKey();
    const msg = randomBytes(MESSAGE_BYTES);
    return { pub: ed25519.getPublicKey(sk), msg, sig: ed25519.sign(msg, sk) };
  });
  const nobleN = quick ? 300 : 3_000;
  const nativeN = quick ? 3_000 : 30_000;
  const check = (ok: boolean) => {
    if (!ok) throw new Error('bench signature did not verify');
  };
  // Warm both (JIT, key cache).
  for (const s of signed) {
    check(ed25519.verify(s.sig, s.msg, s.pub));
    check(nativeEd25519.verify(s.sig, s.msg, s.pub));
  }
  const noble = opsPerSecond(nobleN, () => {
    for (let i = 0; i < nobleN; i++) {
      const s = signed[i % keys]!;
      check(ed25519.verify(s.sig, s.msg, s.pub));
    }
  });
  const native = opsPerSecond(nativeN, () => {
    for (let i = 0; i < nativeN; i++) {
      const s = signed[i % keys]!;
      check(nativeEd25519.verify(s.sig, s.msg, s.pub));
    }
  });
  // Every verify with a key it has never seen: the import cost the cache saves.
  const uncachedN = quick ? 1_000 : 10_000;
  const uncached = opsPerSecond(uncachedN, () => {
    for (let i = 0; i < uncachedN; i++) {
      const s = signed[i % keys]!;
      check(new NativeEd25519(1).verify(s.sig, s.msg, s.pub));
    }
  });
  return [
    result(
      'server ed25519 verify: node:crypto, cached KeyObject vs @noble',
      native,
      'verifies/s',
      noble,
      '>= 10x (issue 17: 13x)',
    ),
    result(
      'server ed25519 verify: node:crypto, key imported each time vs cached',
      uncached,
      'verifies/s',
      native,
    ),
  ];
}

/**
 * Signed `GET /me` requests through the real server over loopback HTTP (signature, nonce, the
 * per-device rate-limit row, a storage read), from `concurrency` clients, once with the shipped
 * native verifier and once with @noble swapped in, in the same run.
 */
async function requestRows(dir: string, quick: boolean, log: (m: string) => void): Promise<BenchResult[]> {
  const storage = SqliteSyncStorage.open(path.join(dir, 'auth.sqlite'));
  const app = await createSyncServer({ storage, limits: { rateMax: 1e9 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('bench server has no address');
  const url = `http://127.0.0.1:${address.port}`;
  const devices = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const keys = generateDeviceKeys();
      const workspaceId = randomId();
      const deviceId = randomId();
      // The storage call registers the device directly: the bench measures authentication, not enrolment.
      const record = {
        deviceId,
        workspaceId,
        signPublicKey: keys.signPublicKey,
        boxPublicKey: keys.boxPublicKey,
        status: 'active',
        createdAt: Date.now(),
        revokedAt: null,
        invitedBy: null,
        role: 'owner',
      } as const;
      const created = await storage.createWorkspace(workspaceId, record);
      if (created !== 'created') throw new Error(`bench workspace not created: ${created}`);
      return { keys, deviceId, workspaceId };
    }),
  );
  const total = quick ? 400 : 4_000;
  const concurrency = 16;
  const run = async (): Promise<number> => {
    let next = 0;
    const start = performance.now();
    const worker = async () => {
      while (next < total) {
        const d = devices[next++ % devices.length]!;
        const p = syncPath(syncRoutes.me, { workspaceId: d.workspaceId });
        const headers = signRequest({
          method: 'GET',
          path: p,
          deviceId: d.deviceId,
          signSecretKey: d.keys.signSecretKey,
        });
        const r = await fetch(url + p, { headers });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`bench request failed with ${r.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return total / ((performance.now() - start) / 1000);
  };
  const shipped = nativeEd25519.verify.bind(nativeEd25519);
  try {
    await run(); // warm-up
    const native = await run();
    nativeEd25519.verify = (sig, msg, pub) => ed25519.verify(sig, msg, pub);
    const noble = await run();
    log(`signed requests/s: native ${Math.round(native)}, @noble ${Math.round(noble)}`);
    return [
      result(
        'server signed requests (GET /me, 16 clients): native verify vs @noble',
        native,
        'requests/s',
        noble,
      ),
    ];
  } finally {
    nativeEd25519.verify = shipped;
    await app.close();
    await storage.close();
  }
}

/** `npm run bench -- --only server-auth`. */
export const serverAuthBench: BenchSuite = {
  name: 'server-auth',
  async run(context) {
    const log = (m: string) => context.log(m);
    return [...verifyRows(context.quick), ...(await requestRows(context.dir, context.quick, log))];
  },
};
