import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate, schemaVersions, type MigrationSet } from '../../../../electron/services/db/migrate';
import { vaultMigrations } from '../../../../electron/services/vault/vault.migrations';
import { VaultRepository } from '../../../../electron/services/vault/vault.repository';
import { tempDir } from '../../support/tmp';

function freshDb(): Db {
  return openEncryptedDatabase(path.join(tempDir('fv-db-'), 'v.db'), new Uint8Array(randomBytes(32)));
}

const tables = (db: Db) =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

describe('the encrypted store', () => {
  it('opens in WAL with synchronous=FULL, temp files in memory, foreign keys on', () => {
    const db = freshDb();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('WRONG_KEY for another key, and the right key still opens the file afterwards', () => {
    const file = path.join(tempDir('fv-db-'), 'v.db');
    const key = new Uint8Array(randomBytes(32));
    const db = openEncryptedDatabase(file, key);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => openEncryptedDatabase(file, new Uint8Array(randomBytes(32)))).toThrow(
      expect.objectContaining({ code: 'WRONG_KEY' }),
    );
    expect(() => openEncryptedDatabase(file, new Uint8Array(16))).toThrow(
      expect.objectContaining({ code: 'WRONG_KEY' }),
    );
    openEncryptedDatabase(file, key).close();
  });
});

describe('migrations', () => {
  it('vault migration 1 creates vault_info, and the vault id round-trips', () => {
    const db = freshDb();
    expect(migrate(db, [vaultMigrations])).toEqual({ vault: 1 });
    expect(tables(db)).toContain('vault_info');
    const repo = new VaultRepository(db);
    expect(repo.vaultId()).toBeNull();
    repo.setVaultId('abc');
    repo.setVaultId('def');
    expect(repo.vaultId()).toBe('def');
    db.close();
  });

  it('applies each version once, in order, recording it; re-running is a no-op', () => {
    const db = freshDb();
    const applied: number[] = [];
    const set: MigrationSet = {
      domain: 'demo',
      migrations: [1, 2, 3].map((version) => ({
        version,
        name: `m${version}`,
        up(d: Db) {
          applied.push(version);
          d.exec(`CREATE TABLE demo_${version} (x)`);
        },
      })),
    };
    const partial: MigrationSet = { domain: 'demo', migrations: set.migrations.slice(0, 2) };
    expect(migrate(db, [partial])).toEqual({ demo: 2 });
    expect(schemaVersions(db)).toEqual({ demo: 2 });
    expect(migrate(db, [set])).toEqual({ demo: 3 });
    expect(migrate(db, [set])).toEqual({ demo: 3 });
    expect(applied).toEqual([1, 2, 3]);
    db.close();
  });

  it('a failing migration rolls back whole, with its record, and earlier versions stay', () => {
    const db = freshDb();
    const set: MigrationSet = {
      domain: 'demo',
      migrations: [
        { version: 1, name: 'ok', up: (d) => d.exec('CREATE TABLE one (x)') },
        {
          version: 2,
          name: 'fails halfway',
          up: (d) => {
            d.exec('CREATE TABLE two (x)');
            throw new Error('boom');
          },
        },
      ],
    };
    expect(() => migrate(db, [set])).toThrow('boom');
    expect(schemaVersions(db)).toEqual({ demo: 1 });
    expect(tables(db)).toContain('one');
    expect(tables(db)).not.toContain('two');
    db.close();
  });

  it('refuses a schema newer than this build (downgrade) and out-of-sequence numbering', () => {
    const db = freshDb();
    const two: MigrationSet = {
      domain: 'demo',
      migrations: [
        { version: 1, name: 'a', up: () => undefined },
        { version: 2, name: 'b', up: () => undefined },
      ],
    };
    migrate(db, [two]);
    const one: MigrationSet = { domain: 'demo', migrations: two.migrations.slice(0, 1) };
    expect(() => migrate(db, [one])).toThrow(expect.objectContaining({ code: 'SCHEMA_TOO_NEW' }));
    const gap: MigrationSet = { domain: 'gap', migrations: [{ version: 2, name: 'x', up: () => undefined }] };
    expect(() => migrate(db, [gap])).toThrow(AppError);
    db.close();
  });
});
