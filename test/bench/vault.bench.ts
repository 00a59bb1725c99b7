import { randomBytes } from 'node:crypto';
import path from 'node:path';
import PlainDatabase from 'better-sqlite3';
import CipherDatabase from 'better-sqlite3-multiple-ciphers';
import { openEncryptedDatabase, STORE_CACHE_KIB, type Db } from '../../electron/services/db/database';
import { MemoryKeychain } from '../../electron/services/keychain/keychain.memory';
import { silentLogger } from '../../electron/services/log/logger';
import { VaultService } from '../../electron/services/vault/vault.service';
import { median, result, type BenchResult, type BenchSuite } from './bench.types';

/**
 * The vault's store against plain better-sqlite3 on the same workload, in the same run: 100k contacts
 * of ~300 bytes (bulk insert in one transaction), 1,000 warm point lookups, FTS5 prefix queries, and
 * open. Both stores use the same pragmas (WAL, synchronous=FULL, temp_store=MEMORY, the same cache), so
 * the ratio is the price of encryption alone.
 */

const FIRST = [
  'Wei',
  'Li',
  'Anna',
  'Jonas',
  'Maria',
  'Chen',
  'Sofia',
  'Lukas',
  'Mei',
  'Oliver',
  'Yuki',
  'Ivan',
];
const LAST = [
  'Zhang',
  'Wang',
  'Schmidt',
  'Müller',
  'Garcia',
  'Smith',
  'Kowalski',
  'Tanaka',
  'Rossi',
  'Novak',
];

interface Contact {
  id: string;
  name: string;
  email: string;
  data: string;
}

function contacts(n: number): Contact[] {
  const out: Contact[] = [];
  for (let i = 0; i < n; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const id = `c${i.toString(36).padStart(6, '0')}`;
    const name = `${first} ${last} ${i.toString(36)}`;
    const email = `${first}.${last}.${i}@example.com`.toLowerCase();
    const data = JSON.stringify({
      id,
      name,
      email,
      phone: `+49 30 ${String(1000000 + i).slice(-7)}`,
      company: `Company ${i % 5000}`,
      title: 'Purchasing manager',
      address: `${i % 300} Long Street, ${10000 + (i % 90000)} Berlin`,
      notes: 'Met at the trade fair; wants a quote for the spring order. '.slice(0, 40 + (i % 60)),
    });
    out.push({ id, name, email, data });
  }
  return out;
}

const SCHEMA = `
  CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, data TEXT NOT NULL) STRICT;
  CREATE VIRTUAL TABLE contacts_fts USING fts5(name, email, content='contacts', content_rowid='rowid', prefix='2 3');
`;

