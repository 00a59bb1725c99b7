import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../electron/services/log/logger';
import { addNote, createTestVault, noteBodies, notesMigrations, realKeychain } from '../../support/vault';
import { tempDir } from '../../support/tmp';

/** Files under `dir` (recursively), for proving what a scan looked at. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Every file under `dir` (recursively) that contains any marker, as UTF-8 or UTF-16LE. */
function scan(dir: string, markers: string[]): string[] {
  const needles = markers.flatMap((m) => [Buffer.from(m, 'utf8'), Buffer.from(m, 'utf16le')]);
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        if (needles.some((n) => bytes.includes(n))) hits.push(path.relative(dir, p));
      }
    }
  };
  walk(dir);
  return hits.sort();
}

/** What the scenario does to a store; the encrypted vault and the plain control implement it. */
interface Store {
  write(body: string): void;
  backup(): Promise<void>;
  /** Close and reopen (lock/unlock), rewriting keys where the store has them. */
  cycle(): Promise<void>;
  read(): string[];
  close(): Promise<void>;
}

/**
 * The scenario: markers written, updated and searched, a backup, a close/reopen; the data dir is scanned
 * while the WAL is live and again at the end.
 */
async function scenario(
  dataDir: string,
  store: Store,
  markers: string[],
): Promise<{ live: string[]; end: string[]; liveFiles: string[] }> {
  for (const m of markers) store.write(`Contact ${m} met at the trade fair, phone 555-0100, notes ${m}`);
  for (let i = 0; i < 50; i++) store.write(`filler ${i} ${'x'.repeat(300)}`);
  const live = scan(dataDir, markers);
  const liveFiles = listFiles(dataDir);
  await store.backup();
  await store.cycle();
  expect(store.read().filter((b) => markers.some((m) => b.includes(m)))).toHaveLength(markers.length);
  await store.close();
  return { live, liveFiles, end: scan(dataDir, markers) };
}

const newMarkers = () => [
  `zqmarker${randomBytes(6).toString('hex')}`,
  `zqmarker${randomBytes(6).toString('hex')}`,
  `王小明${randomBytes(3).toString('hex')}`,
];

describe('no plaintext at rest', () => {
  it('marker strings written through the vault appear in no file under the data directory', async () => {
    const dataDir = tempDir('fv-plain-');
    const logFile = path.join(dataDir, 'logs', 'app.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    const logger = createLogger({ sink: (line) => appendFileSync(logFile, line + '\n'), minLevel: 'debug' });
    const { service } = createTestVault(dataDir, realKeychain(), { logger });
    await service.setup();
    const markers = newMarkers();
    const store: Store = {
      write: (body) => void addNote(service, body),
      backup: async () => void (await service.backup()),
      cycle: async () => {
        await service.rekey();
        await service.lock();
        await service.unlock();
        const [latest] = service.listBackups();
        await service.restore(latest!.backupId);
      },
      read: () => noteBodies(service),
      close: () => service.dispose(),
    };
    const { live, end, liveFiles } = await scenario(dataDir, store, markers);
    expect(liveFiles).toContain(path.join('vault', 'vault.db-wal'));
    expect(live).toEqual([]);
    expect(end).toEqual([]);
    // The scan saw the files it should have: database, WAL while open, backups, the log.
    const files = readdirSync(path.join(dataDir, 'vault', 'backups'));
    expect(files.some((f) => f.endsWith('.fvbackup'))).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toMatch(/vault\.backedUp/);
  });

  it('control: the same scenario on plain SQLite is found by the same scan (the scan can see)', async () => {
    const dataDir = tempDir('fv-plain-control-');
    const file = path.join(dataDir, 'plain.db');
    let db = new Database(file);
    const open = () => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    };
    open();
    db.pragma('wal_autocheckpoint = 0');
    for (const m of notesMigrations.migrations) m.up(db);
    const markers = newMarkers();
    let n = 0;
    const store: Store = {
      write: (body) => {
        db.prepare('INSERT INTO notes (id, body) VALUES (?, ?)').run(++n, body);
        db.prepare('INSERT INTO notes_fts (rowid, body) VALUES (?, ?)').run(n, body);
      },
      backup: () => {
        db.prepare('VACUUM INTO ?').run(path.join(dataDir, 'backup.db'));
        return Promise.resolve();
      },
      cycle: () => {
        db.close();
        db = new Database(file);
        open();
        return Promise.resolve();
      },
      read: () =>
        db
          .prepare<[], { body: string }>('SELECT body FROM notes')
          .all()
          .map((r) => r.body),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
    const { live, end } = await scenario(dataDir, store, markers);
    expect(live).toContain('plain.db-wal');
    expect(end).toEqual(['backup.db', 'plain.db']);
  });
});
