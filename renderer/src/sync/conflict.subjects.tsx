import type { ReactNode } from 'react';
import type { Conflict } from '../../../shared/sync/sync.contract';
import { call } from '../api';
import { formatDate } from '../format';
import { OwnerName } from '../people/OwnerName';
import type { Route } from '../ui.store';

/** The record a conflict is about, as the conflicts screen names it and shows its values. */
export interface ConflictSubject {
  /** What the record is: a deal's name, a quota's member and month, a rate's pair and day. */
  readonly label: ReactNode;
  /** The currency the record's money is in (a deal's, a quota's; a rate's base). */
  readonly currency: string | null;
  /** A deal's pipeline, for its stage names. */
  readonly pipelineId: string | null;
  /** Where the record can be seen and changed. */
  readonly route: Route | null;
}

/** One record's subject, or null when it cannot be read (deleted since, or damaged). */
async function subjectOf(entity: string, id: string): Promise<ConflictSubject | null> {
  const none = { currency: null, pipelineId: null };
  switch (entity) {
    case 'deal': {
      const d = await call('deals.get', { id });
      return {
        label: d.name,
        currency: d.currency,
        pipelineId: d.pipelineId,
        route: { name: 'record', entity: 'deal', id },
      };
    }
    case 'contact':
    case 'account': {
      const r =
        entity === 'contact' ? await call('contacts.get', { id }) : await call('accounts.get', { id });
      return { ...none, label: r.name, route: { name: 'record', entity, id } };
    }
    case 'quota': {
      const q = await call('quotas.get', { id });
      const label = (
        <>
          <OwnerName owner={q.memberId} /> · {q.month}
        </>
      );
      return { label, currency: q.currency, pipelineId: null, route: { name: 'settings' } };
    }
    case 'exchangeRate': {
      const r = await call('exchangeRates.get', { id });
      const label = `1 ${r.currency} → ${r.base} · ${formatDate(r.effectiveFrom)}`;
      return { label, currency: r.base, pipelineId: null, route: { name: 'settings' } };
    }
    case 'memberProfile': {
      const profiles = await call('memberProfiles.list', { limit: 200 });
      const p = profiles.items.find((x) => x.id === id);
      return p ? { ...none, label: <OwnerName owner={p.memberId} />, route: { name: 'settings' } } : null;
    }
    case 'savedView': {
      const v = await call('savedViews.get', { id });
      return { ...none, label: v.name, route: null };
    }
    default:
      return null;
  }
}

/** The subjects of every conflict's record, by record id (one read per record). */
export async function loadSubjects(conflicts: readonly Conflict[]): Promise<Map<string, ConflictSubject>> {
  const records = new Map(conflicts.map((c) => [c.recordId, c.entity]));
  const read = await Promise.all(
    [...records].map(async ([id, entity]) => [id, await subjectOf(entity, id).catch(() => null)] as const),
  );
  return new Map(read.flatMap(([id, s]) => (s ? [[id, s] as const] : [])));
}
