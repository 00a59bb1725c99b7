import { afterEach, describe, expect, it } from 'vitest';
import { allowListConfirmation } from '../../../../electron/services/sync/server.confirmation';
import { serverOrigin, type ServerConfirmation } from '../../../../electron/services/sync/sync.enrolment';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';
import type { Services } from '../../../../electron/services/services';

/**
 * Issue 11, item 6: main takes a server origin only and confirms it in its own UI. A renderer could
 * otherwise put customer data into the path of the server URL and have main send it.
 */
describe('the sync server address comes from the user, not the renderer', () => {
  const opened: Services[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.dispose();
  });

  function services(confirmation: ServerConfirmation): Services {
    const s = createTestServices(tempDir('fv-origin-'), { serverConfirmation: confirmation });
    opened.push(s);
    return s;
  }

  it('rebuilds an origin and refuses paths, queries, fragments and credentials', () => {
    expect(serverOrigin('https://sync.example.com:8443/')).toBe('https://sync.example.com:8443');
    expect(serverOrigin('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
    for (const bad of [
      'https://sync.example.com/Acme-Corp-renewal-2.4M',
      'https://sync.example.com/?contact=alice@example.com',
      'https://sync.example.com/#x',
      'https://alice:pw@sync.example.com',
      'http://sync.example.com',
    ])
      expect(() => serverOrigin(bad), bad).toThrow(
        expect.objectContaining({ code: 'SERVER_URL_REFUSED' }) as Error,
      );
  });

  it('asks main’s confirmation with the rebuilt origin; a refusal sends nothing and keeps the vault unconfigured', async () => {
    const asked: string[] = [];
    const s = services({
      confirm: (origin) => {
        asked.push(origin);
        return Promise.resolve(false);
      },
    });
    expect((await s.router.dispatch('vault.setup', undefined, testSender)).ok).toBe(true);
    const withPath = await s.router.dispatch(
      'workspace.create',
      { serverUrl: 'https://sync.example.com/Acme-Corp-renewal', name: 'Team' },
      testSender,
    );
    expect(withPath).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(asked).toEqual([]);
    const refused = await s.router.dispatch(
      'workspace.create',
      { serverUrl: 'https://sync.example.com/', name: 'Team' },
      testSender,
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'AUTH_CANCELLED' } });
    expect(asked).toEqual(['https://sync.example.com']);
    expect(await s.router.dispatch('sync.status', undefined, testSender)).toMatchObject({
      ok: true,
      value: { state: 'not_configured' },
    });
  });

  it('the dev host confirms loopback and the origins it was started with, nothing else', async () => {
    const c = allowListConfirmation(['https://sync.corp.example']);
    expect(await c.confirm('http://127.0.0.1:9999', 'create')).toBe(true);
    expect(await c.confirm('https://sync.corp.example', 'join')).toBe(true);
    expect(await c.confirm('https://attacker.example', 'join')).toBe(false);
  });
});
