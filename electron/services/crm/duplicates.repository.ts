import type { Db } from '../db/database';

/** A live contact or account as the duplicate checks read it. */
export interface DupeRow {
  readonly id: string;
  readonly name: string;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
}

/** A record that points at a contact or account (what a merge re-links). */
export interface Referrer {
  readonly entity: 'contact' | 'deal' | 'activity' | 'task';
  readonly id: string;
}

function jsonList(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** SQL of duplicate checks and merges (read only; writes go through the change writer). */
export class DuplicatesRepository {
  constructor(private readonly db: Db) {}

  /** Every live contact's name, e-mails and phones. */
  *contacts(): Generator<DupeRow> {
    const rows = this.db
      .prepare('SELECT id, name, emails, phones FROM crm_contacts WHERE deleted_at IS NULL')
      .iterate() as Iterable<{ id: string; name: string; emails: string; phones: string }>;
    for (const r of rows)
      yield { id: r.id, name: r.name, emails: jsonList(r.emails), phones: jsonList(r.phones) };
  }

  /** Every live account's name and phone. */
  *accounts(): Generator<DupeRow> {
    const rows = this.db
      .prepare('SELECT id, name, phone FROM crm_accounts WHERE deleted_at IS NULL')
      .iterate() as Iterable<{ id: string; name: string; phone: string | null }>;
    for (const r of rows) yield { id: r.id, name: r.name, emails: [], phones: r.phone ? [r.phone] : [] };
  }

  /** Live records that reference the contact or account `id`. */
  referrers(entity: 'contact' | 'account', id: string): Referrer[] {
    const out: Referrer[] = [];
    const add = (kind: Referrer['entity'], sql: string, params: unknown[]) => {
      for (const r of this.db.prepare(sql).all(...params) as { id: string }[])
        out.push({ entity: kind, id: r.id });
    };
    if (entity === 'contact') {
      add(
        'activity',
        `SELECT id FROM crm_activities WHERE deleted_at IS NULL AND (contact_id = ?
           OR EXISTS (SELECT 1 FROM json_each(attendee_ids) WHERE value = ?))`,
        [id, id],
      );
      add('task', 'SELECT id FROM crm_tasks WHERE deleted_at IS NULL AND contact_id = ?', [id]);
      add(
        'deal',
        'SELECT id FROM crm_deals WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM json_each(contact_ids) WHERE value = ?)',
        [id],
      );
    } else {
      add('contact', 'SELECT id FROM crm_contacts WHERE deleted_at IS NULL AND account_id = ?', [id]);
      add('deal', 'SELECT id FROM crm_deals WHERE deleted_at IS NULL AND account_id = ?', [id]);
      add('activity', 'SELECT id FROM crm_activities WHERE deleted_at IS NULL AND account_id = ?', [id]);
      add('task', 'SELECT id FROM crm_tasks WHERE deleted_at IS NULL AND account_id = ?', [id]);
    }
    return out;
  }
}
