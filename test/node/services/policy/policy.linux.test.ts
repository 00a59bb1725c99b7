import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilePolicySource, readPolicyFile } from '../../../../electron/services/policy/policy.linux';
import { PolicyError, type PolicyProblemReason } from '../../../../shared/policy/policy.resolve';
import { tempDir } from '../../support/tmp';

/** A uid that is not root, for files the test must make "not root's". */
const NOT_ROOT = 12_345;

function policyDir(): string {
  const dir = path.join(tempDir('fv-policy-'), 'fieldvault');
  mkdirSync(dir, { mode: 0o755 });
  return dir;
}

function write(dir: string, text: string, mode = 0o644): string {
  const file = path.join(dir, 'policy.json');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

function refusal(read: () => unknown): PolicyError {
  try {
    read();
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

function expectRefused(read: () => unknown, reason: PolicyProblemReason): PolicyError {
  const error = refusal(read);
  expect(error.code).toBe('POLICY_INVALID');
  expect(error.reason).toBe(reason);
  return error;
}

describe('Linux policy file', () => {
  it('is absent by default: no policy, no error', () => {
    expect(readPolicyFile(path.join(policyDir(), 'policy.json'))).toEqual({ ok: true, policy: {} });
  });

  it('refuses a symbolic link, even to a good policy file', () => {
    const dir = policyDir();
    const target = write(policyDir(), '{"lockTimeoutMinutes": 5}');
    const link = path.join(dir, 'policy.json');
    symlinkSync(target, link);
    const error = expectRefused(() => readPolicyFile(link, { allowNonRootOwner: true }), 'symlink');
    expect(error.message).toContain(link);
  });

  it('refuses a file not owned by root unless the test-only option relaxes the owner check', () => {
    const file = write(policyDir(), '{"lockTimeoutMinutes": 5}');
    // As root, hand the file to someone else; as anyone else, it is already not root's.
    if (process.getuid?.() === 0) chownSync(file, NOT_ROOT, NOT_ROOT);
    const error = expectRefused(() => readPolicyFile(file), 'owner');
    expect(error.message).toContain('not owned by root');
    expect(readPolicyFile(file, { allowNonRootOwner: true })).toEqual({
      ok: true,
      policy: { lockTimeoutMinutes: 5 },
    });
  });

  it('refuses a file group or others may write, whatever the owner option says', () => {
    for (const mode of [0o664, 0o646]) {
      const file = write(policyDir(), '{"lockTimeoutMinutes": 5}', mode);
      expectRefused(() => readPolicyFile(file, { allowNonRootOwner: true }), 'permissions');
    }
  });

  it('refuses a file in a directory others may write (they could replace it)', () => {
    const dir = policyDir();
    const file = write(dir, '{"lockTimeoutMinutes": 5}');
    chmodSync(dir, 0o777);
    const error = expectRefused(() => readPolicyFile(file, { allowNonRootOwner: true }), 'permissions');
    expect(error.message).toContain('directory');
  });

  it('refuses a directory where the file should be', () => {
    const dir = policyDir();
    mkdirSync(path.join(dir, 'policy.json'));
    expectRefused(
      () => readPolicyFile(path.join(dir, 'policy.json'), { allowNonRootOwner: true }),
      'not-a-file',
    );
  });

  it('says where a file is not JSON, without echoing its text', () => {
    const file = write(
      policyDir(),
      '{\n  "enrolmentCode": "TOP-SECRET-4411"\n  "lockTimeoutMinutes": 5\n}\n',
    );
    const error = expectRefused(() => readPolicyFile(file, { allowNonRootOwner: true }), 'unparseable');
    expect(error.message).toBe(`The policy file ${file} is not valid JSON (line 3, column 3).`);
    expect(error.message).not.toContain('TOP-SECRET');
  });

  it('refuses an oversized file as not a policy', () => {
    const file = write(
      policyDir(),
      JSON.stringify({ serverUrl: 'https://a.example', pad: 'x'.repeat(70_000) }),
    );
    expectRefused(() => readPolicyFile(file, { allowNonRootOwner: true }), 'unparseable');
  });

  it('returns a refusal from read() as the machine level, so the service can fall back and report it', async () => {
    const dir = policyDir();
    write(dir, '{"lockTimeoutMinutes": 5}', 0o666);
    const read = await new FilePolicySource({
      path: path.join(dir, 'policy.json'),
      allowNonRootOwner: true,
    }).read();
    expect(read.machine.ok).toBe(false);
    expect(read.machine.ok ? null : read.machine.error.reason).toBe('permissions');
    expect(read.user).toEqual({ ok: true, policy: {} });
  });
});
