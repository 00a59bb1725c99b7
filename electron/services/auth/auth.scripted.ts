import { appendFileSync, readFileSync } from 'node:fs';
import {
  authFailure,
  type AuthFailureCode,
  type AuthReason,
  type AuthResult,
  type OsAuthenticator,
} from './os-authenticator';

/** What a scripted check answers: `ok` or one of the failure codes. */
export type ScriptedAnswer = 'ok' | AuthFailureCode;

const MESSAGES: Record<AuthFailureCode, string> = {
  AUTH_DENIED: 'The OS did not confirm the user',
  AUTH_CANCELLED: 'The user dismissed the OS prompt',
  AUTH_UNAVAILABLE: 'No OS user check is available',
};

function answer(value: ScriptedAnswer): AuthResult {
  return value === 'ok' ? { ok: true } : authFailure(value, MESSAGES[value]);
}

/**
 * The test implementation: answers from a queue (then `fallback`), and records every reason it was
 * asked for, so a test can prove that an action prompted.
 */
export class ScriptedAuthenticator implements OsAuthenticator {
  readonly kind = 'scripted' as const;
  readonly asked: AuthReason[] = [];
  private readonly queue: ScriptedAnswer[] = [];
  constructor(public fallback: ScriptedAnswer = 'ok') {}

  /** The next answers, in order; after them `fallback` applies again. */
  script(...answers: ScriptedAnswer[]): this {
    this.queue.push(...answers);
    return this;
  }

  authenticate(reason: AuthReason): Promise<AuthResult> {
    this.asked.push(reason);
    return Promise.resolve(answer(this.queue.shift() ?? this.fallback));
  }
}

/** True for the words a control file may hold. */
function isAnswer(value: string): value is ScriptedAnswer {
  return ['ok', 'AUTH_DENIED', 'AUTH_CANCELLED', 'AUTH_UNAVAILABLE'].includes(value);
}

/**
 * The dev host's test implementation (`--auth-script FILE`): each check reads FILE (`ok`,
 * `AUTH_DENIED`, `AUTH_CANCELLED` or `AUTH_UNAVAILABLE`) and appends the reason to `FILE.log`, so an
 * end-to-end test outside the process can refuse the next prompt and count prompts. A missing or
 * unreadable FILE answers `AUTH_UNAVAILABLE`, never `ok`.
 */
export class FileScriptedAuthenticator implements OsAuthenticator {
  readonly kind = 'scripted' as const;
  constructor(private readonly file: string) {}

  authenticate(reason: AuthReason): Promise<AuthResult> {
    let value: string;
    try {
      appendFileSync(`${this.file}.log`, reason + '\n');
      value = readFileSync(this.file, 'utf8').trim();
    } catch {
      return Promise.resolve(authFailure('AUTH_UNAVAILABLE', 'The scripted check has no control file'));
    }
    return Promise.resolve(
      isAnswer(value) ? answer(value) : authFailure('AUTH_UNAVAILABLE', 'The control file is not understood'),
    );
  }
}
