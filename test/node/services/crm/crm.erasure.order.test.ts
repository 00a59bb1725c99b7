import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../../../electron/services/crm/change.pipeline';
import { contactDef, customFieldDef } from '../../../../electron/services/crm/crm.entities';
import { erasePerson } from '../../../../electron/services/crm/privacy.service';
import type { Db } from '../../../../electron/services/db/database';
import type { CustomField } from '../../../../shared/domain/crm.schemas';
import { tempDir } from '../../support/tmp';
import { applyPage, openReplica, pushPending, stateOf, type Replica } from '../sync/support/replica';

/**
 * An erasure against edits it never saw (wave 2 review): a custom value another device wrote before
 * the erase, delivered before or after it, must leave every replica with the same rows and none with
 * the value; a local edit still unpushed when the erasure arrives must not become a conflict side.
 */

let t = 1_800_000_000_000;
const open: Replica[] = [];
function replica(name: string, dir: string): Replica {
  const r = openReplica(dir, name, () => (t += 3));
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

/** How many values in any table contain `needle`. */
function holds(db: Db, needle: string): number {
  let n = 0;
  for (const { name } of db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .all())
    for (const row of db.prepare<[], Record<string, unknown>>(`SELECT * FROM "${name}"`).all())
      for (const v of Object.values(row)) if (String(v).includes(needle)) n++;
  return n;
}

describe('an erasure and an older edit it never saw', () => {
  it('converge whatever the delivery order, with the value nowhere and no conflict', () => {
    const dir = tempDir('fv-erase-order-');
    const [eraser, editor, first, later, pending] = ['eraser', 'editor', 'first', 'later', 'pending'].map(
      (n) => replica(n, dir),
    ) as [Replica, Replica, Replica, Replica, Replica];
    const diet = eraser.crm.create(customFieldDef, {
      entity: 'contact',
      kind: 'text',
      label: 'Diet',
    }) as CustomField;
    const erin = eraser.crm.create(contactDef, { name: 'Erin Order' });
    const base = pushPending(eraser);
    for (const r of [editor, first, later, pending]) applyPage(r, base);

    // The editor writes a custom value the eraser never receives before erasing.
    editor.crm.update(contactDef, erin.id, { custom: { [diet.id]: 'Vegan secret' } });
    const edit: Change[] = pushPending(editor);
    // Another device has an edit of its own still unpushed when the erasure arrives.
    pending.crm.update(contactDef, erin.id, { custom: { [diet.id]: 'Pending secret' } });
    erasePerson(eraser.crm, erin.id);
    const erase = pushPending(eraser);

    applyPage(first, edit);
    applyPage(first, erase);
    applyPage(later, erase);
    applyPage(later, edit);
    applyPage(editor, erase);
    applyPage(eraser, edit);
    const secureDelete = pending.db.pragma('secure_delete', { simple: true });
    const arrived = pending.crm.writer.apply(erase, 'remote');
    expect(arrived.conflicts).toEqual([]);
    // The connection's setting is what it was (the pulled erasure held it on up to its commit).
    expect(pending.db.pragma('secure_delete', { simple: true })).toBe(secureDelete);

    const state = stateOf(eraser.db);
    for (const r of [editor, first, later]) expect(stateOf(r.db)).toEqual(state);
    for (const r of [eraser, editor, first, later, pending]) {
      expect(holds(r.db, 'Vegan secret')).toBe(0);
      expect(holds(r.db, 'Pending secret')).toBe(0);
      expect(holds(r.db, 'Erin Order')).toBe(0);
    }
  });
});
