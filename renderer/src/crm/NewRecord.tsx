import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { emailSchema, phoneSchema } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import type { duplicatesFindOutputSchema } from '../../../shared/ipc/channels/import.schemas';
import { call, errorInfo } from '../api';
import { i18n } from '../i18n/i18n';
import { useUiStore, type EntityKind } from '../ui.store';
import { createRecord } from './crm.data';
import { useDuplicateWarning } from './DuplicatesPanel';
import { useListsStore } from './lists.store';

type Match = z.infer<typeof duplicatesFindOutputSchema>['matches'][number];

/** What the form holds beside the name: one e-mail and one phone for a contact. */
interface Draft {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
}

const listFormat = (language: string) => new Intl.ListFormat(language, { style: 'narrow', type: 'unit' });

const EMPTY: Draft = { name: '', email: '', phone: '' };

/** The probe for duplicates.find: only values that are valid are sent (a half-typed e-mail is not). */
function probeOf(entity: EntityKind, draft: Draft): { name?: string; emails?: string[]; phones?: string[] } {
  const email = emailSchema.safeParse(draft.email);
  const phone = phoneSchema.safeParse(draft.phone);
  return {
    ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
    ...(entity === 'contact' && email.success ? { emails: [email.data] } : {}),
    ...(entity === 'contact' && phone.success ? { phones: [phone.data] } : {}),
  };
}

/**
 * The list's create form. For contacts and accounts it warns, while typing and again before saving,
 * when a record with the same normalised name (CJK-aware: "张 伟" is 张伟), e-mail or phone exists;
 * the rep opens the existing one or creates anyway.
 */
export function NewRecord({ entity, onError }: { entity: EntityKind; onError: (e: ErrorInfo) => void }) {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [busy, setBusy] = useState(false);
  // The matches found at the last save attempt: saving again creates anyway.
  const [held, setHeld] = useState<Match[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const id = useId();
  const kind = entity === 'contact' || entity === 'account' ? entity : null;
  const probe = probeOf(entity, draft);
  const live = useDuplicateWarning(kind ?? 'contact', kind ? probe : {});
  const matches = held ?? live;

  const edit = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setHeld(null);
    setMessage(null);
  };

  const create = async () => {
    setBusy(true);
    try {
      const email = draft.email.trim();
      const phone = draft.phone.trim();
      const record = await createRecord(entity, draft.name.trim(), {
        ...(entity === 'contact' && email ? { emails: [email] } : {}),
        ...(entity === 'contact' && phone ? { phones: [phone] } : {}),
      });
      setDraft(EMPTY);
      setHeld(null);
      void useListsStore.getState().reload(entity);
      navigate({ name: 'record', entity, id: record.id });
    } catch (e) {
      onError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (draft.name.trim() === '') return;
    if (entity === 'contact') {
      if (draft.email.trim() && !emailSchema.safeParse(draft.email).success)
        return setMessage(t('record.badEmail'));
      if (draft.phone.trim() && !phoneSchema.safeParse(draft.phone).success)
        return setMessage(t('record.badPhone'));
    }
    if (kind && held === null) {
      // Checked again at save time: the live warning is debounced and may not have answered yet.
      setBusy(true);
      let found: Match[] = [];
      try {
        found = (await call('duplicates.find', { entity: kind, ...probe })).matches;
      } catch {
        // A failed check does not block creating; the record page's duplicates panel checks again.
      } finally {
        setBusy(false);
      }
      if (found.length > 0) return setHeld(found);
    }
    await create();
  };

  const label = t('record.newTitle', { entity: t(`entity.${entity}`) });
  return (
    <form className="new-record" onSubmit={(e) => void submit(e)} aria-label={label}>
      <div className="row">
        <label htmlFor={id} className="sr-only">
          {label}
        </label>
        <input
          id={id}
          value={draft.name}
          placeholder={label}
          onChange={(e) => edit({ name: e.target.value })}
          data-testid="new-name"
        />
        {entity === 'contact' && (
          <>
            <label htmlFor={`${id}-email`} className="sr-only">
              {t('fields.emails')}
            </label>
            <input
              id={`${id}-email`}
              type="email"
              className="narrow"
              value={draft.email}
              placeholder={t('fields.emails')}
              onChange={(e) => edit({ email: e.target.value })}
              data-testid="new-email"
            />
            <label htmlFor={`${id}-phone`} className="sr-only">
              {t('fields.phones')}
            </label>
            <input
              id={`${id}-phone`}
              type="tel"
              className="narrow"
              value={draft.phone}
              placeholder={t('fields.phones')}
              onChange={(e) => edit({ phone: e.target.value })}
              data-testid="new-phone"
            />
          </>
        )}
        <button
          type="submit"
          className="primary"
          disabled={busy || draft.name.trim() === ''}
          data-testid="new-create"
        >
          {held ? t('workday.createAnyway') : t('lists.new')}
        </button>
      </div>
      {message && (
        <p className="field-error" role="alert">
          {message}
        </p>
      )}
      {matches.length > 0 && (
        <div className="notice" role={held ? 'alert' : 'status'} data-testid="new-duplicates">
          <p>
            {t('merge.warnCreate', { names: listFormat(i18n.language).format(matches.map((m) => m.name)) })}
          </p>
          <ul className="plain">
            {matches.slice(0, 5).map((m) => (
              <li key={m.id} className="row">
                <span>
                  {m.name} <span className="muted">({m.by.map((b) => t(`merge.by.${b}`)).join(', ')})</span>
                </span>
                <button
                  type="button"
                  className="link"
                  onClick={() => kind && navigate({ name: 'record', entity: kind, id: m.id })}
                  data-testid="new-open-existing"
                >
                  {t('workday.openExisting')}
                </button>
              </li>
            ))}
          </ul>
          {held && (
            <button type="button" onClick={() => setHeld(null)} data-testid="new-dup-cancel">
              {t('common.cancel')}
            </button>
          )}
        </div>
      )}
    </form>
  );
}
