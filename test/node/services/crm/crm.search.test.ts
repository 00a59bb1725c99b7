import { describe, expect, it } from 'vitest';
import { SearchRepository } from '../../../../electron/services/crm/search.repository';
import {
  buildMatchQuery,
  HL_CLOSE,
  HL_OPEN,
  highlightTerms,
  matchTerms,
  indexText,
  markedToSegments,
} from '../../../../electron/services/crm/search.text';
import { checkSearchIndex, createCrmFixture, type CrmFixture } from './support/crm.fixture';

async function ids(f: CrmFixture, q: string): Promise<string[]> {
  return (await f.ok('search.query', { q })).hits.map((h) => h.id);
}

describe('search', () => {
  it('finds Latin names by prefix, case- and accent-insensitively, with highlighted segments', async () => {
    const f = await createCrmFixture();
    const c = await f.ok('contacts.create', { name: 'José Müller-Smith', title: 'Buyer' });
    expect(await ids(f, 'smi')).toEqual([c.id]);
    expect(await ids(f, 'jose')).toEqual([c.id]);
    expect(await ids(f, 'MULL')).toEqual([c.id]);
    expect(await ids(f, 'jose smi')).toEqual([c.id]);
    expect(await ids(f, 'mith')).toEqual([]);
    const hit = (await f.ok('search.query', { q: 'smi' })).hits[0]!;
    expect(hit.title).toEqual([
      { text: 'José Müller-', match: false },
      { text: 'Smith', match: true },
    ]);
  });

  it('finds Chinese names by any character and by substrings', async () => {
    const f = await createCrmFixture();
    const zw = await f.ok('contacts.create', { name: '张伟' });
    const wf = await f.ok('contacts.create', { name: '王芳' });
    const acc = await f.ok('accounts.create', { name: '北京科技有限公司' });
    expect(await ids(f, '张')).toEqual([zw.id]);
    expect(await ids(f, '伟')).toEqual([zw.id]);
    expect(await ids(f, '张伟')).toEqual([zw.id]);
    expect(await ids(f, '伟张')).toEqual([]);
    expect(await ids(f, '芳')).toEqual([wf.id]);
    expect(await ids(f, '科技')).toEqual([acc.id]);
    const hit = (await f.ok('search.query', { q: '伟' })).hits[0]!;
    expect(hit.title).toEqual([
      { text: '张', match: false },
      { text: '伟', match: true },
    ]);
  });

  it('finds e-mail addresses by fragment and phone numbers by any digit run', async () => {
    const f = await createCrmFixture();
    const c = await f.ok('contacts.create', {
      name: 'Li Na',
      emails: ['li.na@example.cn'],
      phones: ['+86 (190) 3806-8155'],
    });
    await f.ok('contacts.create', {
      name: 'Other',
      emails: ['other@elsewhere.org'],
      phones: ['030 1234567'],
    });
    expect(await ids(f, 'li.na@')).toEqual([c.id]);
    expect(await ids(f, 'example.cn')).toEqual([c.id]);
    expect(await ids(f, '3806')).toEqual([c.id]);
    expect(await ids(f, '806-81')).toEqual([c.id]);
    expect(await ids(f, '8619038068155')).toEqual([c.id]);
    const hit = (await f.ok('search.query', { q: '3806' })).hits[0]!;
    expect(hit.snippet.filter((s) => s.match).map((s) => s.text)).toEqual(['3806']);
  });

  it('finds O’Brien by obrien and Weiß by weiss (and back), never showing the aliases that do it', async () => {
    const f = await createCrmFixture();
    const ob = await f.ok('contacts.create', { name: "Zoë O'Brien" });
    const dq = await f.ok('contacts.create', { name: 'Ada D’Quincey' });
    const weiss = await f.ok('contacts.create', { name: 'Jana Weiß' });
    const weissPlain = await f.ok('contacts.create', { name: 'Jonas Weiss' });
    const soren = await f.ok('accounts.create', { name: 'Søren Ærø ApS' });
    const inNotes = await f.ok('contacts.create', {
      name: 'Someone',
      notes:
        'Lunch at the Bahnhofstraße branch with O’Neill; brought the samples and the price list for next year',
    });
    expect(await ids(f, 'obrien')).toEqual([ob.id]);
    expect(await ids(f, 'obr')).toEqual([ob.id]);
    expect(await ids(f, "o'brien")).toEqual([ob.id]);
    expect(await ids(f, 'dquincey')).toEqual([dq.id]);
    expect((await ids(f, 'weiss')).sort()).toEqual([weiss.id, weissPlain.id].sort());
    expect((await ids(f, 'WEISS')).sort()).toEqual([weiss.id, weissPlain.id].sort());
    expect((await ids(f, 'weiß')).sort()).toEqual([weiss.id, weissPlain.id].sort());
    expect(await ids(f, 'soren aero')).toEqual([soren.id]);
    expect(await ids(f, 'Søren')).toEqual([soren.id]);
    expect(await ids(f, 'bahnhofstrasse')).toEqual([inNotes.id]);
    expect(await ids(f, 'oneill')).toEqual([inNotes.id]);
    const titleOf = async (q: string) => (await f.ok('search.query', { q })).hits[0]!.title;
    expect(await titleOf('obr')).toEqual([
      { text: 'Zoë ', match: false },
      { text: 'O', match: true },
      { text: "'", match: false },
      { text: 'Brien', match: true },
    ]);
    const weissHits = (await f.ok('search.query', { q: 'weiss' })).hits;
    expect(weissHits.find((h) => h.id === weiss.id)!.title).toContainEqual({ text: 'Weiß', match: true });
    expect(await titleOf('aero')).toEqual([
      { text: 'Søren ', match: false },
      { text: 'Ærø', match: true },
      { text: ' ApS', match: false },
    ]);
    // The note matched only through an alias: its snippet is cut from the note's own text.
    const note = (await f.ok('search.query', { q: 'bahnhofstrasse' })).hits[0]!;
    expect(note.snippet.filter((s) => s.match).map((s) => s.text)).toEqual(['Bahnhofstraße']);
    const oneill = (await f.ok('search.query', { q: 'oneill' })).hits;
    expect(JSON.stringify(oneill)).not.toMatch(/oneill|bahnhofstrasse|\\u0003/i);
    expect(oneill[0]!.snippet.map((s) => s.text).join('')).toContain('with O’Neill; brought');
    checkSearchIndex(f.db);
  });

  it('finds a phone stored in international form by its national form, and the other way round', async () => {
    const f = await createCrmFixture();
    const berlin = await f.ok('contacts.create', { name: 'Berlin', phones: ['+49 30 1234567'] });
    const national = await f.ok('contacts.create', { name: 'Hamburg', phones: ['040 7654321'] });
    const nanp = await f.ok('contacts.create', { name: 'Oakland', phones: ['(415) 555-0100'] });
    expect(await ids(f, '030 1234567')).toEqual([berlin.id]);
    expect(await ids(f, '0049 30 1234567')).toEqual([berlin.id]);
    expect(await ids(f, '+49 40 7654321')).toEqual([national.id]);
    expect(await ids(f, '+1 415 555 0100')).toEqual([nanp.id]);
    // Short runs are looked for as typed only: 030 is in no stored number.
    expect(await ids(f, '030')).toEqual([]);
    const hit = (await f.ok('search.query', { q: '030 1234567' })).hits[0]!;
    expect(hit.snippet.filter((s) => s.match).map((s) => s.text)).toEqual(['301234567']);
  });

  it('ranks name matches above matches in notes and bodies, and searches across entities', async () => {
    const f = await createCrmFixture();
    const inNotes = await f.ok('contacts.create', { name: 'Someone', notes: 'met Baker at the fair' });
    const act = await f.ok('activities.create', { kind: 'note', occurredAt: 1, body: 'Baker wants a demo' });
    const named = await f.ok('contacts.create', { name: 'Tom Baker' });
    const hits = (await f.ok('search.query', { q: 'baker' })).hits;
    expect(hits[0]!.id).toBe(named.id);
    expect(hits.map((h) => h.id).sort()).toEqual([inNotes.id, act.id, named.id].sort());
    const noteHit = hits.find((h) => h.id === inNotes.id)!;
    expect(noteHit.snippet.some((s) => s.match && s.text === 'Baker')).toBe(true);
    expect(
      (await f.ok('search.query', { q: 'baker', entities: ['activity'] })).hits.map((h) => h.id),
    ).toEqual([act.id]);
  });

  it('follows updates and deletes in the same transaction and ignores FTS syntax in queries', async () => {
    const f = await createCrmFixture();
    const c = await f.ok('contacts.create', { name: 'Old Name', emails: ['ann@lee.example'] });
    await f.ok('contacts.update', { id: c.id, patch: { name: 'New Name' } });
    expect(await ids(f, 'old')).toEqual([]);
    expect(await ids(f, 'new')).toEqual([c.id]);
    // Only the name changed: the e-mail stays findable (its index entry is left as it was).
    expect(await ids(f, 'ann@lee')).toEqual([c.id]);
    await f.ok('contacts.update', { id: c.id, patch: { emails: ['bo@kim.example'], notes: 'met' } });
    expect(await ids(f, 'ann@lee')).toEqual([]);
    expect(await ids(f, 'bo@kim')).toEqual([c.id]);
    checkSearchIndex(f.db);
    await f.ok('contacts.delete', { id: c.id });
    expect(await ids(f, 'new')).toEqual([]);
    expect(await ids(f, 'bo@kim')).toEqual([]);
    checkSearchIndex(f.db);
    for (const q of ['"', 'a OR b', 'NEAR(', '*', 'title:x', '{title}', '-', '', '   ', '^x', 'AND']) {
      expect((await f.call('search.query', { q })).ok).toBe(true);
    }
  });

  it('ranks the newest matches of a common prefix, in one query with highlights', async () => {
    const f = await createCrmFixture();
    const made: string[] = [];
    for (let i = 0; i < 12; i++) {
      // Longer names rank lower (bm25 favours short fields); every other one is long.
      const name = i % 2 ? `Mara ${i}` : `Mara Johanna Elisabeth Katharina ${i}`;
      made.push((await f.ok('contacts.create', { name })).id);
    }
    const repo = new SearchRepository(f.db);
    // 6 candidates: the 6 newest matches, of which the 3 short names rank first.
    const hits = repo.queryNames('"mar"*', 6, 3);
    const newest = made.slice(6);
    expect(hits.map((h) => h.recordId).every((id) => newest.includes(id))).toBe(true);
    expect(hits.map((h) => h.recordId).sort()).toEqual(newest.filter((_, i) => i % 2 === 1).sort());
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => a - b));
    expect(hits.every((h) => h.title.includes(HL_OPEN))).toBe(true);
    // Fewer matches than the bound: ranked in full.
    expect(repo.queryNames('"mar"*', 1000, 20)).toHaveLength(12);
  });

  it('prepares text so that each CJK character is its own token and display text is unchanged', () => {
    expect(indexText('张伟 Smith')).toBe('\u200b张\u200b\u200b伟\u200b Smith');
    expect(buildMatchQuery('张伟 smi')).toBe('"张 伟" "smi"*');
    expect(buildMatchQuery('"; DROP')).toBe('"DROP"*');
    expect(markedToSegments('\u200b张\u200b\u0001\u200b伟\u200b\u0002')).toEqual([
      { text: '张', match: false },
      { text: '伟', match: true },
    ]);
  });

  it('highlights name hits in JS exactly as FTS5 highlight() marks them', async () => {
    const f = await createCrmFixture();
    const names = [
      'José Müller-Smith',
      '张伟 Smith',
      "Zoë O'Brien",
      'Ångström AB',
      '北京科技有限公司',
      'Anna-Lena Bäcker Anna',
      'Li Na 李娜',
      'SMITH & smithers GmbH 3000',
    ];
    for (const name of names) await f.ok('accounts.create', { name });
    const queries = [
      'smi',
      'jose mu',
      '张伟',
      'zoe',
      'ang',
      '科技',
      'bac an',
      'an',
      'li 娜',
      '30',
      'o brien',
    ];
    const fts = f.db.prepare<[string], { rowid: number; marked: string; title: string }>(
      `SELECT n.rowid AS rowid, highlight(crm_search_names, 0, '${HL_OPEN}', '${HL_CLOSE}') AS marked,
         d.title AS title
       FROM crm_search_names n JOIN crm_search_docs d ON d.rowid = n.rowid
       WHERE crm_search_names MATCH ?`,
    );
    let compared = 0;
    for (const q of queries) {
      const match = buildMatchQuery(q)!;
      for (const row of fts.all(match)) {
        expect(
          markedToSegments(highlightTerms(row.title, matchTerms(match))),
          `${q} in ${row.title}`,
        ).toEqual(markedToSegments(row.marked));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(queries.length);
  });
});
