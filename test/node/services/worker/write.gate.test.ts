import { describe, expect, it } from 'vitest';
import { isGatedChannel, WriteGate } from '../../../../electron/services/worker/write.gate';
import { channelNames } from '../../../../shared/ipc/contract';

/** A promise and its resolver, to hold a holder of the gate open. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const turns = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('write gate', () => {
  it('starts an exclusive job only after the shared writes in progress, and holds new ones until it ends', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const first = latch();
    const job = latch();
    const a = gate.shared(async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
    });
    const x = gate.exclusive(async () => {
      order.push('x start');
      await job.promise;
      order.push('x end');
    });
    const b = gate.shared(() => order.push('b'));
    await turns();
    expect(order).toEqual(['a start']);
    expect(gate.busy).toBe(true);
    first.open();
    await turns();
    expect(order).toEqual(['a start', 'a end', 'x start']);
    job.open();
    await Promise.all([a, x, b]);
    expect(order).toEqual(['a start', 'a end', 'x start', 'x end', 'b']);
    expect(gate.busy).toBe(false);
  });

  it('holds background work started inside a shared call (a sync loop an unlock starts) like any other', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const job = latch();
    let background: Promise<unknown> = Promise.resolve();
    await gate.shared(() => {
      // Outlives the call that started it, and writes later.
      background = turns().then(() => gate.shared(() => order.push('background write')));
    });
    const x = gate.exclusive(async () => {
      order.push('x start');
      await job.promise;
      order.push('x end');
    });
    await turns();
    await turns();
    expect(order).toEqual(['x start']);
    job.open();
    await Promise.all([x, background]);
    expect(order).toEqual(['x start', 'x end', 'background write']);
  });

  it('runs exclusive jobs one after another and keeps going after one fails', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const one = gate.exclusive(async () => {
      order.push('one');
      await turns();
      throw new Error('failed');
    });
    const two = gate.exclusive(async () => {
      order.push('two');
      await Promise.resolve();
    });
    await expect(one).rejects.toThrow('failed');
    await two;
    await gate.shared(() => order.push('after'));
    expect(order).toEqual(['one', 'two', 'after']);
  });

  it('upgrades a shared hold (a sync cycle handing a page to a worker) once the other holders finish', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const other = latch();
    const page = latch();
    const a = gate.shared(async () => {
      order.push('a start');
      await other.promise;
      order.push('a end');
    });
    const cycle = gate.shared(async () => {
      order.push('cycle');
      await gate.upgrade(async () => {
        order.push('page start');
        await page.promise;
        order.push('page end');
      });
      order.push('cycle end');
    });
    await turns();
    // A writer arriving while the upgrade waits or runs waits for it; an import queues behind both.
    const b = gate.shared(() => order.push('b'));
    const x = gate.exclusive(async () => {
      order.push('import');
      await Promise.resolve();
    });
    await turns();
    expect(order).toEqual(['a start', 'cycle']);
    expect(gate.busy).toBe(true);
    other.open();
    await turns();
    expect(order).toEqual(['a start', 'cycle', 'a end', 'page start']);
    page.open();
    await Promise.all([a, cycle, b, x]);
    expect(order).toEqual([
      'a start',
      'cycle',
      'a end',
      'page start',
      'page end',
      'cycle end',
      'import',
      'b',
    ]);
    expect(gate.busy).toBe(false);
  });

  it('runs an upgrade without a hold as an exclusive job, after the one running', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    const job = latch();
    const x = gate.exclusive(async () => {
      order.push('import start');
      await job.promise;
      order.push('import end');
    });
    const u = gate.upgrade(async () => {
      order.push('page');
      await Promise.resolve();
    });
    await turns();
    expect(order).toEqual(['import start']);
    job.open();
    await Promise.all([x, u]);
    expect(order).toEqual(['import start', 'import end', 'page']);
  });

  it('gates every channel that may write and lets reads, the lock and the cancel through', () => {
    for (const channel of channelNames) {
      const verb = channel.slice(channel.lastIndexOf('.') + 1);
      if (
        /^(create|update|delete|move|merge|restore|setup|unlock|recover|rekey|resolve|accept|revoke|setRole)$/.test(
          verb,
        )
      )
        expect(isGatedChannel(channel), channel).toBe(true);
    }
    for (const channel of [
      'app.info',
      'contacts.list',
      'contacts.get',
      'search.query',
      'vault.lock',
      'import.cancel',
    ])
      expect(isGatedChannel(channel), channel).toBe(false);
    // Sync cycles take the gate inside the engine, never around its queue of cycles.
    expect(isGatedChannel('sync.now')).toBe(false);
    expect(isGatedChannel('sync.resync')).toBe(false);
    expect(isGatedChannel('sync.snapshot')).toBe(false);
    // It waits for the running cycle, whose pulled pages upgrade the cycle's hold (see below).
    expect(isGatedChannel('sync.rotateKey')).toBe(false);
    // A list that refreshes the membership log into the vault is a write.
    expect(isGatedChannel('devices.list')).toBe(true);
    // Unknown (new) channels wait: deny by default.
    expect(isGatedChannel('widgets.frobnicate')).toBe(true);
  });
});
