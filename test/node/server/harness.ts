import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { createSyncServer, type SyncServerOptions } from '../../../server/app';

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A sync server on 127.0.0.1, an ephemeral port, over real loopback HTTP. */
export async function listen(options: SyncServerOptions): Promise<RunningServer> {
  const app = await createSyncServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('server has no address');
  return { url: `http://127.0.0.1:${address.port}`, app, close: () => app.close() };
}

/**
 * Asserts that none of `needles` occurs in any of `files` (raw bytes), and, as a control that the
 * scan sees the stored data at all, that `present` (something the server does store) does occur.
 */
export function expectAbsentFrom(
  files: readonly string[],
  needles: readonly Uint8Array[],
  present: string,
): void {
  expect(files.length).toBeGreaterThan(0);
  let controlFound = false;
  for (const file of files) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      continue; // removed while we listed (PostgreSQL temp files)
    }
    if (data.includes(present)) controlFound = true;
    for (const needle of needles) {
      expect(data.indexOf(Buffer.from(needle)), `${file} contains a marker`).toBe(-1);
    }
  }
  expect(controlFound, 'the scan found the stored ids, so it reads the real data').toBe(true);
}
