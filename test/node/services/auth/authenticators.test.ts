import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createPlatformAuthenticator,
  WINDOWS_HELLO_UNAVAILABLE,
} from '../../../../electron/services/auth/auth.platform';
import {
  pkcheckResult,
  POLKIT_ACTION,
  PolkitAuthenticator,
  processSubject,
} from '../../../../electron/services/auth/auth.polkit';
import {
  FileScriptedAuthenticator,
  ScriptedAuthenticator,
} from '../../../../electron/services/auth/auth.scripted';
import { authenticatorContract } from './auth.contract';
import { fakePkcheck } from './fake-pkcheck';

authenticatorContract('scripted (tests)', () => {
  const auth = new ScriptedAuthenticator();
  const next = (answer: 'ok' | 'AUTH_DENIED' | 'AUTH_CANCELLED' | 'AUTH_UNAVAILABLE') => () => {
    auth.fallback = answer;
    return Promise.resolve();
  };
  return Promise.resolve({
    auth,
    arrange: {
      ok: next('ok'),
      AUTH_DENIED: next('AUTH_DENIED'),
      AUTH_CANCELLED: next('AUTH_CANCELLED'),
      AUTH_UNAVAILABLE: next('AUTH_UNAVAILABLE'),
    },
  });
});

authenticatorContract('file-scripted (dev host)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-auth-'));
  const file = path.join(dir, 'auth');
  const auth = new FileScriptedAuthenticator(file);
  const next = (answer: string) => () => {
    writeFileSync(file, answer + '\n');
    return Promise.resolve();
  };
  return Promise.resolve({
    auth,
    arrange: {
      ok: next('ok'),
      AUTH_DENIED: next('AUTH_DENIED'),
      AUTH_CANCELLED: next('AUTH_CANCELLED'),
      AUTH_UNAVAILABLE: () => Promise.resolve(rmSync(file, { force: true })),
    },
    dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

authenticatorContract('polkit over a stand-in pkcheck (exit codes of pkcheck(1))', () => {
  const fake = fakePkcheck();
  const auth = new PolkitAuthenticator({ pkcheck: fake.bin });
  const exit = (code: number) => () => Promise.resolve(fake.setExit(code));
  return Promise.resolve({
    auth,
    arrange: { ok: exit(0), AUTH_DENIED: exit(1), AUTH_UNAVAILABLE: exit(2), AUTH_CANCELLED: exit(3) },
    dispose: () => Promise.resolve(fake.dispose()),
  });
});

authenticatorContract('Windows (no maintained Windows Hello module)', () =>
  Promise.resolve({
    auth: createPlatformAuthenticator('win32'),
    arrange: { AUTH_UNAVAILABLE: () => Promise.resolve() },
  }),
);

describe('PolkitAuthenticator', () => {
  it('asks pkcheck about the shipped action for this process as pid,start-time,uid, with user interaction', async () => {
    const fake = fakePkcheck();
    try {
      await new PolkitAuthenticator({ pkcheck: fake.bin }).authenticate('unlock');
      const args = fake.lastArgs();
      expect(args.slice(0, 2)).toEqual(['--action-id', POLKIT_ACTION]);
      expect(args[2]).toBe('--process');
      expect(args[3]).toMatch(new RegExp(`^${process.pid},\\d+,${process.getuid?.() ?? 0}$`));
      expect(args[4]).toBe('--allow-user-interaction');
      expect(args[3]).toBe(processSubject(process.pid));
    } finally {
      fake.dispose();
    }
  });

  it('maps every pkcheck exit code, and an unknown one to a refusal, never a grant', () => {
    const code = (exitCode: number | null, missing = false) => {
      const r = pkcheckResult({ exitCode, missing });
      return r.ok ? 'ok' : r.code;
    };
    expect(code(0)).toBe('ok');
    expect(code(1)).toBe('AUTH_DENIED');
    expect(code(2)).toBe('AUTH_UNAVAILABLE');
    expect(code(3)).toBe('AUTH_CANCELLED');
    expect(code(126)).toBe('AUTH_UNAVAILABLE');
    expect(code(127)).toBe('AUTH_UNAVAILABLE');
    expect(code(4)).toBe('AUTH_DENIED');
    expect(code(null)).toBe('AUTH_DENIED');
    expect(code(null, true)).toBe('AUTH_UNAVAILABLE');
  });

  it('answers AUTH_UNAVAILABLE when pkcheck is not installed', async () => {
    const result = await new PolkitAuthenticator({ pkcheck: '/nonexistent/pkcheck' }).authenticate('unlock');
    expect(result).toMatchObject({ ok: false, code: 'AUTH_UNAVAILABLE' });
  });

  it('reads the subject of a process whose name has spaces and parentheses', () => {
    expect(processSubject(process.pid)).toMatch(/^\d+,\d+,\d+$/);
  });
});

describe('ScriptedAuthenticator and the dev host file double', () => {
  it('records every reason it was asked for, and answers a scripted queue before its fallback', async () => {
    const auth = new ScriptedAuthenticator('ok').script('AUTH_DENIED');
    expect((await auth.authenticate('unlock')).ok).toBe(false);
    expect((await auth.authenticate('export')).ok).toBe(true);
    expect(auth.asked).toEqual(['unlock', 'export']);
  });

  it('logs each prompt beside the control file and refuses a control file it does not understand', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fv-auth-'));
    try {
      const file = path.join(dir, 'auth');
      writeFileSync(file, 'yes please');
      const auth = new FileScriptedAuthenticator(file);
      expect(await auth.authenticate('rekey')).toMatchObject({ ok: false, code: 'AUTH_UNAVAILABLE' });
      expect(readFileSync(`${file}.log`, 'utf8')).toBe('rekey\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on Windows says why there is no check', async () => {
    expect(await createPlatformAuthenticator('win32').authenticate('unlock')).toEqual({
      ok: false,
      code: 'AUTH_UNAVAILABLE',
      message: WINDOWS_HELLO_UNAVAILABLE,
    });
  });
});
