import { describe, expect, it } from 'vitest';
import { foldLine, icsText } from '../../../../electron/services/crm/agenda.ics';
import { createCrmFixture } from './support/crm.fixture';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Unfolds RFC 5545 content lines (CRLF + one space continues the previous line). */
function unfold(ics: string): string[] {
  return ics.replace(/\r\n /g, '').split('\r\n');
}

describe("a rep's working day through the router", () => {
  it('completes, reopens, edits, deletes and restores a task; the restore syncs as its own change', async () => {
    const f = await createCrmFixture();
    const task = await f.ok('tasks.create', { title: 'Send offer', dueAt: Date.UTC(2026, 11, 1, 14, 30) });
    expect(task.dueAt).toBe(Date.UTC(2026, 11, 1, 14, 30));
    expect((await f.ok('tasks.update', { id: task.id, patch: { done: true } })).done).toBe(true);
    expect((await f.ok('tasks.list', { filter: { done: false } })).total).toBe(0);
    expect((await f.ok('tasks.update', { id: task.id, patch: { done: false } })).done).toBe(false);
    const edited = await f.ok('tasks.update', {
      id: task.id,
      patch: { title: 'Send revised offer', dueAt: Date.UTC(2026, 11, 2, 8, 15) },
    });
    expect(edited).toMatchObject({ title: 'Send revised offer', dueAt: Date.UTC(2026, 11, 2, 8, 15) });

    await f.ok('tasks.delete', { id: task.id });
    expect((await f.ok('tasks.list', {})).total).toBe(0);
    const restored = await f.ok('records.restore', { entity: 'task', id: task.id });
    expect(restored).toMatchObject({ entity: 'task', id: task.id });
    expect(await f.ok('tasks.get', { id: task.id })).toMatchObject({
      title: 'Send revised offer',
      deletedAt: null,
    });
    // Delete and restore are both op-log changes waiting for sync (the last one writes deletedAt: null).
    const ops = f.db
      .prepare("SELECT fields FROM crm_oplog WHERE record_id = ? AND sync_state = 'pending' ORDER BY seq")
      .all(task.id) as { fields: string }[];
    expect(JSON.parse(ops.at(-1)!.fields)).toEqual({ deletedAt: null });
    // Restoring a live record changes nothing; an unknown one is NOT_FOUND.
    await f.ok('records.restore', { entity: 'task', id: task.id });
    expect(f.db.prepare('SELECT count(*) AS n FROM crm_oplog WHERE record_id = ?').get(task.id)).toEqual({
      n: ops.length,
    });
    expect(
      await f.call('records.restore', { entity: 'task', id: '01890000-0000-7000-8000-000000000000' }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await f.services.dispose();
  });

  it('an erased person cannot be restored', async () => {
    const f = await createCrmFixture();
    const c = await f.ok('contacts.create', { name: 'Ann Lee', emails: ['ann@lee.example'] });
    await f.ok('privacy.erasePerson', { contactId: c.id });
    expect(await f.call('records.restore', { entity: 'contact', id: c.id })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    await f.services.dispose();
  });

  it('overdue, today and upcoming are separate queries: 150 overdue tasks do not empty "due today"', async () => {
    const f = await createCrmFixture();
    const start = Date.UTC(2026, 11, 1);
    const end = start + DAY;
    for (let k = 0; k < 150; k++) await f.ok('tasks.create', { title: `old ${k}`, dueAt: start - DAY - k });
    await f.ok('tasks.create', { title: 'today 09:00', dueAt: start + 9 * HOUR });
    await f.ok('tasks.create', { title: 'today 16:45', dueAt: start + 16 * HOUR + 45 * 60_000 });
    await f.ok('tasks.create', { title: 'tomorrow', dueAt: end + HOUR });
    await f.ok('tasks.create', { title: 'someday' });
    const overdue = await f.ok('tasks.list', { filter: { done: false, dueBefore: start }, limit: 100 });
    const today = await f.ok('tasks.list', { filter: { done: false, dueAfter: start, dueBefore: end } });
    const upcoming = await f.ok('tasks.list', { filter: { done: false, dueAfter: end } });
    expect(overdue.total).toBe(150);
    expect(overdue.items).toHaveLength(100);
    expect(today.items.map((t) => t.title)).toEqual(['today 09:00', 'today 16:45']);
    expect(upcoming.items.map((t) => t.title)).toEqual(['tomorrow']);
    await f.services.dispose();
  });

  it('plans visits with start, duration and attendees, logs an outcome, and checks attendee references', async () => {
    const f = await createCrmFixture();
    const acme = await f.ok('accounts.create', { name: 'Acme' });
    const ann = await f.ok('contacts.create', {
      name: 'Ann Lee',
      accountId: acme.id,
      emails: ['ann@acme.example'],
    });
    const wei = await f.ok('contacts.create', { name: '张伟', accountId: acme.id });
    const at = Date.UTC(2026, 11, 3, 9, 30);
    const visit = await f.ok('activities.create', {
      kind: 'visit',
      occurredAt: at,
      durationMinutes: 90,
      subject: 'Site visit; plant 2, line A',
      accountId: acme.id,
      attendeeIds: [ann.id, wei.id],
    });
    expect(visit).toMatchObject({ durationMinutes: 90, attendeeIds: [ann.id, wei.id], outcome: null });
    const logged = await f.ok('activities.update', {
      id: visit.id,
      patch: { outcome: 'Order of 20 units agreed' },
    });
    expect(logged.outcome).toBe('Order of 20 units agreed');
    expect(
      await f.call('activities.create', {
        kind: 'meeting',
        occurredAt: at,
        attendeeIds: ['01890000-0000-7000-8000-000000000000'],
      }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const week = await f.ok('activities.list', {
      filter: { occurredAfter: Date.UTC(2026, 10, 30), occurredBefore: Date.UTC(2026, 11, 7) },
    });
    expect(week.items.map((a) => a.id)).toEqual([visit.id]);
    await f.services.dispose();
  });

  it('exports one meeting and the agenda as RFC 5545: CRLF, folded lines, escaped text, UTC stamps', async () => {
    let now = Date.UTC(2026, 11, 1, 7, 0);
    const f = await createCrmFixture({ now: () => now });
    const ann = await f.ok('contacts.create', { name: 'Ann, "Lee"', emails: ['ann@acme.example'] });
    const subject = '季度回顾：华东区, 第三季度; 销售\\目标 '.repeat(3).trim();
    const meeting = await f.ok('activities.create', {
      kind: 'meeting',
      occurredAt: Date.UTC(2026, 11, 2, 13, 0),
      durationMinutes: 45,
      subject,
      body: 'Agenda:\nprices\nterms',
      attendeeIds: [ann.id],
    });
    await f.ok('tasks.create', { title: 'Call back, ask about A;B', dueAt: Date.UTC(2026, 11, 2, 15, 0) });
    await f.ok('tasks.create', { title: 'Outside the range', dueAt: Date.UTC(2027, 0, 20) });
    now += 1000;

    const one = await f.ok('activities.exportIcs', { id: meeting.id });
    expect(one.mimeType).toBe('text/calendar');
    expect(one.content.endsWith('\r\n')).toBe(true);
    expect(one.content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of one.content.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const lines = unfold(one.content);
    expect(lines).toContain('BEGIN:VEVENT');
    expect(lines).toContain(`UID:${meeting.id}@fieldvault`);
    expect(lines).toContain('DTSTART:20261202T130000Z');
    expect(lines).toContain('DTEND:20261202T134500Z');
    expect(lines).toContain('DTSTAMP:20261201T070001Z');
    expect(lines).toContain(`SUMMARY:${icsText(subject)}`);
    expect(icsText(subject)).toContain('\\;');
    expect(icsText(subject)).toContain('\\,');
    expect(icsText(subject)).toContain('\\\\');
    expect(lines).toContain('DESCRIPTION:Agenda:\\nprices\\nterms');
    expect(lines).toContain(`ATTENDEE;CN="Ann, 'Lee'":mailto:ann@acme.example`);

    const agenda = await f.ok('agenda.exportIcs', {
      from: Date.UTC(2026, 10, 30),
      to: Date.UTC(2026, 11, 7),
    });
    expect(agenda.count).toBe(2);
    const all = unfold(agenda.content);
    expect(all[0]).toBe('BEGIN:VCALENDAR');
    expect(all).toContain('VERSION:2.0');
    expect(all).toContain('BEGIN:VTODO');
    expect(all).toContain('SUMMARY:Call back\\, ask about A\\;B');
    expect(all).toContain('DUE:20261202T150000Z');
    expect(all.join('\n')).not.toContain('Outside the range');
    expect(
      await f.call('agenda.exportIcs', { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 11, 1) }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await f.services.dispose();
  });

  it('exports the agenda the screen shows: its owner scope, the user’s words for a kind, a local day in the name', async () => {
    const f = await createCrmFixture({ now: () => Date.UTC(2026, 11, 1, 7, 0) });
    const week = { from: Date.UTC(2026, 10, 30), to: Date.UTC(2026, 11, 7) };
    await f.ok('activities.create', { kind: 'meeting', occurredAt: Date.UTC(2026, 11, 2, 9, 0) });
    await f.ok('tasks.create', { title: 'For Li', assigneeId: 'li', dueAt: Date.UTC(2026, 11, 2, 15, 0) });
    await f.ok('tasks.create', { title: 'For Sam', assigneeId: 'sam', dueAt: Date.UTC(2026, 11, 3, 15, 0) });
    const me = f.services.parts.crm().deviceId;

    const mine = await f.ok('agenda.exportIcs', {
      ...week,
      authorIn: [me],
      assigneeIn: ['li'],
      day: '2026-11-30',
      kindLabels: { meeting: '会议', call: '电话' },
    });
    const lines = unfold(mine.content);
    expect(mine.filename).toBe('agenda-2026-11-30.ics');
    expect(mine.count).toBe(2);
    expect(lines).toContain('SUMMARY:会议');
    expect(lines).toContain('SUMMARY:For Li');
    expect(lines.join('\n')).not.toContain('For Sam');
    // Another member's scope: neither this device's meeting nor Li's task.
    const theirs = await f.ok('agenda.exportIcs', { ...week, authorIn: ['sam'], assigneeIn: ['sam'] });
    expect(theirs.count).toBe(1);
    expect(unfold(theirs.content)).toContain('SUMMARY:For Sam');
    // Without a day the name is the UTC day of `from`, as a date.
    expect((await f.ok('agenda.exportIcs', week)).filename).toBe('agenda-2026-11-30.ics');
    const one = await f.ok('activities.exportIcs', {
      id: (await f.ok('activities.list', {})).items[0]!.id,
      kindLabels: { meeting: '会议' },
    });
    expect(unfold(one.content)).toContain('SUMMARY:会议');
    await f.services.dispose();
  });

  it('folds long lines at 75 octets without splitting a UTF-8 character', () => {
    const folded = foldLine(`SUMMARY:${'张'.repeat(60)}`);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(75);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(`SUMMARY:${'张'.repeat(60)}`);
  });

  it("an account's timeline rolls up its contacts' and deals' activities and tasks, once each", async () => {
    let t = 1_750_000_000_000;
    const f = await createCrmFixture({ now: () => (t += 1000) });
    const acme = await f.ok('accounts.create', { name: 'Acme' });
    const other = await f.ok('accounts.create', { name: 'Other' });
    const ann = await f.ok('contacts.create', { name: 'Ann', accountId: acme.id });
    const bob = await f.ok('contacts.create', { name: 'Bob', accountId: other.id });
    const deal = await f.ok('deals.create', {
      name: 'Pilot',
      pipelineId: (await f.ok('pipelines.list', {})).items[0]!.id,
      stageId: 'lead',
      accountId: acme.id,
    });
    const own = await f.ok('activities.create', { kind: 'visit', occurredAt: 1, accountId: acme.id });
    const both = await f.ok('activities.create', {
      kind: 'call',
      occurredAt: 2,
      accountId: acme.id,
      contactId: ann.id,
    });
    const viaContact = await f.ok('activities.create', { kind: 'note', occurredAt: 3, contactId: ann.id });
    const viaDeal = await f.ok('activities.create', { kind: 'meeting', occurredAt: 4, dealId: deal.id });
    await f.ok('activities.create', { kind: 'call', occurredAt: 5, contactId: bob.id });
    const task = await f.ok('tasks.create', { title: 'Offer', dealId: deal.id });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.ok('timeline.get', { entity: 'account', id: acme.id, limit: 2, cursor });
      for (const i of page.items)
        if (i.type === 'activity') ids.push(i.activity.id);
        else if (i.type === 'task') ids.push(i.task.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids.sort()).toEqual([own.id, both.id, viaContact.id, viaDeal.id, task.id].sort());
    await f.services.dispose();
  });

  it("history rows carry each field's old and new value, who and when", async () => {
    const f = await createCrmFixture();
    const deal = await f.ok('deals.create', {
      name: 'Pilot',
      pipelineId: (await f.ok('pipelines.list', {})).items[0]!.id,
      stageId: 'lead',
      amountMinor: 1000,
    });
    await f.ok('deals.update', { id: deal.id, patch: { amountMinor: 2500, name: 'Pilot 2' } });
    await f.ok('deals.update', { id: deal.id, patch: { status: 'won' } });
    const page = await f.ok('timeline.get', { entity: 'deal', id: deal.id });
    const changes = page.items.filter((i) => i.type === 'change');
    expect(changes[0]).toMatchObject({
      deviceId: expect.any(String) as unknown,
      changes: [{ field: 'status', before: 'open', after: 'won' }],
    });
    expect(changes[1]!.type === 'change' && changes[1]!.changes).toEqual([
      { field: 'name', before: 'Pilot', after: 'Pilot 2' },
      { field: 'amountMinor', before: 1000, after: 2500 },
    ]);
    // The creation has no "before" (it was never in the registry's defaults, EUR or amount 0).
    const created = changes[2]!.type === 'change' ? changes[2]!.changes : [];
    expect(created).toContainEqual({ field: 'name', before: undefined, after: 'Pilot' });
    expect(created).toContainEqual({ field: 'amountMinor', before: undefined, after: 1000 });
    expect(created.every((c) => c.before === undefined)).toBe(true);
    await f.services.dispose();
  });

  it('deals: contacts with roles, stage changes stamp the stage date, won -> reopened, lost with a listed reason', async () => {
    let t = 1_750_000_000_000;
    const f = await createCrmFixture({ now: () => (t += 1000) });
    const pipeline = (await f.ok('pipelines.list', {})).items[0]!;
    await f.ok('pipelines.update', { id: pipeline.id, patch: { lostReasons: ['Price', '预算不足'] } });
    expect((await f.ok('pipelines.get', { id: pipeline.id })).lostReasons).toEqual(['Price', '预算不足']);
    const ann = await f.ok('contacts.create', { name: 'Ann' });
    const wei = await f.ok('contacts.create', { name: '张伟' });
    const deal = await f.ok('deals.create', { name: 'Pilot', pipelineId: pipeline.id, stageId: 'lead' });
    expect(deal.stageChangedAt).toBeNull();
    const linked = await f.ok('deals.update', {
      id: deal.id,
      patch: {
        contactIds: [ann.id, wei.id],
        contactRoles: { [ann.id]: 'decisionMaker', [wei.id]: 'champion' },
      },
    });
    expect(linked.contactRoles).toEqual({ [ann.id]: 'decisionMaker', [wei.id]: 'champion' });
    expect(
      await f.call('deals.update', { id: deal.id, patch: { contactRoles: { [ann.id]: 'boss' } } }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const moved = await f.ok('deals.move', { id: deal.id, stageId: 'proposal', index: 0 });
    expect(moved.stageChangedAt).toBe(moved.updatedAt);
    const won = await f.ok('deals.update', { id: deal.id, patch: { status: 'won', statusReason: 'Signed' } });
    expect(won.status).toBe('won');
    const reopened = await f.ok('deals.update', {
      id: deal.id,
      patch: { status: 'open', statusReason: null },
    });
    expect(reopened).toMatchObject({
      status: 'open',
      statusReason: null,
      stageChangedAt: moved.stageChangedAt,
    });
    const lost = await f.ok('deals.update', {
      id: deal.id,
      patch: { status: 'lost', statusReason: '预算不足' },
    });
    expect(lost).toMatchObject({ status: 'lost', statusReason: '预算不足' });
    await f.services.dispose();
  });

  it('erasing a person removes them from meeting attendees and deal contact roles', async () => {
    const f = await createCrmFixture();
    const ann = await f.ok('contacts.create', { name: 'Ann' });
    const bo = await f.ok('contacts.create', { name: 'Bo' });
    const acme = await f.ok('accounts.create', { name: 'Acme' });
    const meeting = await f.ok('activities.create', {
      kind: 'meeting',
      occurredAt: 5,
      accountId: acme.id,
      attendeeIds: [ann.id, bo.id],
    });
    const deal = await f.ok('deals.create', {
      name: 'Pilot',
      pipelineId: (await f.ok('pipelines.list', {})).items[0]!.id,
      stageId: 'lead',
      contactIds: [ann.id, bo.id],
      contactRoles: { [ann.id]: 'champion', [bo.id]: 'user' },
    });
    await f.ok('privacy.erasePerson', { contactId: ann.id });
    expect((await f.ok('activities.get', { id: meeting.id })).attendeeIds).toEqual([bo.id]);
    expect(await f.ok('deals.get', { id: deal.id })).toMatchObject({
      contactIds: [bo.id],
      contactRoles: { [bo.id]: 'user' },
    });
    await f.services.dispose();
  });
});
