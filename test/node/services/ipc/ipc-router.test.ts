import { describe, expect, it } from 'vitest';
import { IpcRouter, type Handlers } from '../../../../electron/services/ipc/router';
import { createSenderPolicy } from '../../../../electron/services/ipc/sender-policy';
import { createLogger } from '../../../../electron/services/log/logger';
import { AppError } from '../../../../shared/errors';
import { channels } from '../../../../shared/ipc/contract';
import { createTestServices, stubHandlers, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';

const info = { name: 'FieldVault', version: '1.2.3', platform: 'linux' as const };

function routerWith(overrides: Partial<Handlers>, lines: string[] = []): IpcRouter {
  return new IpcRouter(stubHandlers({ 'app.info': () => info, ...overrides }), {
    isTrustedSender: createSenderPolicy({ allowTestSender: true }),
    logger: createLogger({ sink: (line) => lines.push(line), minLevel: 'debug' }),
  });
}

describe('IpcRouter', () => {
  it('runs a handler through the real services and returns an output that satisfies its schema', async () => {
    const services = createTestServices(tempDir('fv-router-'));
    const result = await services.router.dispatch('app.info', undefined, testSender);
    expect(result.ok).toBe(true);
    if (result.ok) expect(channels['app.info'].output.parse(result.value)).toEqual(result.value);
    await services.dispose();
  });

  it.each([
    ['an object', { unexpected: true }],
    ['a string', 'x'],
    ['null', null],
    ['a number', 42],
  ])('rejects %s as input for a no-input channel with VALIDATION', async (_label, input) => {
    const result = await routerWith({}).dispatch('app.info', input, testSender);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!result.ok) expect(result.error.message).toMatch(/^Invalid input/);
  });

  it.each([['nope'], [''], [42], [null], ['__proto__'], ['constructor'], ['toString']])(
    'rejects the unknown channel %j with UNKNOWN_CHANNEL',
    async (channel) => {
      const result = await routerWith({}).dispatch(channel, undefined, testSender);
      expect(result).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown channel' } });
    },
  );

  it('refuses callers that are not the top frame of the app origin', async () => {
    const electronPolicy = new IpcRouter(stubHandlers({ 'app.info': () => info }), {
      isTrustedSender: createSenderPolicy(),
      logger: createLogger({ sink: () => undefined }),
    });
    const cases = [
      { transport: 'electron', url: 'app://fieldvault/index.html', isMainFrame: false },
      { transport: 'electron', url: 'https://evil.example/', isMainFrame: true },
      { transport: 'electron', url: 'file:///etc/passwd', isMainFrame: true },
      { transport: 'electron', url: 'not a url', isMainFrame: true },
      { transport: 'devhost', url: 'http://127.0.0.1:1', isMainFrame: true },
      { transport: 'test', url: 'test://local', isMainFrame: true },
    ] as const;
    for (const sender of cases) {
      const result = await electronPolicy.dispatch('app.info', undefined, sender);
      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    }
    const good = await electronPolicy.dispatch('app.info', undefined, {
      transport: 'electron',
      url: 'app://fieldvault/index.html',
      isMainFrame: true,
    });
    expect(good.ok).toBe(true);
  });

  it('returns an AppError as {code, message}', async () => {
    const router = routerWith({
      'app.info': () => {
        throw new AppError('VAULT_LOCKED', 'The vault is locked');
      },
    });
    expect(await router.dispatch('app.info', undefined, testSender)).toEqual({
      ok: false,
      error: { code: 'VAULT_LOCKED', message: 'The vault is locked' },
    });
  });

  it('hides the message of unexpected errors from the caller and from the log', async () => {
    const lines: string[] = [];
    const secret = 'customer-marker-9f2c';
    const router = routerWith(
      {
        'app.info': () => {
          throw new Error(`SQLITE failure near '${secret}'`);
        },
      },
      lines,
    );
    const result = await router.dispatch('app.info', undefined, testSender);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('ipc.handlerFailed');
  });

  it('rejects a rejected promise the same way as a throw, without an unhandled rejection', async () => {
    const router = routerWith({ 'app.info': () => Promise.reject(new Error('boom')) });
    expect(await router.dispatch('app.info', undefined, testSender)).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
  });

  it('strips fields the contract does not declare and refuses outputs that break it', async () => {
    const leaky = routerWith({ 'app.info': () => ({ ...info, vaultKey: 'deadbeef' }) as typeof info });
    const result = await leaky.dispatch('app.info', undefined, testSender);
    expect(result).toEqual({ ok: true, value: info });

    // `name` becomes `string & number`, i.e. never: the handler type-checks yet breaks the contract.
    const broken = routerWith({ 'app.info': () => Object.assign({}, info, { name: 1 }) });
    expect(await broken.dispatch('app.info', undefined, testSender)).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
  });

  it('describes validation failures by path and problem, never by value', async () => {
    const lines: string[] = [];
    const result = await routerWith({}, lines).dispatch('app.info', { password: 'hunter2' }, testSender);
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});

describe('storage failures from any handler', () => {
  it.each([
    ['SQLITE_FULL', 'DISK_FULL'],
    ['SQLITE_CORRUPT', 'CORRUPT_STORE'],
    ['SQLITE_CORRUPT_VTAB', 'CORRUPT_STORE'],
  ])('maps %s to %s without passing on the SQLite message', async (sqliteCode, appCode) => {
    const secret = 'customer-marker-77aa';
    const router = routerWith({
      'app.info': () => {
        throw Object.assign(new Error(`disk I/O near ${secret}`), { code: sqliteCode });
      },
    });
    const result = await router.dispatch('app.info', undefined, testSender);
    expect(result).toMatchObject({ ok: false, error: { code: appCode } });
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});
