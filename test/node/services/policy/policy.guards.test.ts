import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPolicySource } from '../../../../electron/services/policy/policy.memory';
import type { Services } from '../../../../electron/services/services';
import type { ChannelInput, ChannelName } from '../../../../shared/ipc/contract';
import { createSyncServer } from '../../../../server/app';
import { SqliteSyncStorage } from '../../../../server/storage/storage.sqlite';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';
import { TEST_KDF } from '../../support/vault';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** The shipped composition root with an unlocked vault and IT's machine policy `machine`. */
async function start(machine: Record<string, unknown> | string) {
  const services: Services = createTestServices(tempDir('fv-guards-'), {
    policy: new MemoryPolicySource({ machine }),
    tuning: { autoSync: false, recoveryKdf: TEST_KDF },
  });
  running.push(() => services.dispose());
  const call = <C extends ChannelName>(channel: C, input?: ChannelInput<C>) =>
    services.router.dispatch(channel, input, testSender);
  expect((await call('vault.setup')).ok).toBe(true);
  const contact = await call('contacts.create', { name: '张伟', emails: ['zw@example.cn'] });
  if (!contact.ok) throw new Error(contact.error.code);
  const contactId = (contact.value as { id: string }).id;
  return { call, contactId };
}

async function codeOf(p: Promise<{ ok: boolean; error?: { code: string } }>): Promise<string> {
  const r = await p;
  return r.ok ? 'ok' : (r.error?.code ?? 'unknown');
}

describe('managed policy enforced in main', () => {
  it.each([
    [{}, 'ok', 'ok', 'ok'],
    [{ exportRights: 'all' }, 'ok', 'ok', 'ok'],
    [{ exportRights: 'privacy-only' }, 'POLICY_FORBIDDEN', 'POLICY_FORBIDDEN', 'ok'],
    [{ exportRights: 'none' }, 'POLICY_FORBIDDEN', 'POLICY_FORBIDDEN', 'POLICY_FORBIDDEN'],
    // A policy that cannot be read counts as the strictest one.
    ['{ not json', 'POLICY_FORBIDDEN', 'POLICY_FORBIDDEN', 'POLICY_FORBIDDEN'],
  ])('export rights %j: CSV %s, vCard %s, per-person export %s', async (machine, csv, vcard, person) => {
    const { call, contactId } = await start(machine);
    expect(await codeOf(call('export.csv', { entity: 'contact' }))).toBe(csv);
    expect(await codeOf(call('export.vcard', {}))).toBe(vcard);
    expect(await codeOf(call('privacy.exportPerson', { contactId }))).toBe(person);
  });

  it('allows only the server IT names, and sends its enrolment code for the user', async () => {
    const dir = tempDir('fv-guards-srv-');
    const storage = SqliteSyncStorage.open(path.join(dir, 'sync.sqlite'));
    const enrolmentToken = 'it-enrolment-code-1234567';
    const app = await createSyncServer({ storage, enrolmentToken });
    await app.listen({ host: '127.0.0.1', port: 0 });
    running.push(async () => {
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await storage.close();
    });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    const serverUrl = `http://127.0.0.1:${address.port}`;

    const { call } = await start({ serverUrl, enrolmentCode: enrolmentToken });
    // Another server, whatever the renderer composes, is refused before any request leaves.
    expect(await codeOf(call('workspace.create', { serverUrl: 'http://127.0.0.1:9/', name: 'T' }))).toBe(
      'POLICY_FORBIDDEN',
    );
    // A path is not an origin (issue 11): refused as invalid input, still before any request leaves.
    expect(await codeOf(call('workspace.create', { serverUrl: `${serverUrl}/other`, name: 'T' }))).toBe(
      'VALIDATION',
    );
    // The managed server, without the user typing the code: the policy's code goes along.
    expect(await codeOf(call('workspace.create', { serverUrl: `${serverUrl}/`, name: 'T' }))).toBe('ok');
    const invite = await call('invites.create', { ttlHours: 1 });
    if (!invite.ok) throw new Error(invite.error.code);
    const code = (invite.value as { code: string }).code;

    // A device whose policy names another server cannot join a workspace on this one.
    const elsewhere = await start({ serverUrl: 'https://sync.example.com' });
    expect(await codeOf(elsewhere.call('invites.accept', { code }))).toBe('POLICY_FORBIDDEN');
    const allowed = await start({ serverUrl });
    expect(await codeOf(allowed.call('invites.accept', { code }))).toBe('ok');
  });
});
