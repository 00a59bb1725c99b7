import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { holdSecureDelete, withSecureDelete } from '../../../../electron/services/db/secure-delete';
import { tempDir } from '../../support/tmp';

describe('secure_delete around erasing writes', () => {
  it('is on inside, and the connection keeps its own setting (off, on or fast) afterwards', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 's.db'), randomBytes(32));
    try {
      const setting = () => db.pragma('secure_delete', { simple: true });
      for (const [name, value] of [
        ['OFF', 0],
        ['ON', 1],
        ['FAST', 2],
      ] as const) {
        db.pragma(`secure_delete = ${name}`);
        expect(withSecureDelete(db, setting)).toBe(1);
        expect(setting()).toBe(value);
        const release = holdSecureDelete(db);
        expect(setting()).toBe(1);
        release();
        expect(setting()).toBe(value);
      }
      db.pragma('secure_delete = OFF');
      expect(() =>
        withSecureDelete(db, () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(setting()).toBe(0);
    } finally {
      db.close();
    }
  });
});
