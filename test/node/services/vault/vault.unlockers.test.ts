import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../../../shared/errors';
import type { Keychain } from '../../../../electron/services/keychain/keychain';
import { ScriptedAuthenticator } from '../../../../electron/services/auth/auth.scripted';
import { UserPresence } from '../../../../electron/services/auth/user-presence';
import { silentLogger } from '../../../../electron/services/log/logger';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import { PolicyService } from '../../../../electron/services/policy/policy.service';
import {
  generateEscrowKeyPair,
  parseEscrowPrivateKeyFile,
} from '../../../../electron/services/vault/vault.escrow';
import { VaultService } from '../../../../electron/services/vault/vault.service';
import type { UnlockerPolicy } from '../../../../electron/services/vault/vault.unlock-methods';
import {
  PIN_KDF,
  PIN_MAX_FAILURES,
  UnlockerStore,
  type PinKdf,
} from '../../../../electron/services/vault/vault.unlockers';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { unlockerPolicyOf } from '../../../../shared/policy/policy.unlockers';
import { addNote, noteBodies, notesMigrations, realKeychain, TEST_KDF } from '../../support/vault';
import { tempDir } from '../../support/tmp';

/** Low argon2id cost for the many wraps here; the production parameters are checked once below. */
const TEST_PIN_KDF: PinKdf = { m: 256, t: 1, p: 1 };
const PIN = '482916';

interface Rig {
  readonly dataDir: string;
  readonly keychain: Keychain;
  policy: UnlockerPolicy;
  service: VaultService;
  /** A new service over the same files and keychain: an app restart. */
  restart(): VaultService;
}

