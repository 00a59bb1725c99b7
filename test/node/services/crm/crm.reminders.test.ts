import { describe, expect, it } from 'vitest';
import {
  MAX_REMINDERS_PER_CHECK,
  MemoryNotifier,
  ReminderScheduler,
} from '../../../../electron/services/crm/reminders';
import { createCrmFixture } from './support/crm.fixture';
import { notifierContract } from './support/notifier.contract';

const MIN = 60_000;

describe('Notifier contract', () => {
  notifierContract('MemoryNotifier', () => {
    const notifier = new MemoryNotifier();
    return { notifier, shown: () => notifier.shown.length };
  });
});

describe('task reminders', () => {
  it('notifies each open task once when its reminder (else due) moment comes, never done or deleted ones', async () => {
    let now = Date.UTC(2026, 11, 1, 8, 0);
    const f = await createCrmFixture({ now: () => now });
    const notifier = new MemoryNotifier();
    const scheduler = new ReminderScheduler(f.db, notifier, () => now);
    const due = await f.ok('tasks.create', { title: 'Call 张伟', dueAt: now + 10 * MIN });
    await f.ok('tasks.create', {
      title: 'Prepare visit',
      dueAt: now + 60 * MIN,
      remindAt: now + 5 * MIN,
    });
    const done = await f.ok('tasks.create', { title: 'Done already', dueAt: now + 10 * MIN });
    await f.ok('tasks.update', { id: done.id, patch: { done: true } });
    const gone = await f.ok('tasks.create', { title: 'Deleted', dueAt: now + 10 * MIN });
    await f.ok('tasks.delete', { id: gone.id });
    await f.ok('tasks.create', { title: 'No date' });

    expect(scheduler.check()).toBe(0);
    now += 5 * MIN;
    expect(scheduler.check()).toBe(1);
    expect(notifier.shown).toMatchObject([
      { kind: 'taskDue', title: 'Prepare visit', dueAt: now + 55 * MIN },
    ]);
    now += 5 * MIN;
    scheduler.check();
    expect(notifier.shown.at(-1)).toEqual({
      kind: 'taskDue',
      taskId: due.id,
      title: 'Call 张伟',
      dueAt: now,
    });
    // Nothing is announced twice, also by a new scheduler after a restart (the mark is in the vault).
    scheduler.check();
    new ReminderScheduler(f.db, notifier, () => now).check();
    expect(notifier.shown).toHaveLength(2);
    await f.services.dispose();
  });

  it('shows reminders missed while closed (up to a day old) and sums up a burst in one notification', async () => {
    let now = Date.UTC(2026, 11, 1, 8, 0);
    const f = await createCrmFixture({ now: () => now });
    const notifier = new MemoryNotifier();
    new ReminderScheduler(f.db, notifier, () => now).check();
    await f.ok('tasks.create', { title: 'Two days late', dueAt: now - 2 * 24 * 60 * MIN });
    for (let k = 0; k < MAX_REMINDERS_PER_CHECK + 2; k++)
      await f.ok('tasks.create', { title: `Batch ${k}`, dueAt: now + 30 * MIN + k });
    now += 3 * 60 * MIN;
    const later = new ReminderScheduler(f.db, notifier, () => now);
    expect(later.check()).toBe(MAX_REMINDERS_PER_CHECK + 2);
    expect(notifier.shown).toEqual([{ kind: 'tasksDue', count: MAX_REMINDERS_PER_CHECK + 2 }]);
    await f.services.dispose();
  });
});
