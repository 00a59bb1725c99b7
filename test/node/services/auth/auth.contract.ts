import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../../shared/errors';
import type {
  AuthReason,
  AuthResult,
  OsAuthenticator,
} from '../../../../electron/services/auth/os-authenticator';

/** What a fixture can make the next check answer; an implementation declares the outcomes it can produce. */
export type Outcome = 'ok' | 'AUTH_DENIED' | 'AUTH_CANCELLED' | 'AUTH_UNAVAILABLE';

export interface AuthFixture {
  readonly auth: OsAuthenticator;
  /** Arranges the OS (or the double) so that the next check gives this outcome. */
  readonly arrange: Partial<Record<Outcome, () => Promise<void>>>;
  readonly dispose?: () => Promise<void>;
}

const REASONS: readonly AuthReason[] = ['unlock', 'export', 'restore', 'rekey', 'recovery-code', 'erase'];

function expectWellFormed(result: AuthResult): void {
  if (result.ok) return;
  expect(isErrorCode(result.code)).toBe(true);
  expect(result.message.length).toBeGreaterThan(0);
  expect(result.message.length).toBeLessThan(200);
}

/**
 * The contract every `OsAuthenticator` passes: it never throws, each arranged outcome is answered
 * with exactly that result, a refusal is never turned into a grant by asking again, and every reason
 * is accepted.
 */
export function authenticatorContract(
  name: string,
  make: () => Promise<AuthFixture>,
  timeoutMs = 60_000,
): void {
  describe(`OsAuthenticator contract: ${name}`, () => {
    it(
      'answers each outcome it can produce, as a result (never a throw), well formed',
      async () => {
        const fx = await make();
        try {
          const outcomes = Object.keys(fx.arrange) as Outcome[];
          expect(outcomes.length).toBeGreaterThan(0);
          for (const outcome of outcomes) {
            await fx.arrange[outcome]!();
            const result = await fx.auth.authenticate('unlock');
            expectWellFormed(result);
            expect(result.ok ? 'ok' : result.code).toBe(outcome);
          }
        } finally {
          await fx.dispose?.();
        }
      },
      timeoutMs,
    );

    it(
      'keeps refusing when asked again, for every reason',
      async () => {
        const fx = await make();
        try {
          const refusal = (['AUTH_DENIED', 'AUTH_CANCELLED', 'AUTH_UNAVAILABLE'] as const).find(
            (o) => fx.arrange[o],
          );
          expect(refusal).toBeDefined();
          await fx.arrange[refusal!]!();
          for (const reason of REASONS) {
            const result = await fx.auth.authenticate(reason);
            expectWellFormed(result);
            expect(result.ok).toBe(false);
          }
        } finally {
          await fx.dispose?.();
        }
      },
      timeoutMs,
    );
  });
}
