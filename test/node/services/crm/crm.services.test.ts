import { describe, expect, it } from 'vitest';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';

describe('crm in the composed services', () => {
  it('answers VAULT_LOCKED before set-up and works once the vault is open', async () => {
    const services = createTestServices(tempDir('fv-crm-svc-'));
    try {
      const locked = await services.router.dispatch('contacts.list', {}, testSender);
      expect(locked.ok).toBe(false);
      if (!locked.ok) expect(['VAULT_LOCKED', 'VAULT_NOT_SET_UP']).toContain(locked.error.code);
      const setup = await services.router.dispatch('vault.setup', undefined, testSender);
      expect(setup.ok).toBe(true);
      const created = await services.router.dispatch('contacts.create', { name: '张伟' }, testSender);
      expect(created).toMatchObject({ ok: true, value: { name: '张伟' } });
      const found = await services.router.dispatch('search.query', { q: '伟' }, testSender);
      expect(found).toMatchObject({ ok: true, value: { hits: [{ entity: 'contact' }] } });
      expect((await services.router.dispatch('vault.lock', undefined, testSender)).ok).toBe(true);
      const after = await services.router.dispatch('contacts.list', {}, testSender);
      expect(after).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
      expect((await services.router.dispatch('vault.unlock', undefined, testSender)).ok).toBe(true);
      const again = await services.router.dispatch('contacts.list', {}, testSender);
      expect(again).toMatchObject({ ok: true, value: { total: 1 } });
    } finally {
      await services.dispose();
    }
  });
});
