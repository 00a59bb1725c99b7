import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  statSync,
  watch,
  watchFile,
  unwatchFile,
} from 'node:fs';
import path from 'node:path';
import {
  EMPTY_LAYER,
  parsePolicyLayer,
  PolicyError,
  type PolicyLayer,
  type PolicyRead,
} from '../../../shared/policy/policy.resolve';
import type { PolicySource } from './policy.source';

/** Where IT puts the machine policy on Linux. */
export const DEFAULT_POLICY_FILE = '/etc/fieldvault/policy.json';

/** A policy is a handful of keys; anything larger is not a policy file. */
const MAX_POLICY_BYTES = 64 * 1024;

export interface FilePolicySourceOptions {
  /** The policy file (default `/etc/fieldvault/policy.json`); tests and the dev host pass their own. */
  readonly path?: string;
  /**
   * Accept a file and directory owned by a user other than root. Only tests and the dev host's
   * `--policy FILE` set this: they run as an ordinary user with a policy file they wrote. The shipped
   * app never does, because a policy any user can write is not IT's policy. The symlink and
   * group/other-writable checks stay on either way.
   */
  readonly allowNonRootOwner?: boolean;
  /** Coalesces the several events one save produces (default 50 ms). */
  readonly debounceMs?: number;
}

function checkOwnerAndMode(
  stats: { uid: number; mode: number },
  what: string,
  options: FilePolicySourceOptions,
): void {
  if (!options.allowNonRootOwner && stats.uid !== 0) {
    throw new PolicyError('owner', `${what} is not owned by root, so it is not used as policy.`);
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new PolicyError(
      'permissions',
      `${what} is writable by group or others, so it is not used as policy.`,
    );
  }
}

/** The line and column V8 reports for a JSON syntax error; never the text around it (it may be secret). */
function jsonErrorPosition(error: unknown): string {
  const match = error instanceof Error ? /line (\d+) column (\d+)/.exec(error.message) : null;
  return match ? ` (line ${match[1]}, column ${match[2]})` : '';
}

/**
 * Reads and validates one policy file. Missing file: no policy. Opened with O_NOFOLLOW and checked
 * on the open descriptor, so the file cannot be swapped for a symlink between check and read.
 * @throws PolicyError when the file exists but must not or cannot be used.
 */
export function readPolicyFile(file: string, options: FilePolicySourceOptions = {}): PolicyLayer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return EMPTY_LAYER;
    if (code === 'ELOOP') {
      throw new PolicyError(
        'symlink',
        `The policy file ${file} is a symbolic link, so it is not used as policy.`,
      );
    }
    throw new PolicyError('unreadable', `The policy file ${file} could not be opened (${String(code)}).`, {
      cause,
    });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw new PolicyError('not-a-file', `The policy path ${file} is not a regular file.`);
    checkOwnerAndMode(stats, `The policy file ${file}`, options);
    // Whoever can write the directory can replace the file.
    checkOwnerAndMode(statSync(path.dirname(file)), `The directory of the policy file ${file}`, options);
    if (stats.size > MAX_POLICY_BYTES) {
      throw new PolicyError(
        'unparseable',
        `The policy file ${file} is larger than ${MAX_POLICY_BYTES} bytes.`,
      );
    }
    const buffer = Buffer.alloc(MAX_POLICY_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(buffer.subarray(0, length).toString('utf8'));
    } catch (cause) {
      throw new PolicyError(
        'unparseable',
        `The policy file ${file} is not valid JSON${jsonErrorPosition(cause)}.`,
      );
    }
    return parsePolicyLayer(raw, `the policy file ${file}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Linux (and the dev host's `--policy FILE`): one root-owned JSON file, machine level only. Watched
 * through its directory, so a file that is replaced by rename or created later is picked up.
 */
export class FilePolicySource implements PolicySource {
  readonly description: string;
  private readonly file: string;

  constructor(private readonly options: FilePolicySourceOptions = {}) {
    this.file = path.resolve(options.path ?? DEFAULT_POLICY_FILE);
    this.description = this.file;
  }

  read(): Promise<PolicyRead> {
    let machine: PolicyLayer;
    try {
      machine = readPolicyFile(this.file, this.options);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      machine = { ok: false, error };
    }
    return Promise.resolve({ machine, user: EMPTY_LAYER });
  }

  watch(listener: () => void): () => void {
    let timer: NodeJS.Timeout | null = null;
    const changed = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        listener();
      }, this.options.debounceMs ?? 50);
      timer.unref();
    };
    const dir = path.dirname(this.file);
    const name = path.basename(this.file);
    let stopWatching: () => void;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) changed();
      });
      // The directory went away: the next read sees no file; keep going by polling.
      watcher.on('error', () => {
        watcher.close();
        stopWatching = this.pollFile(changed);
        changed();
      });
      stopWatching = () => watcher.close();
    } catch {
      // No directory yet (no policy deployed): poll until one appears.
      stopWatching = this.pollFile(changed);
    }
    return () => {
      if (timer) clearTimeout(timer);
      stopWatching();
    };
  }

  private pollFile(changed: () => void): () => void {
    const onStat = (): void => changed();
    watchFile(this.file, { persistent: false, interval: 5_000 }, onStat);
    return () => unwatchFile(this.file, onStat);
  }
}