/** Another authenticated cipher of SQLite3MultipleCiphers, same pragmas, for the cipher choice. */
function cipherOpen(
  file: string,
  cipher: 'aegis' | 'chacha20' | 'sqlcipher' | 'ascon128',
  key: Uint8Array,
): Db {
  const db = new CipherDatabase(file);
  db.pragma(`cipher='${cipher}'`);
  if (cipher === 'aegis') db.pragma("algorithm='aegis-256'");
  db.pragma(`key="raw:${Buffer.from(key).toString('hex')}"`);
  db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${STORE_CACHE_KIB}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

function plainOpen(file: string): Db {
  const db: Db = new PlainDatabase(file);
  db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${STORE_CACHE_KIB}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * Creates the schema and bulk-inserts `rows` in one transaction (timed), then builds the FTS index
 * (timed apart: tokenising is the same CPU work for both stores and would blur the insert ratio).
 */
function build(db: Db, rows: Contact[]): { db: Db; insertMs: number; ftsMs: number } {
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO contacts (id, name, email, data) VALUES (?, ?, ?, ?)');
  let t = performance.now();
  db.transaction(() => {
    for (const c of rows) insert.run(c.id, c.name, c.email, c.data);
  })();
  const insertMs = performance.now() - t;
  t = performance.now();
  db.exec("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')");
  const ftsMs = performance.now() - t;
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, insertMs, ftsMs };
}

/** Opens the store cold and reads every contact: every page comes from disk and is decrypted. */
function coldScan(open: () => Db): number {
  const db = open();
  const t = performance.now();
  db.prepare('SELECT sum(length(data)) AS n FROM contacts').get();
  const ms = performance.now() - t;
  db.close();
  return ms;
}

/** One warm pass of `lookups` point reads, in µs per read. */
function lookupPass(db: Db, ids: string[]): number {
  const get = db.prepare<[string], { data: string }>('SELECT data FROM contacts WHERE id = ?');
  const t = performance.now();
  for (const id of ids) get.get(id);
  return ((performance.now() - t) * 1000) / ids.length;
}

/** One warm pass of FTS prefix queries (LIMIT 20), in µs per query. */
function ftsPass(db: Db, prefixes: string[]): number {
  const search = db.prepare<[string], { id: string }>(
    'SELECT c.id FROM contacts_fts f JOIN contacts c ON c.rowid = f.rowid WHERE contacts_fts MATCH ? LIMIT 20',
  );
  const t = performance.now();
  for (const q of prefixes) search.all(q);
  return ((performance.now() - t) * 1000) / prefixes.length;
}

function openPass(open: () => Db, id: string): number {
  const t = performance.now();
  const db = open();
  db.prepare('SELECT data FROM contacts WHERE id = ?').get(id);
  const ms = performance.now() - t;
  db.close();
  return ms;
}

export const vaultBench: BenchSuite = {
  name: 'vault',
  async run(ctx) {
    const { dir, quick } = ctx;
    const n = quick ? 10_000 : 100_000;
    const rows = contacts(n);
    const rounds = quick ? 1 : 3;
    // Encrypted and plain alternate at every step, so load from elsewhere on the machine hits both alike.
    const insert = { enc: [] as number[], plain: [] as number[] };
    const ftsBuild = { enc: [] as number[], plain: [] as number[] };
    const key = new Uint8Array(randomBytes(32));
    const encFile = (r: number) => path.join(dir, `enc-${r}.db`);
    const plainFile = (r: number) => path.join(dir, `plain-${r}.db`);
    const encOpen = (r: number) => () => openEncryptedDatabase(encFile(r), key);
    const plainOpenAt = (r: number) => () => plainOpen(plainFile(r));
    for (let r = 0; r < rounds; r++) {
      ctx.log(`insert round ${r + 1}/${rounds}: ${n} contacts`);
      const p = build(plainOpen(plainFile(r)), rows);
      const e = build(openEncryptedDatabase(encFile(r), key), rows);
      insert.plain.push(p.insertMs);
      insert.enc.push(e.insertMs);
      ftsBuild.plain.push(p.ftsMs);
      ftsBuild.enc.push(e.ftsMs);
      p.db.close();
      e.db.close();
    }
    const encDb = encOpen(0)();
    const plainDb = plainOpenAt(0)();
    const ids = Array.from({ length: 1000 }, (_, i) => rows[(i * 7919) % rows.length]!.id);
    const prefixes = Array.from({ length: 200 }, (_, i) => {
      const c = rows[(i * 104729) % rows.length]!;
      return `"${c.name.slice(0, 2 + (i % 3))}"*`;
    });
    lookupPass(encDb, ids);
    lookupPass(plainDb, ids);
    ftsPass(encDb, prefixes);
    ftsPass(plainDb, prefixes);
    const lookups = { enc: [] as number[], plain: [] as number[] };
    const fts = { enc: [] as number[], plain: [] as number[] };
    const opens = { enc: [] as number[], plain: [] as number[] };
    for (let pass = 0; pass < 9; pass++) {
      lookups.enc.push(lookupPass(encDb, ids));
      lookups.plain.push(lookupPass(plainDb, ids));
      fts.enc.push(ftsPass(encDb, prefixes));
      fts.plain.push(ftsPass(plainDb, prefixes));
    }
    encDb.close();
    plainDb.close();
    for (let pass = 0; pass < 9; pass++) {
      opens.enc.push(openPass(encOpen(1 % rounds), rows[0]!.id));
      opens.plain.push(openPass(plainOpenAt(1 % rounds), rows[0]!.id));
    }

    // The whole unlock: keychain read, open, key check, vault id, migrations (no scan after a clean close).
    const vault = new VaultService({
      dataDir: path.join(dir, 'vault-unlock'),
      keychain: new MemoryKeychain(),
      migrations: [],
      logger: silentLogger,
      now: Date.now,
      recoveryKdf: { N: 2 ** 12, r: 8, p: 1 },
    });
    await vault.setup();
    build(vault.access.db(), rows);
    await vault.lock();
    const unlocks: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t = performance.now();
      await vault.unlock();
      unlocks.push(performance.now() - t);
      await vault.lock();
    }

    // The cipher choice: every authenticated cipher of SQLite3MultipleCiphers on the same insert and
    // cold scan, each round interleaved with its own plain run.
    type Kind = 'plain' | 'aegis' | 'chacha20' | 'sqlcipher' | 'ascon128';
    const kinds: Kind[] = ['plain', 'aegis', 'chacha20', 'sqlcipher', 'ascon128'];
    const cipherInsert = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
    const cipherScan = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const kind of kinds) {
        const file = path.join(dir, `${kind}-c${r}.db`);
        const open = () => (kind === 'plain' ? plainOpen(file) : cipherOpen(file, kind, key));
        const b = build(open(), rows);
        b.db.close();
        cipherInsert.get(kind)!.push(b.insertMs);
        cipherScan.get(kind)!.push(coldScan(open));
      }
    }
    const med = (m: Map<Kind, number[]>, k: Kind) => median(m.get(k)!);

    const results: BenchResult[] = [
      result(`vault.insert ${n} contacts (1 txn)`, median(insert.enc), 'ms', median(insert.plain), '<= 1.3x'),
      result(`vault.fts index build (${n} contacts)`, median(ftsBuild.enc), 'ms', median(ftsBuild.plain)),
      result(
        'vault.point lookup (warm, 1,000)',
        median(lookups.enc),
        'µs/op',
        median(lookups.plain),
        '<= 1.1x',
      ),
      result(
        'vault.fts prefix query (warm, LIMIT 20)',
        median(fts.enc),
        'µs/op',
        median(fts.plain),
        '<= 1.1x',
      ),
      result('vault.open + key + first query', median(opens.enc), 'ms', median(opens.plain)),
      result(`vault.unlock (${n} contacts, in-memory keychain)`, median(unlocks), 'ms', undefined, '< 50 ms'),
      ...kinds
        .filter((k) => k !== 'plain')
        .flatMap((k) => [
          result(`vault.cipher ${k}: insert`, med(cipherInsert, k), 'ms', med(cipherInsert, 'plain')),
          result(`vault.cipher ${k}: cold full scan`, med(cipherScan, k), 'ms', med(cipherScan, 'plain')),
        ]),
    ];
    return results;
  },
};
