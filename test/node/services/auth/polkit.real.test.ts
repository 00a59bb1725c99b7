import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolkitAuthenticator } from '../../../../electron/services/auth/auth.polkit';
import { authenticatorContract, type Outcome } from './auth.contract';
import { polkitUnavailableReason, startPrivatePolkit, waitFor } from './polkitd';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const unavailable = polkitUnavailableReason();

/**
 * The Linux implementation against a real polkitd (Debian's `polkitd`) on a private system bus, with
 * the shipped action file. Grant and refusal come from an admin rule; with no rule the shipped
 * `auth_self` default needs an agent to ask the user, and with none in the session polkit answers
 * "challenge" (AUTH_UNAVAILABLE). A dismissed prompt (AUTH_CANCELLED) needs a graphical agent and a
 * user password, which CI has not: that mapping is covered by the stand-in pkcheck.
 */
describe.skipIf(unavailable !== null)(
  `real polkitd${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    authenticatorContract(
      'polkit through a real polkitd on a private system bus',
      async () => {
        const polkit = await startPrivatePolkit(repoRoot);
        const auth = new PolkitAuthenticator({ pid: polkit.subjectPid, env: polkit.env });
        // polkitd reloads rules when the directory changes; wait until it answers as arranged.
        const settle = (rule: 'yes' | 'no' | null, outcome: Outcome) => async () => {
          polkit.setRule(rule);
          await waitFor(async () => {
            const r = await auth.authenticate('unlock');
            return (r.ok ? 'ok' : r.code) === outcome;
          }, `polkitd to answer ${outcome}`);
        };
        return {
          auth,
          arrange: {
            ok: settle('yes', 'ok'),
            AUTH_DENIED: settle('no', 'AUTH_DENIED'),
            AUTH_UNAVAILABLE: settle(null, 'AUTH_UNAVAILABLE'),
          },
          dispose: () => polkit.stop(),
        };
      },
      120_000,
    );

    it('uses the shipped action: without an admin rule polkitd asks for auth_self (needs an agent)', async () => {
      const polkit = await startPrivatePolkit(repoRoot);
      try {
        const auth = new PolkitAuthenticator({ pid: polkit.subjectPid, env: polkit.env });
        const unknown = new PolkitAuthenticator({
          pid: polkit.subjectPid,
          env: polkit.env,
          actionId: 'com.fieldvault.nope',
        });
        expect(await auth.authenticate('unlock')).toMatchObject({ ok: false, code: 'AUTH_UNAVAILABLE' });
        // An action polkitd does not know is refused outright (exit 1), so "challenge" above came from our file.
        const r = await unknown.authenticate('unlock');
        expect(r.ok).toBe(false);
      } finally {
        await polkit.stop();
      }
    }, 120_000);
  },
);
