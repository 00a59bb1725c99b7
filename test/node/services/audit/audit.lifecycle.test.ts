import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditListOutput, AuditVerifyOutput } from '../../../../shared/audit/audit.schemas';
import type { VaultStatus } from '../../../../shared/ipc/channels/vault.channels';
import { tempDir } from '../../support/tmp';
import { auditServices, sampleEvents } from './audit.support';

describe('security log across the life of a vault', () => {
  it('a keychain that lost the audit entry starts a new key where the log ends; older entries keep their hash chain', async () => {
    const app = auditServices(tempDir('fv-audit-l-'));
    try {
      const { status } = await app.value<{ status: VaultStatus }>('vault.setup');
      await app.value('audit.verify');
      for (const event of sampleEvents(20)) app.services.parts.audit.record(event);
      await app.value('vault.lock');
      await app.services.parts.audit.settled();
      expect(await app.keychain.delete(`${status.vaultId}.audit`)).toBe(true);
      await app.value('vault.unlock');
      const report = await app.value<AuditVerifyOutput>('audit.verify');
      expect(report).toMatchObject({ status: 'intact', firstBreak: null });
      const created = await app.value<AuditListOutput>('audit.list', { types: ['audit.keyCreated'] });
      expect(created.events.map((e) => e.seq)).toEqual([created.events[0]!.seq, 1]);
      expect(created.events[0]!.seq).toBeGreaterThan(20);
      // Checkpoints made under the lost key are not counted as verified.
      expect(report.signedThrough === 0 || report.signedThrough >= created.events[0]!.seq).toBe(true);
    } finally {
      await app.services.dispose();
    }
  });

  it("a revoked device's wipe removes its audit keychain entry and queue with the vault", async () => {
    const dir = tempDir('fv-audit-w-');
    const app = auditServices(dir);
    try {
      const { status } = await app.value<{ status: VaultStatus }>('vault.setup');
      await app.value('audit.verify');
      await app.services.parts.vault.access.wipe();
      await app.services.parts.audit.settled();
      expect(await app.keychain.get(`${status.vaultId}.audit`)).toBeNull();
      expect(existsSync(path.join(dir, 'audit-pending.jsonl'))).toBe(false);
      expect(await app.call('audit.list', {})).toMatchObject({
        ok: false,
        error: { code: 'VAULT_NOT_SET_UP' },
      });
    } finally {
      await app.services.dispose();
    }
  });
});
