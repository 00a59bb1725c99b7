import { useEffect, useState } from 'react';
import { call } from '../api';
import { registerReset } from '../reset';

/** Fields of a history row that hold record ids, and the kind of record they point to. */
export const REF_FIELDS: Readonly<Record<string, 'account' | 'contact' | 'deal'>> = {
  accountId: 'account',
  contactId: 'contact',
  contactIds: 'contact',
  attendeeIds: 'contact',
  dealId: 'deal',
};

// Names by id, read once per id while the app runs (null: deleted or unreadable, shown as the id).
const names = new Map<string, string | null>();
const waiting = new Map<string, Promise<void>>();
// Names are customer data: locking forgets them with the other stores.
registerReset(() => names.clear());

function read(kind: 'account' | 'contact' | 'deal', id: string): Promise<void> {
  let p = waiting.get(id);
  if (!p) {
    const got =
      kind === 'account'
        ? call('accounts.get', { id })
        : kind === 'contact'
          ? call('contacts.get', { id })
          : call('deals.get', { id });
    p = got.then(
      (r) => void names.set(id, r.name),
      () => void names.set(id, null),
    );
    waiting.set(id, p);
    void p.finally(() => waiting.delete(id));
  }
  return p;
}

const idsOf = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v) => typeof v === 'string')
      : value !== null && typeof value === 'object'
        ? Object.keys(value) // contactRoles: contact id -> role
        : [];

/**
 * The names of the records that history rows point to (an account, contacts, a deal), so a row reads
 * "Account: — → Acme GmbH" instead of an id. Returns a lookup; undefined while a name is loading.
 */
export function useRefNames(
  changes: readonly { field: string; before: unknown; after: unknown }[],
): (id: string) => string | null | undefined {
  const [, setRound] = useState(0);
  const wanted: [kind: 'account' | 'contact' | 'deal', id: string][] = [];
  for (const c of changes) {
    const kind = c.field === 'contactRoles' ? 'contact' : REF_FIELDS[c.field];
    if (!kind) continue;
    for (const id of [...idsOf(c.before), ...idsOf(c.after)]) if (!names.has(id)) wanted.push([kind, id]);
  }
  const key = wanted.map(([k, id]) => `${k}:${id}`).join(',');
  useEffect(() => {
    if (key === '') return;
    let live = true;
    const pairs = key.split(',').map((p) => p.split(':') as ['account' | 'contact' | 'deal', string]);
    void Promise.all(pairs.map(([kind, id]) => read(kind, id))).then(() => live && setRound((n) => n + 1));
    return () => {
      live = false;
    };
  }, [key]);
  return (id) => names.get(id);
}
