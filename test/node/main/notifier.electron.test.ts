import { describe, expect, it, vi } from 'vitest';
import { notifierContract } from '../services/crm/support/notifier.contract';

const shown: { title: string; body: string }[] = [];
vi.mock('electron', () => ({
  Notification: class {
    static isSupported(): boolean {
      return true;
    }
    constructor(private readonly options: { title: string; body: string }) {}
    show(): void {
      shown.push(this.options);
    }
  },
}));

const { ElectronNotifier } = await import('../../../electron/main/notifier.electron');

describe('ElectronNotifier (mocked electron)', () => {
  notifierContract('ElectronNotifier', () => {
    const before = shown.length;
    return { notifier: new ElectronNotifier(() => 'en'), shown: () => shown.length - before };
  });

  it('never puts the task title (customer data) on the screen, in either language', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      shown.length = 0;
      new ElectronNotifier(() => language).notify({
        kind: 'taskDue',
        taskId: 't',
        title: 'Call 张伟 about the renewal',
        dueAt: 1,
      });
      expect(shown).toHaveLength(1);
      expect(JSON.stringify(shown)).not.toContain('张伟');
      expect(JSON.stringify(shown)).not.toContain('renewal');
    }
  });
});
