import { describe, expect, it } from 'vitest';
import { MemoryKeychain } from '../../../../electron/services/keychain/keychain.memory';
import { createLogger } from '../../../../electron/services/log/logger';
import type { ChannelOutput } from '../../../../shared/ipc/contract';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';
import { TEST_KDF } from '../../support/vault';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

const LONG_NAME = 'Mallory'.repeat(715); // 5,005 characters: far past the 200 a name may have
const HAND_ID = 'not-a-uuid';

/** Four contacts through the channels, then three damaged rows by raw SQL (as disk damage or a bad tool would). */
async function seed(f: CrmFixture) {
  const ann = await f.ok('contacts.create', { name: 'Ann Able', emails: ['ann@example.com'] });
  const bob = await f.ok('contacts.create', { name: 'Bob Baker' });
  const cy = await f.ok('contacts.create', { name: 'Cy Cole', emails: ['cy@example.com'] });
  const dee = await f.ok('contacts.create', { name: 'Dee Dunn' });
  f.db.prepare('UPDATE crm_contacts SET name = ? WHERE id = ?').run(LONG_NAME, bob.id);
  f.db.prepare('UPDATE crm_contacts SET emails = ? WHERE id = ?').run('{"not":"an array"}', cy.id);
  f.db
    .prepare(
      `INSERT INTO crm_contacts (id, name, consent, created_at, updated_at, created_by, updated_by)
       VALUES (?, 'Hand Made', '{"marketingOptIn":false,"recordedAt":null,"source":null}', 1, 1, 'x', 'x')`,
    )
    .run(HAND_ID);
  return { ann, bob, cy, dee };
}

describe('lists skip a damaged row, they never fail the whole page', () => {
  it('contacts.list answers the good rows and counts the damaged ones, on one page and across pages', async () => {
    const f = await createCrmFixture();
    const { ann, dee } = await seed(f);

    const page = await f.ok('contacts.list', {});
    expect(page.items.map((c) => c.id)).toEqual([ann.id, dee.id]);
    expect(page.skipped).toBe(3);
    expect(page.items[0]).toEqual(ann);

    // Damaged rows at page boundaries neither break the cursor nor lose a good row.
    const seen: string[] = [];
    let skipped = 0;
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next: ChannelOutput<'contacts.list'> = await f.ok('contacts.list', {
        limit: 1,
        count: false,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...next.items.map((c) => c.id));
      skipped += next.skipped;
      cursor = next.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(seen).toEqual([ann.id, dee.id]);
    expect(skipped).toBe(3);

    const clean = await f.ok('accounts.list', {});
    expect(clean).toMatchObject({ items: [], skipped: 0 });
  });

  it('get of a damaged row answers CORRUPT_STORE with a message that names nothing of it', async () => {
    const f = await createCrmFixture();
    const { ann, bob, cy } = await seed(f);
    for (const id of [bob.id, cy.id]) {
      const res = await f.call('contacts.get', { id });
      expect(res).toMatchObject({ ok: false, error: { code: 'CORRUPT_STORE' } });
      if (!res.ok) {
        expect(res.error.message).not.toContain(id);
        expect(res.error.message).not.toContain('Mallory');
      }
    }
    expect(await f.ok('contacts.get', { id: ann.id })).toEqual(ann);
    // A JSON column that is not even JSON text is damage too, not an internal error.
    f.db.prepare('UPDATE crm_contacts SET phones = ? WHERE id = ?').run('[unterminated', ann.id);
    expect(await f.call('contacts.get', { id: ann.id })).toMatchObject({
      ok: false,
      error: { code: 'CORRUPT_STORE' },
    });
  });

  it('search, timeline and vCard export still answer around damaged rows', async () => {
    const f = await createCrmFixture();
    const { ann, dee } = await seed(f);

    const found = await f.ok('search.query', { q: 'Ann' });
    expect(found.hits.map((h) => h.id)).toEqual([ann.id]);
    expect(found.skipped).toBe(0);
    expect(await f.call('search.query', { q: 'Bob' })).toMatchObject({ ok: true });

    const call = await f.ok('activities.create', {
      kind: 'call',
      occurredAt: 1_700_000_000_000,
      subject: 'Kick-off',
      contactId: ann.id,
    });
    const visit = await f.ok('activities.create', {
      kind: 'visit',
      occurredAt: 1_700_000_100_000,
      subject: 'Site visit',
      contactId: ann.id,
    });
    f.db.prepare('UPDATE crm_activities SET kind = ? WHERE id = ?').run('telepathy', visit.id);
    const timeline = await f.ok('timeline.get', { entity: 'contact', id: ann.id });
    const activities = timeline.items.flatMap((it) => (it.type === 'activity' ? [it.activity.id] : []));
    expect(activities).toEqual([call.id]);
    expect(timeline.skipped).toBe(1);
    const list = await f.ok('activities.list', { filter: { contactId: ann.id } });
    expect(list.items.map((a) => a.id)).toEqual([call.id]);
    expect(list.skipped).toBe(1);

    const vcf = await f.ok('export.vcard', {});
    expect(vcf.count).toBe(2);
    expect(vcf.content).toContain(`UID:urn:uuid:${ann.id}`);
    expect(vcf.content).toContain(`UID:urn:uuid:${dee.id}`);
    expect(vcf.content).not.toContain('Mallory');
  });

  it('logs the kind and the count of skipped rows, never an id or a value', async () => {
    const lines: string[] = [];
    const services = createTestServices(tempDir('fv-badrows-'), {
      keychain: new MemoryKeychain(),
      logger: createLogger({ sink: (line) => lines.push(line), minLevel: 'debug' }),
      tuning: { autoSync: false, recoveryKdf: TEST_KDF },
    });
    const call = (channel: string, input: unknown) => services.router.dispatch(channel, input, testSender);
    expect(await call('vault.setup', undefined)).toMatchObject({ ok: true });
    const bob = await call('contacts.create', { name: 'Bob Baker' });
    if (!bob.ok) throw new Error('create failed');
    const bobId = (bob.value as { id: string }).id;
    const db = services.parts.vault.access.db();
    db.prepare('UPDATE crm_contacts SET name = ? WHERE id = ?').run(LONG_NAME, bobId);

    lines.length = 0;
    expect(await call('contacts.list', {})).toMatchObject({ ok: true, value: { items: [], skipped: 1 } });
    expect(await call('contacts.get', { id: bobId })).toMatchObject({ ok: false });
    const skips = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(skips.filter((l) => l.event === 'crm.recordsSkipped')).toEqual([
      expect.objectContaining({ entity: 'contact', count: 1 }),
      expect.objectContaining({ entity: 'contact', count: 1 }),
    ]);
    for (const line of lines) {
      expect(line).not.toContain(bobId);
      expect(line).not.toContain('Mallory');
      expect(line).not.toContain('Bob');
    }
  });
});
