import { expect, it } from 'vitest';
import type { Notifier } from '../../../../../electron/services/crm/reminders';

/**
 * What every `Notifier` implementation must do (the memory one here; the Electron one in
 * `test/node/main/` against the mocked `electron` module): accept both reminder kinds, any text
 * (CJK, long, control characters) without throwing, and return synchronously.
 */
export function notifierContract(name: string, make: () => { notifier: Notifier; shown: () => number }) {
  it(`${name}: shows a task reminder and a summary without throwing`, () => {
    const { notifier, shown } = make();
    const result: unknown = notifier.notify({
      kind: 'taskDue',
      taskId: 't1',
      title: '回电话给张伟',
      dueAt: 1,
    });
    expect(result).toBeUndefined();
    notifier.notify({ kind: 'tasksDue', count: 12 });
    expect(shown()).toBe(2);
  });
  it(`${name}: takes a long title with line breaks and no due date`, () => {
    const { notifier, shown } = make();
    expect(() =>
      notifier.notify({ kind: 'taskDue', taskId: 't2', title: `${'x'.repeat(300)}\n\u0007`, dueAt: null }),
    ).not.toThrow();
    expect(shown()).toBe(1);
  });
}
