import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, EventPayload } from '../../../shared/ipc/contract';
import type { MigrationSet } from '../../../electron/services/db/migrate';
import type { Keychain } from '../../../electron/services/keychain/keychain';
import { KeytarKeychain } from '../../../electron/services/keychain/keychain.keytar';
import { silentLogger, type Logger } from '../../../electron/services/log/logger';
import type { ScryptParams } from '../../../electron/services/vault/vault.recovery';
import { VaultService, type FaultPoint } from '../../../electron/services/vault/vault.service';

/** Repo root, for spawning fixtures. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Small scrypt parameters for tests that set up many vaults. The production parameters are exercised by
 * `vault.recovery.test.ts`; the wrap records its parameters, so both paths run the same code.
 */
export const TEST_KDF: ScryptParams = { N: 2 ** 12, r: 8, p: 1 };

/** A keychain service name of its own per test, so parallel test files never see each other's entries. */
export function testKeychainService(): string {
  return `com.fieldvault.test.${randomBytes(6).toString('hex')}`;
}

/** The real OS keychain (Secret Service inside `with-keyring.sh`) under a private service name. */
export function realKeychain(service = testKeychainService()): KeytarKeychain {
  return new KeytarKeychain(service);
}

/** A test table written through the vault's database handle (the CRM tables belong to another module). */
export const notesMigrations: MigrationSet = {
  domain: 'test_notes',
  migrations: [
    {
      version: 1,
      name: 'notes',
      up(db) {
        db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT');
        db.exec("CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id')");
      },
    },
  ],
};

export interface TestVault {
  readonly service: VaultService;
  readonly events: { event: EventName; payload: unknown }[];
}

export function createTestVault(
  dataDir: string,
  keychain: Keychain,
  options: { now?: () => number; fault?: (p: FaultPoint) => void; logger?: Logger; kdf?: ScryptParams } = {},
): TestVault {
  const events: { event: EventName; payload: unknown }[] = [];
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => events.push({ event, payload });
  const service = new VaultService({
    dataDir,
    keychain,
    migrations: [notesMigrations],
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    recoveryKdf: options.kdf ?? TEST_KDF,
    fault: options.fault,
    onLocked: (reason) => emit('vault.locked', { reason }),
    onUnlocked: (vaultId) => emit('vault.unlocked', { vaultId }),
  });
  return { service, events };
}

export function addNote(service: VaultService, body: string): number {
  const db = service.access.db();
  const id = Number(db.prepare('INSERT INTO notes (body) VALUES (?)').run(body).lastInsertRowid);
  db.prepare('INSERT INTO notes_fts (rowid, body) VALUES (?, ?)').run(id, body);
  return id;
}

export function noteBodies(service: VaultService): string[] {
  return service.access
    .db()
    .prepare<[], { body: string }>('SELECT body FROM notes ORDER BY id')
    .all()
    .map((r) => r.body);
}

/** Runs a TypeScript fixture in a child Node process (tsx), collecting stdout lines. */
export function runFixture(
  file: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    input?: string;
    onLine?: (line: string, kill: () => void) => void;
  } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, file), ...args], {
      cwd: repoRoot,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let buffer = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        options.onLine?.(line, kill);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, lines, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
