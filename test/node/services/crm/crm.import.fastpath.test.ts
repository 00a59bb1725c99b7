import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitsContact, quickEmail, quickPhone } from '../../../../electron/services/crm/import.cells';
import { contactCreateSchema, emailSchema, phoneSchema } from '../../../../shared/domain/crm.schemas';

const str = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: max + 3 }),
    fc.constantFrom('', ' ', ' padded ', '张伟', 'x'.repeat(max), 'x'.repeat(max + 1)),
  );
const opt = (max: number) => fc.option(str(max), { nil: null });

describe('import validation fast path', () => {
  it('accepts a row only when contactCreateSchema accepts it unchanged', () => {
    const row = fc.record({
      name: str(200),
      givenName: opt(100),
      familyName: opt(100),
      title: opt(200),
      emails: fc.array(fc.constantFrom('a@b.cd', 'x.y@example.com'), { maxLength: 22 }),
      phones: fc.array(fc.constantFrom('+86 190 1234 5678', '030 1234567'), { maxLength: 22 }),
      address: fc.option(
        fc.record(
          { street: str(200), city: str(100), region: str(100), postalCode: str(20), country: str(100) },
          { requiredKeys: [] },
        ),
        { nil: null },
      ),
      tags: fc.array(str(50), { maxLength: 52 }),
      ownerId: opt(100),
      notes: fc.oneof(str(50), fc.constantFrom('x'.repeat(20_000), 'x'.repeat(20_001))),
      consent: fc.constant({ marketingOptIn: false, recordedAt: null, source: null }),
    });
    fc.assert(
      fc.property(row, (fields) => {
        if (!fitsContact(fields)) return;
        const parsed = contactCreateSchema.safeParse(fields);
        // Values the importer builds are trimmed already; the fast path may only pass those, unchanged.
        expect(parsed.success).toBe(true);
        if (parsed.success) expect(parsed.data).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('checks e-mail addresses and phone numbers exactly as their schemas do', () => {
    const pad = fc.constantFrom('', ' ', '\t', '  ');
    const cell = (core: fc.Arbitrary<string>) => fc.tuple(pad, core, pad).map(([a, b, c]) => a + b + c);
    const email = fc.oneof(
      fc.emailAddress(),
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'A@B.CD',
        'a@b.c',
        'a@@b.cd',
        'a b@c.de',
        'x@y.'.padEnd(300, 'z'),
        `${'a'.repeat(250)}@b.cd`,
      ),
    );
    const phone = fc.oneof(
      fc.stringMatching(/^\+?[\d\s().\-/]{0,45}$/),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('12', '1-2', '+86 190 1234 5678', '(030) 123', '123x', '+'.padEnd(41, '1')),
    );
    fc.assert(
      fc.property(cell(email), (raw) => {
        const z = emailSchema.safeParse(raw);
        expect(quickEmail(raw)).toBe(z.success ? z.data : null);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(cell(phone), (raw) => {
        const z = phoneSchema.safeParse(raw);
        expect(quickPhone(raw)).toBe(z.success ? z.data : null);
      }),
      { numRuns: 2000 },
    );
  });
});