function rig(): Rig {
  const dataDir = tempDir('fv-unlockers-');
  const keychain = realKeychain();
  const make = (): VaultService =>
    new VaultService({
      dataDir,
      keychain,
      migrations: [notesMigrations],
      logger: silentLogger,
      now: Date.now,
      recoveryKdf: TEST_KDF,
      pinKdf: TEST_PIN_KDF,
      unlockerPolicy: () => Promise.resolve(r.policy),
    });
  const r: Rig = {
    dataDir,
    keychain,
    policy: { pin: 'allowed' },
    service: make(),
    restart() {
      r.service = make();
      return r.service;
    },
  };
  return r;
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

function vaultId(r: Rig): string {
  return r.service.status().vaultId!;
}

/** Bytes and mtime of the database files: what "never rewrites the database" means. */
function dbFingerprint(r: Rig): string {
  const db = path.join(r.dataDir, 'vault', 'vault.db');
  return ['', '-wal']
    .filter((s) => existsSync(db + s))
    .map((s) => `${s}:${statSync(db + s).mtimeMs}:${readFileSync(db + s).toString('base64')}`)
    .join('|');
}

/** One unlocker as the contract sees it: how to add it, open with it, fail it, and remove it. */
interface UnlockerCase {
  readonly kind: 'keychain' | 'recovery-code' | 'pin' | 'escrow';
  add(r: Rig, code: string): Promise<void>;
  /** Opens the locked vault with this unlocker only (the keychain entry is gone for the others). */
  open(r: Rig, code: string): Promise<unknown>;
  /** Tries a wrong secret; resolves to the error code. */
  wrong(r: Rig): Promise<ErrorCode | 'ok'>;
  readonly wrongCode: ErrorCode;
  /** Removes it (null: the recovery code is replaced, never removed). */
  readonly remove: ((r: Rig) => Promise<void>) | null;
}

const escrowPair = generateEscrowKeyPair();
const otherPair = generateEscrowKeyPair();

const cases: UnlockerCase[] = [
  {
    kind: 'keychain',
    add: () => Promise.resolve(),
    open: (r) => r.service.unlock(),
    wrong: async (r) => {
      // Another unlock key in the entry (format 2, random): it does not open keychain.wrap.
      const bogus = new Uint8Array(41);
      bogus[0] = 2;
      bogus.set(globalThis.crypto.getRandomValues(new Uint8Array(32)), 1);
      await r.keychain.set(vaultId(r), bogus);
      return codeOf(r.restart().unlock());
    },
    wrongCode: 'WRONG_KEY',
    remove: async (r) => {
      await r.keychain.delete(vaultId(r));
      r.restart();
    },
  },
  {
    kind: 'recovery-code',
    add: () => Promise.resolve(),
    open: (r, code) => r.service.recover(code),
    wrong: (r) => codeOf(r.service.recover('0000-0000-0000-0000-0000-0000-0000-0000')),
    wrongCode: 'RECOVERY_CODE_INVALID',
    remove: null,
  },
  {
    kind: 'pin',
    add: async (r) => {
      await r.service.setPin(PIN);
    },
    open: (r) => r.service.unlockWithPin(PIN),
    wrong: (r) => codeOf(r.service.unlockWithPin('000000')),
    wrongCode: 'PIN_INVALID',
    remove: async (r) => {
      await r.service.removePin();
    },
  },
  {
    kind: 'escrow',
    add: async (r) => {
      r.policy = { ...r.policy, escrowKey: escrowPair.publicKey };
      await r.service.syncUnlockers();
    },
    open: (r) => {
      // The organisation's side: the escrow private key opens the unlock key (the CLI's first step).
      const store = new UnlockerStore(new VaultLayout(r.dataDir), Date.now);
      const unlockKey = store.openEscrow(vaultId(r), parseEscrowPrivateKeyFile(escrowPair.privateKeyFile));
      expect(unlockKey.length).toBe(32);
      unlockKey.fill(0);
      return Promise.resolve();
    },
    wrong: async (r) => {
      const store = new UnlockerStore(new VaultLayout(r.dataDir), Date.now);
      return codeOf(
        Promise.resolve().then(() =>
          store.openEscrow(vaultId(r), parseEscrowPrivateKeyFile(otherPair.privateKeyFile)),
        ),
      );
    },
    wrongCode: 'WRONG_KEY',
    remove: async (r) => {
      r.policy = { pin: r.policy.pin };
      await r.service.syncUnlockers();
    },
  },
];

describe.each(cases)('unlocker contract: $kind', (c) => {
  it('wraps the vault key and opens the vault on its own', async () => {
    const r = rig();
    const { recoveryCode } = await r.service.setup();
    addNote(r.service, 'kept across unlockers');
    await c.add(r, recoveryCode);
    expect((await r.service.listUnlockers()).unlockers.map((u) => u.kind)).toContain(c.kind);
    await r.service.lock();
    if (c.kind !== 'keychain') await r.keychain.delete(vaultId(r));
    r.restart();
    await c.open(r, recoveryCode);
    if (c.kind !== 'escrow') expect(noteBodies(r.service)).toEqual(['kept across unlockers']);
  });

  it(`a wrong secret is a typed error (${c.wrongCode}) and opens nothing`, async () => {
    const r = rig();
    const { recoveryCode } = await r.service.setup();
    await c.add(r, recoveryCode);
    await r.service.lock();
    expect(await c.wrong(r)).toBe(c.wrongCode);
    expect(r.service.status().state).toBe('locked');
  });

  it('adding and removing it never rewrites the database; the other unlockers keep working', async () => {
    const r = rig();
    const { recoveryCode } = await r.service.setup();
    addNote(r.service, 'before');
    await r.service.lock();
    await r.service.unlock();
    const before = dbFingerprint(r);
    await c.add(r, recoveryCode);
    expect(dbFingerprint(r)).toBe(before);
    if (!c.remove) return;
    if (c.kind !== 'pin') await r.service.setPin(PIN);
    expect(dbFingerprint(r)).toBe(before);
    if (c.kind === 'keychain') await r.service.lock();
    await c.remove(r);
    if (c.kind !== 'keychain') {
      expect(dbFingerprint(r)).toBe(before);
      expect((await r.service.listUnlockers()).unlockers.map((u) => u.kind)).not.toContain(c.kind);
      await r.service.lock();
      await r.service.unlock();
      await r.service.lock();
    }
    if (c.kind !== 'pin') {
      await r.service.unlockWithPin(PIN);
      await r.service.lock();
    }
    await r.service.recover(recoveryCode);
    expect(noteBodies(r.service)).toEqual(['before']);
  });
});

describe('PIN attempt limit', () => {
  it(`counts wrong PINs across restarts; the ${PIN_MAX_FAILURES}th destroys the PIN; the keychain still opens`, async () => {
    const r = rig();
    await r.service.setup();
    await r.service.setPin(PIN);
    await r.service.lock();
    expect(await codeOf(r.service.unlockWithPin('111111'))).toBe('PIN_INVALID');
    expect(await codeOf(r.service.unlockWithPin('222222'))).toBe('PIN_INVALID');
    r.restart();
    expect((await r.service.listUnlockers()).pin).toMatchObject({
      set: true,
      triesLeft: PIN_MAX_FAILURES - 2,
    });
    expect(await codeOf(r.service.unlockWithPin('333333'))).toBe('PIN_INVALID');
    r.restart();
    expect(await codeOf(r.service.unlockWithPin('444444'))).toBe('PIN_INVALID');
    expect(await codeOf(r.service.unlockWithPin('555555'))).toBe('PIN_LOCKED_OUT');
    r.restart();
    // Even the right PIN no longer opens anything: the wrap is gone, not merely refused.
    expect(await codeOf(r.service.unlockWithPin(PIN))).toBe('PIN_LOCKED_OUT');
    expect(existsSync(path.join(r.dataDir, 'vault', 'unlockers', 'pin.json'))).toBe(false);
    expect((await r.service.listUnlockers()).pin).toMatchObject({
      set: false,
      lockedOut: true,
      triesLeft: 0,
    });
    await r.service.unlock();
    // A new PIN after another unlock clears the lockout.
    await r.service.setPin('new-passphrase');
    await r.service.lock();
    await r.service.unlockWithPin('new-passphrase');
    expect(r.service.status().state).toBe('unlocked');
  });

  it('a locked vault keeps its PIN: removing or setting one needs the vault open', async () => {
    const r = rig();
    await r.service.setup();
    await r.service.setPin(PIN);
    await r.service.lock();
    expect(await codeOf(r.service.removePin())).toBe('VAULT_LOCKED');
    expect(await codeOf(r.service.setPin('654321'))).toBe('VAULT_LOCKED');
    await r.service.unlockWithPin(PIN);
    expect(r.service.status().state).toBe('unlocked');
  });

  it('a right PIN resets the count; an unreadable counter is never a reset', async () => {
    const r = rig();
    await r.service.setup();
    await r.service.setPin(PIN);
    await r.service.lock();
    for (let i = 0; i < PIN_MAX_FAILURES - 1; i++) await codeOf(r.service.unlockWithPin('999999'));
    await r.service.unlockWithPin(PIN);
    expect((await r.service.listUnlockers()).pin.triesLeft).toBe(PIN_MAX_FAILURES);
    await r.service.lock();
    writeFileSync(path.join(r.dataDir, 'vault', 'pin-attempts.json'), '{garbage');
    expect((await r.service.listUnlockers()).pin.triesLeft).toBe(1);
    expect(await codeOf(r.service.unlockWithPin('999999'))).toBe('PIN_LOCKED_OUT');
  });

  it('the production argon2id parameters wrap and unwrap (64 MiB, t=3, p=1)', async () => {
    expect(PIN_KDF).toEqual({ m: 65536, t: 3, p: 1 });
    const dir = tempDir();
    const layout = new VaultLayout(dir);
    const store = new UnlockerStore(layout, Date.now);
    const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
    await store.setPin('a'.repeat(32), key, 'correct horse', PIN_KDF);
    const record = JSON.parse(readFileSync(path.join(layout.dir, 'unlockers', 'pin.json'), 'utf8')) as {
      kdf: { m: number; t: number; p: number };
    };
    expect(record.kdf).toMatchObject(PIN_KDF);
    expect(await store.openPin('a'.repeat(32), 'correct horse')).toEqual(key);
  });

  it('a PIN file moved to another vault opens nothing (bound to the vault id)', async () => {
    const a = rig();
    const b = rig();
    await a.service.setup();
    await b.service.setup();
    await a.service.setPin(PIN);
    await b.service.lock();
    const pinA = JSON.parse(
      readFileSync(path.join(a.dataDir, 'vault', 'unlockers', 'pin.json'), 'utf8'),
    ) as Record<string, unknown>;
    mkdirSync(path.join(b.dataDir, 'vault', 'unlockers'), { recursive: true });
    writeFileSync(
      path.join(b.dataDir, 'vault', 'unlockers', 'pin.json'),
      JSON.stringify({ ...pinA, vaultId: vaultId(b) }),
      { flag: 'w' },
    );
    expect(await codeOf(b.service.unlockWithPin(PIN))).toBe('UNLOCKER_NOT_SET');
  });
});

describe('OS re-authentication', () => {
  it('setting and removing a PIN wait for the OS check; a refusal changes nothing', async () => {
    const dataDir = tempDir('fv-unlockers-auth-');
    const auth = new ScriptedAuthenticator('ok');
    const policy = new PolicyService(new MemoryPolicySource(), silentLogger);
    const presence = new UserPresence({ authenticator: auth, policy, logger: silentLogger });
    const service = new VaultService({
      dataDir,
      keychain: realKeychain(),
      migrations: [notesMigrations],
      logger: silentLogger,
      now: Date.now,
      recoveryKdf: TEST_KDF,
      pinKdf: TEST_PIN_KDF,
      presence,
    });
    await service.setup();
    auth.script('AUTH_DENIED');
    expect(await codeOf(service.setPin(PIN))).toBe('AUTH_DENIED');
    expect((await service.listUnlockers()).pin.set).toBe(false);
    auth.script('ok');
    await service.setPin(PIN);
    auth.script('AUTH_CANCELLED');
    expect(await codeOf(service.removePin())).toBe('AUTH_CANCELLED');
    expect((await service.listUnlockers()).pin.set).toBe(true);
    expect(auth.asked.filter((r) => r === 'unlockers')).toHaveLength(3);
    await service.lock();
    policy.dispose();
  });
});

describe('policy', () => {
  it('PIN forbidden: setting or using one is POLICY_FORBIDDEN, and an existing PIN is removed', async () => {
    const r = rig();
    await r.service.setup();
    await r.service.setPin(PIN);
    r.policy = { pin: 'forbidden' };
    expect(await codeOf(r.service.setPin('123456789'))).toBe('POLICY_FORBIDDEN');
    await r.service.lock();
    expect(await codeOf(r.service.unlockWithPin(PIN))).toBe('POLICY_FORBIDDEN');
    await r.service.unlock();
    expect((await r.service.listUnlockers()).pin).toMatchObject({ allowed: false, set: false });
  });

  it('escrow wrap appears at the next unlock when IT sets the key, follows a new key, disappears when unset', async () => {
    const r = rig();
    await r.service.setup();
    await r.service.lock();
    const kinds = async () => (await r.service.listUnlockers()).unlockers.map((u) => u.kind);
    expect(await kinds()).not.toContain('escrow');
    r.policy = { pin: 'allowed', escrowKey: escrowPair.publicKey };
    await r.service.unlock();
    const escrowFile = path.join(r.dataDir, 'vault', 'unlockers', 'escrow.json');
    const first = JSON.parse(readFileSync(escrowFile, 'utf8')) as { recipient: string };
    expect(first.recipient).toBe(escrowPair.publicKey);
    expect((await r.service.listUnlockers()).unlockers.find((u) => u.kind === 'escrow')).toMatchObject({
      managed: true,
    });
    r.policy = { pin: 'allowed', escrowKey: otherPair.publicKey };
    await r.service.lock();
    await r.service.unlock();
    expect((JSON.parse(readFileSync(escrowFile, 'utf8')) as { recipient: string }).recipient).toBe(
      otherPair.publicKey,
    );
    r.policy = { pin: 'allowed' };
    await r.service.lock();
    await r.service.unlock();
    expect(existsSync(escrowFile)).toBe(false);
  });

  it('an unreadable policy refuses the PIN but deletes nothing IT set up (no escrow wrap lost to a typo)', async () => {
    expect(unlockerPolicyOf({})).toEqual({ pin: 'allowed', authoritative: true });
    expect(unlockerPolicyOf({ requiredUnlockMethod: 'os-authentication' }).pin).toBe('forbidden');
    expect(unlockerPolicyOf({ requiredUnlockMethod: 'os-authentication', pinUnlock: 'allowed' }).pin).toBe(
      'allowed',
    );
    expect(unlockerPolicyOf({ requiredUnlockMethod: 'os-authentication' }, true)).toEqual({
      pin: 'forbidden',
      authoritative: false,
    });
    const r = rig();
    await r.service.setup();
    r.policy = { pin: 'allowed', escrowKey: escrowPair.publicKey };
    await r.service.syncUnlockers();
    await r.service.setPin(PIN);
    // The policy file became unreadable: the restrictive fallback has no escrow key and forbids PINs.
    r.policy = { ...unlockerPolicyOf({ requiredUnlockMethod: 'os-authentication' }, true) };
    await r.service.syncUnlockers();
    await r.service.lock();
    await r.service.unlock();
    expect((await r.service.listUnlockers()).unlockers.map((u) => u.kind).sort()).toEqual([
      'escrow',
      'keychain',
      'pin',
      'recovery-code',
    ]);
    await r.service.lock();
    expect(await codeOf(r.service.unlockWithPin(PIN))).toBe('POLICY_FORBIDDEN');
  });

  it('an unusable escrow key (a low-order point) never fails the unlock; the wrap is simply not written', async () => {
    const r = rig();
    await r.service.setup();
    await r.service.lock();
    r.policy = { pin: 'allowed', escrowKey: 'A'.repeat(43) };
    await r.service.unlock();
    expect(r.service.status().state).toBe('unlocked');
    expect(existsSync(path.join(r.dataDir, 'vault', 'unlockers', 'escrow.json'))).toBe(false);
  });

  it('escrow and PIN survive a rekey and a new recovery code (they wrap the unlock key, not the key set)', async () => {
    const r = rig();
    await r.service.setup();
    addNote(r.service, 'rekeyed');
    r.policy = { pin: 'allowed', escrowKey: escrowPair.publicKey };
    await r.service.syncUnlockers();
    await r.service.setPin(PIN);
    await r.service.rekey();
    await r.service.renewRecoveryCode();
    await r.service.lock();
    await r.keychain.delete(vaultId(r));
    r.restart();
    await r.service.unlockWithPin(PIN);
    expect(noteBodies(r.service)).toEqual(['rekeyed']);
    // The keychain entry was written back with the same unlock key: the keychain opens again.
    await r.service.lock();
    r.restart();
    await r.service.unlock();
    expect(noteBodies(r.service)).toEqual(['rekeyed']);
  });

  it('a recovery with the code mints a new unlock key: the stale PIN is removed, escrow is re-wrapped', async () => {
    const r = rig();
    const { recoveryCode } = await r.service.setup();
    r.policy = { pin: 'allowed', escrowKey: escrowPair.publicKey };
    await r.service.syncUnlockers();
    await r.service.setPin(PIN);
    const escrowFile = path.join(r.dataDir, 'vault', 'unlockers', 'escrow.json');
    const oldEscrow = readFileSync(escrowFile, 'utf8');
    await r.service.lock();
    await r.keychain.delete(vaultId(r));
    r.restart();
    await r.service.recover(recoveryCode);
    const view = await r.service.listUnlockers();
    expect(view.unlockers.map((u) => u.kind).sort()).toEqual(['escrow', 'keychain', 'recovery-code']);
    expect(readFileSync(escrowFile, 'utf8')).not.toBe(oldEscrow);
    const store = new UnlockerStore(new VaultLayout(r.dataDir), Date.now);
    store.openEscrow(vaultId(r), parseEscrowPrivateKeyFile(escrowPair.privateKeyFile)).fill(0);
  });
});
