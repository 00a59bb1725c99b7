import { randomBytes } from 'node:crypto';
import path from 'node:path';
import PlainDatabase from 'better-sqlite3';
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

interface Measured {
  insertMs: number;
  lookupUs: number;
  ftsUs: number;
  openMs: number;
}

function workload(open: () => Db, rows: Contact[], lookups: number, ftsQueries: number): Measured {
  const db = open();
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO contacts (id, name, email, data) VALUES (?, ?, ?, ?)');
  const fts = db.prepare('INSERT INTO contacts_fts (rowid, name, email) VALUES (last_insert_rowid(), ?, ?)');
  let t = performance.now();
  db.transaction(() => {
    for (const c of rows) {
      insert.run(c.id, c.name, c.email, c.data);
      fts.run(c.name, c.email);
    }
  })();
  const insertMs = performance.now() - t;
  db.pragma('wal_checkpoint(TRUNCATE)');

  const get = db.prepare<[string], { data: string }>('SELECT data FROM contacts WHERE id = ?');
  const ids = Array.from({ length: lookups }, (_, i) => rows[(i * 7919) % rows.length]!.id);
  for (const id of ids) get.get(id); // warm
  t = performance.now();
  for (const id of ids) get.get(id);
  const lookupUs = ((performance.now() - t) * 1000) / lookups;

  const search = db.prepare<[string], { id: string }>(
    'SELECT c.id FROM contacts_fts f JOIN contacts c ON c.rowid = f.rowid WHERE contacts_fts MATCH ? LIMIT 20',
  );
  const prefixes = Array.from({ length: ftsQueries }, (_, i) => {
    const c = rows[(i * 104729) % rows.length]!;
    return `"${c.name.slice(0, 2 + (i % 3))}"*`;
  });
  for (const q of prefixes) search.all(q); // warm
  t = performance.now();
  for (const q of prefixes) search.all(q);
  const ftsUs = ((performance.now() - t) * 1000) / ftsQueries;
  db.close();

  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    const again = open();
    again.prepare('SELECT data FROM contacts WHERE id = ?').get(rows[0]!.id);
    opens.push(performance.now() - t);
    again.close();
  }
  return { insertMs, lookupUs, ftsUs, openMs: median(opens) };
}

export const vaultBench: BenchSuite = {
  name: 'vault',
  async run(ctx) {
    const { dir, quick } = ctx;
    const n = quick ? 10_000 : 100_000;
    const rows = contacts(n);
    const rounds = quick ? 1 : 3;
    const enc: Measured[] = [];
    const plain: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      const key = new Uint8Array(randomBytes(32));
      ctx.log(`round ${r + 1}/${rounds}: ${n} contacts`);
      plain.push(workload(() => plainOpen(path.join(dir, `plain-${r}.db`)), rows, 1000, 200));
      enc.push(workload(() => openEncryptedDatabase(path.join(dir, `enc-${r}.db`), key), rows, 1000, 200));
    }
    const m = (list: Measured[], f: keyof Measured) => median(list.map((x) => x[f]));

    // The whole unlock: keychain read, open, key check, quick_check, vault id, migrations.
    const vaultDir = path.join(dir, 'vault-unlock');
    const vault = new VaultService({
      dataDir: vaultDir,
      keychain: new MemoryKeychain(),
      migrations: [],
      logger: silentLogger,
      now: Date.now,
      recoveryKdf: { N: 2 ** 12, r: 8, p: 1 },
    });
    await vault.setup();
    const db = vault.access.db();
    db.exec(SCHEMA);
    const insert = db.prepare('INSERT INTO contacts (id, name, email, data) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const c of rows) insert.run(c.id, c.name, c.email, c.data);
    })();
    await vault.lock();
    const unlocks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await vault.unlock();
      unlocks.push(performance.now() - t);
      await vault.lock();
    }

    const results: BenchResult[] = [
      result(`vault.insert ${n} contacts (1 txn)`, m(enc, 'insertMs'), 'ms', m(plain, 'insertMs'), '<= 1.3x'),
      result('vault.point lookup (warm)', m(enc, 'lookupUs'), 'µs/op', m(plain, 'lookupUs'), '<= 1.1x'),
      result(
        'vault.fts prefix query (warm, LIMIT 20)',
        m(enc, 'ftsUs'),
        'µs/op',
        m(plain, 'ftsUs'),
        '<= 1.1x',
      ),
      result('vault.open + key + first query', m(enc, 'openMs'), 'ms', m(plain, 'openMs')),
      result(`vault.unlock (${n} contacts, in-memory keychain)`, median(unlocks), 'ms', undefined, '< 50 ms'),
    ];
    return results;
  },
};
