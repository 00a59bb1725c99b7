import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { authFailure, type AuthReason, type AuthResult, type OsAuthenticator } from './os-authenticator';

/** The polkit action the Linux packages install (`build/linux/com.fieldvault.desktop.policy`). */
export const POLKIT_ACTION = 'com.fieldvault.desktop.unlock';

/** What running pkcheck gave: its exit code (null when it could not start) and whether it was missing. */
export interface PkcheckOutcome {
  readonly exitCode: number | null;
  readonly missing: boolean;
}

export type RunPkcheck = (file: string, args: readonly string[]) => Promise<PkcheckOutcome>;

export interface PolkitOptions {
  /** The pkcheck binary (default `pkcheck` on PATH). */
  readonly pkcheck?: string;
  /** The process whose user is checked (default this one). */
  readonly pid?: number;
  readonly actionId?: string;
  /** Test seam for running pkcheck; the default uses `execFile` with no shell. */
  readonly run?: RunPkcheck;
  /** Environment for pkcheck (default this process's; tests point it at a private system bus). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Linux: asks polkitd, over the system bus, whether this process may perform
 * `com.fieldvault.desktop.unlock`, whose shipped default is `auth_self`: the session's polkit agent
 * asks the logged-in user for their own password. The subject is `pid,start-time,uid`, so a
 * recycled pid cannot borrow an authorisation.
 *
 * pkcheck's exit codes (pkcheck(1)): 0 authorised; 1 not authorised; 2 a challenge was needed but no
 * agent could ask; 3 the prompt was dismissed; 126 bad options; 127 error talking to polkitd.
 */
export class PolkitAuthenticator implements OsAuthenticator {
  readonly kind = 'polkit' as const;
  private readonly pkcheck: string;
  private readonly pid: number;
  private readonly actionId: string;
  private readonly run: RunPkcheck;

  constructor(options: PolkitOptions = {}) {
    this.pkcheck = options.pkcheck ?? 'pkcheck';
    this.pid = options.pid ?? process.pid;
    this.actionId = options.actionId ?? POLKIT_ACTION;
    this.run = options.run ?? defaultRun(options.env);
  }

  async authenticate(_reason: AuthReason): Promise<AuthResult> {
    let subject: string;
    try {
      subject = processSubject(this.pid);
    } catch {
      return authFailure('AUTH_UNAVAILABLE', 'The process to check cannot be read from /proc');
    }
    const args = ['--action-id', this.actionId, '--process', subject, '--allow-user-interaction'];
    const outcome = await this.run(this.pkcheck, args);
    return pkcheckResult(outcome);
  }
}

/** Maps pkcheck's exit code to a result; anything unexpected is a refusal, never a grant. */
export function pkcheckResult(outcome: PkcheckOutcome): AuthResult {
  if (outcome.missing) return authFailure('AUTH_UNAVAILABLE', 'polkit (pkcheck) is not installed');
  switch (outcome.exitCode) {
    case 0:
      return { ok: true };
    case 1:
      return authFailure('AUTH_DENIED', 'polkit did not authorise the user');
    case 2:
      return authFailure('AUTH_UNAVAILABLE', 'No polkit authentication agent is running in this session');
    case 3:
      return authFailure('AUTH_CANCELLED', 'The polkit prompt was dismissed');
    case 126:
    case 127:
      return authFailure('AUTH_UNAVAILABLE', 'polkit could not be asked (is polkitd running?)');
    default:
      return authFailure('AUTH_DENIED', 'polkit answered in an unexpected way');
  }
}

/** `pid,start-time,uid` from `/proc/<pid>/stat` (field 22) and the owner of `/proc/<pid>`. */
export function processSubject(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (!startTime || !/^\d+$/.test(startTime) || !uid) throw new Error('unreadable process');
  return `${pid},${startTime},${uid}`;
}

function defaultRun(env: NodeJS.ProcessEnv | undefined): RunPkcheck {
  return (file, args) =>
    new Promise((resolve) => {
      // No timeout: the user may take their time at the prompt; a dismissed prompt ends pkcheck.
      execFile(file, args, { env: env ?? process.env, windowsHide: true }, (error) => {
        if (!error) return resolve({ exitCode: 0, missing: false });
        const code = (error as { code?: unknown }).code;
        if (code === 'ENOENT' || code === 'EACCES') return resolve({ exitCode: null, missing: true });
        resolve({ exitCode: typeof code === 'number' ? code : null, missing: false });
      });
    });
}
