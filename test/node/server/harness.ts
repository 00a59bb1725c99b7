import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { createSyncServer, type SyncServerOptions } from '../../../server/app';
import { SqliteSyncStorage } from '../../../server/storage/storage.sqlite';

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

/** The storage and server of one test file, live between its beforeAll and afterAll. */
export interface ServerFixture {
  readonly storage: SqliteSyncStorage;
  readonly server: RunningServer;
}

/**
 * Registers beforeAll/afterAll hooks that start a sync server over a fresh SQLite storage in a temp
 * directory (named after `prefix`) and remove both afterwards. Read the fields inside tests only.
 */
export function useSqliteServer(prefix: string): ServerFixture {
  const dir = mkdtempSync(path.join(tmpdir(), `fv-${prefix}-`));
  let storage: SqliteSyncStorage | null = null;
  let server: RunningServer | null = null;
  beforeAll(async () => {
    storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    server = await listen({ storage });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | null): T => {
    if (value === null) throw new Error('the server fixture is used outside its tests');
    return value;
  };
  return {
    get storage() {
      return started(storage);
    },
    get server() {
      return started(server);
    },
  };
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
