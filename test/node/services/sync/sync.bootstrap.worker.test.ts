import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import type { SyncStatus } from '../../../../shared/sync/sync.contract';
import { crmState, type TestClient } from './support/client';
import { startSqliteServer, type SqliteTestServer } from './support/server';

/*
 * A new device bootstraps a log of many pages through the shipped composition: each pulled page is
 * opened and applied on a database worker thread, so main keeps answering calls while a page is
 * being written, and a lock in the middle of the bootstrap rolls back only the page in flight.
 */
describe('bootstrap on the database worker', () => {
  let server: SqliteTestServer;
  const client = (name: string): Promise<TestClient> => server.client(name);

  beforeAll(async () => {
    server = await startSqliteServer('fv-boot-worker-');
  }, 60_000);

  afterAll(() => server.close(), 60_000);

  /** Resolves at the first event `match` accepts from now on. */
  function next<T>(c: TestClient, match: (event: string, payload: unknown) => T | null): Promise<T> {
    const from = c.events.length;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        for (const e of c.events.slice(from)) {
          const hit = match(e.event, e.payload);
          if (hit !== null) {
            clearInterval(timer);
            resolve(hit);
            return;
          }
        }
      }, 1);
    });
  }

  it('answers calls while pages apply, survives a lock mid-bootstrap and ends with every record once', async () => {
    const rows = 12_000;
    const a = await client('a');
    await a.call('workspace.create', { serverUrl: server.url, name: 'Team' });
    const lines = ['Name,Email,Phone,Company,Notes'];
    for (let i = 0; i < rows; i++)
      lines.push(
        `Person ${i},p${i}@example.com,+49 30 ${1_000_000 + i},Firm ${i % 50},` +
          `Met at the trade fair; wants a quote for the spring order (${i}).`,
      );
    expect(await a.call('import.commit', { csv: lines.join('\n') })).toMatchObject({ created: rows });
    expect((await a.call('sync.now')).pending).toBe(0);
    const invite = await a.call('invites.create', { ttlHours: 1 });

    const b = await client('b');
    // Each page: a progress event, the page applied (records.changed once it commits), the next one.
    const pageStarted = (event: string, payload: unknown): SyncStatus['progress'] => {
      if (event !== 'sync.statusChanged') return null;
      const progress = (payload as SyncStatus).progress;
      return progress?.phase === 'bootstrap' && progress.done > 0 && progress.done < (progress.total ?? 0)
        ? progress
        : null;
    };
    // Calls keep being answered while a page is written, between the event that starts the page and
    // the one its commit sends: main is not the thread writing it (inline, none would be answered).
    const order: string[] = [];
    const off = b.services.router.onEvent((event, payload) => {
      if (pageStarted(event, payload)) order.push('page started');
      else if (event === 'records.changed') order.push('page committed');
    });
    let probing = true;
    const probes = (async () => {
      while (probing) {
        await b.call('app.info');
        order.push('answer');
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const started = next(b, pageStarted);
    // Joining starts the bootstrap in the background.
    await b.call('invites.accept', { code: invite.code });
    await started;
    await next(b, (event) => (event === 'records.changed' ? true : null));
    probing = false;
    await probes;
    off();
    const from = order.indexOf('page started');
    const to = order.indexOf('page committed', from);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    const answered = order.slice(from, to).filter((o) => o === 'answer').length;
    // Inline, the two or three answered before the page is handed on; on the worker, thousands.
    expect(answered).toBeGreaterThan(50);

    // Lock while the next page is in flight: the worker stops and rolls that page back.
    await next(b, pageStarted);
    await b.call('vault.lock');
    const during = await b.call('sync.status').catch((error: unknown) => error);
    expect(during).toBeInstanceOf(AppError);
    expect((during as AppError).code).toBe('VAULT_LOCKED');
    await b.call('vault.unlock');
    const done = await b.call('sync.now');
    expect(done).toMatchObject({ state: 'idle', rejectedDeltas: 0, quarantinedOps: 0 });
    expect(done.integrity.state).toBe('ok');
    expect((await b.call('contacts.list', { limit: 1 })).total).toBe(rows);
    expect(crmState(b.crm().db)).toEqual(crmState(a.crm().db));
  }, 180_000);
});
