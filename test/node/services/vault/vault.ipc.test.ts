import { describe, expect, it } from 'vitest';
import { createTestServices, testSender } from '../../support/router';
import { realKeychain } from '../../support/vault';
import { tempDir } from '../../support/tmp';

describe('vault channels through the IPC router (zod in, zod out, typed errors, events)', () => {
  it('runs the lifecycle with the production KDF and keytar, and pushes vault.locked / vault.unlocked', async () => {
    const keychain = realKeychain();
    const services = createTestServices(tempDir(), { keychain });
    const events: { event: string; payload: unknown }[] = [];
    services.router.onEvent((event, payload) => events.push({ event, payload }));
    const call = (channel: string, input?: unknown) => services.router.dispatch(channel, input, testSender);

    expect(await call('vault.status')).toEqual({
      ok: true,
      value: { state: 'not_set_up', vaultId: null, cipher: null, schema: null },
    });
    expect(await call('vault.unlock')).toMatchObject({ ok: false, error: { code: 'VAULT_NOT_SET_UP' } });
    const setup = await call('vault.setup');
    expect(setup).toMatchObject({ ok: true, value: { status: { state: 'unlocked', cipher: 'aegis-256' } } });
    const { recoveryCode, status } = (
      setup as { value: { recoveryCode: string; status: { vaultId: string } } }
    ).value;

    expect(await call('vault.lock')).toMatchObject({ ok: true, value: { state: 'locked' } });
    expect(events).toEqual([
      { event: 'vault.unlocked', payload: { vaultId: status.vaultId } },
      { event: 'vault.locked', payload: { reason: 'user' } },
    ]);

    // Inputs are checked by the contract before the vault sees them.
    expect(await call('vault.recover', { recoveryCode: 'short' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await call('vault.restore', { backupId: '../../etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });

    await keychain.delete(status.vaultId);
    expect(await call('vault.unlock')).toMatchObject({ ok: false, error: { code: 'KEY_MISSING' } });
    expect(await call('vault.recover', { recoveryCode })).toMatchObject({
      ok: true,
      value: { state: 'unlocked' },
    });
    const backup = await call('vault.backup');
    expect(backup).toMatchObject({ ok: true });
    const listed = (await call('vault.listBackups')) as { ok: boolean; value: { backupId: string }[] };
    expect(listed.value).toHaveLength(1);
    expect(await call('vault.rekey')).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    const backupId = (backup as { value: { backupId: string } }).value.backupId;
    expect(await call('vault.restore', { backupId })).toMatchObject({
      ok: true,
      value: { state: 'unlocked' },
    });
    // No key material in any output.
    expect(JSON.stringify(await call('vault.status'))).not.toMatch(/key"|kek/i);
    await services.dispose();
  });
});
