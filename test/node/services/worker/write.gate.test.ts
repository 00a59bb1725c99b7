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
    // A list that refreshes the membership log into the vault is a write.
    expect(isGatedChannel('devices.list')).toBe(true);
    // Unknown (new) channels wait: deny by default.
    expect(isGatedChannel('widgets.frobnicate')).toBe(true);
  });
});
