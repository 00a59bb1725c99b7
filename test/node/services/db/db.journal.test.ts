import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase, withRollbackJournal } from '../../../../electron/services/db/database';
import { tempDir } from '../../support/tmp';

const MARKER = 'JOURNALMARKER';

describe('bulk writes with the rollback journal', () => {
  it('switch out of WAL for the write, keep it atomic, and switch back', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'j.db'), randomBytes(32));
    db.exec('CREATE TABLE t (v TEXT)');
    const modes: unknown[] = [];
    withRollbackJournal(db, () => {
      modes.push(db.pragma('journal_mode', { simple: true }));
      db.transaction(() => db.prepare('INSERT INTO t VALUES (?)').run('kept'))();
    });
    expect(modes).toEqual(['delete']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // A failure inside rolls back as usual, and WAL is restored all the same.
    expect(() =>
      withRollbackJournal(db, () =>
        db.transaction(() => {
          db.prepare('INSERT INTO t VALUES (?)').run('lost');
          throw new Error('boom');
        })(),
      ),
    ).toThrow('boom');
    expect(db.prepare('SELECT v FROM t').all()).toEqual([{ v: 'kept' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('stay in WAL without waiting out the busy timeout when another connection holds the file', () => {
    const file = path.join(tempDir(), 'j.db');
    const key = randomBytes(32);
    const db = openEncryptedDatabase(file, Uint8Array.from(key));
    db.exec('CREATE TABLE t (v TEXT)');
    const other = openEncryptedDatabase(file, Uint8Array.from(key));
    other.prepare('SELECT count(*) FROM t').get();
    // A busy timeout the switch would otherwise wait out in full (the test would time out).
    db.pragma('busy_timeout = 600000');
    const modes: unknown[] = [];
    withRollbackJournal(db, () => {
      modes.push(db.pragma('journal_mode', { simple: true }));
      db.transaction(() => db.prepare('INSERT INTO t VALUES (?)').run('kept'))();
    });
    expect(modes).toEqual(['wal']);
    // The connection's own busy timeout is back for everything else.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(600000);
    expect(other.prepare('SELECT v FROM t').all()).toEqual([{ v: 'kept' }]);
    other.close();
    db.close();
  });

  it('encrypt the journal like the database: original pages never reach the disk in plaintext', () => {
    const file = path.join(tempDir(), 'j.db');
    const db = openEncryptedDatabase(file, randomBytes(32));
    db.exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('${MARKER}' || hex(randomblob(3000)))`);
    withRollbackJournal(db, () => {
      db.exec('BEGIN');
      db.exec(`UPDATE t SET v = 'changed'`);
      // A tiny cache forces changed pages out to the database file, their originals to the journal.
      db.pragma('cache_size = 1');
      for (let i = 0; i < 100; i++) db.exec('INSERT INTO t VALUES (hex(randomblob(3000)))');
      const journal = `${file}-journal`;
      expect(existsSync(journal)).toBe(true);
      expect(readFileSync(journal).length).toBeGreaterThan(0);
      for (const f of [journal, file]) expect(readFileSync(f).includes(Buffer.from(MARKER))).toBe(false);
      db.exec('ROLLBACK');
    });
    expect((db.prepare('SELECT v FROM t').get() as { v: string }).v.startsWith(MARKER)).toBe(true);
    db.close();
  });

  it('stay in WAL mode inside a transaction or while another connection has the file open', () => {
    const file = path.join(tempDir(), 'j.db');
    const key = randomBytes(32);
    const db = openEncryptedDatabase(file, key);
    db.exec('CREATE TABLE t (v TEXT)');
    const seen: unknown[] = [];
    db.transaction(() =>
      withRollbackJournal(db, () => seen.push(db.pragma('journal_mode', { simple: true }))),
    )();
    const other = openEncryptedDatabase(file, key);
    other.prepare('SELECT count(*) FROM t').get();
    withRollbackJournal(db, () => {
      seen.push(db.pragma('journal_mode', { simple: true }));
      db.prepare('INSERT INTO t VALUES (?)').run('written');
    });
    expect(seen).toEqual(['wal', 'wal']);
    expect(other.prepare('SELECT v FROM t').all()).toEqual([{ v: 'written' }]);
    other.close();
    db.close();
  });
});
