import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { OwnerName } from '../people/OwnerName';
import { memberFields } from './fields';
import { composing } from '../keys';

type Kind = 'contact' | 'account';
type Rec = Record<string, unknown> & { id: string; name: string };

/** Fields a person chooses between (lists such as e-mails, phones and tags are always combined). */
const CHOICES: Record<Kind, readonly string[]> = {
  contact: ['name', 'givenName', 'familyName', 'title', 'accountId', 'ownerId', 'address', 'notes'],
  account: ['name', 'domain', 'industry', 'phone', 'address', 'ownerId'],
};
const COMBINED: Record<Kind, readonly string[]> = {
  contact: ['emails', 'phones', 'tags'],
  account: ['tags'],
};

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return Object.values(value).filter(Boolean).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function load(kind: Kind, id: string): Promise<Rec> {
  return kind === 'contact' ? call('contacts.get', { id }) : call('accounts.get', { id });
}

/**
 * Merges `fromId` into `intoId` field by field: each differing field shows both values and the
 * person picks one; lists are combined; activities, tasks and deals move to the kept record. Main
 * does it in one transaction through the change writer, so the merge syncs.
 */
export function MergeDialog(props: {
  kind: Kind;
  intoId: string;
  fromId: string;
  onClose: (merged: boolean) => void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [into, setInto] = useState<Rec | null>(null);
  const [from, setFrom] = useState<Rec | null>(null);
  const [take, setTake] = useState<Set<string>>(new Set());
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);
  // The accounts the two contacts belong to, by name (a choice between two ids says nothing).
  const [accounts, setAccounts] = useState<ReadonlyMap<string, string>>(new Map());

  useEffect(() => {
    let live = true;
    Promise.all([load(props.kind, props.intoId), load(props.kind, props.fromId)]).then(
      ([a, b]) => {
        if (!live) return;
        setInto(a);
        setFrom(b);
        // Blank fields of the kept record take the other's value unless the person says otherwise.
        setTake(new Set(CHOICES[props.kind].filter((f) => show(a[f]) === '—' && show(b[f]) !== '—')));
        const ids = [a.accountId, b.accountId].filter((x): x is string => typeof x === 'string');
        void Promise.all(
          ids.map((accountId) =>
            call('accounts.get', { id: accountId }).then(
              (account) => [accountId, account.name] as const,
              () => null,
            ),
          ),
        ).then((named) => {
          if (live) setAccounts(new Map(named.filter((n) => n !== null)));
        });
      },
      (e: unknown) => live && setError(errorInfo(e)),
    );
    return () => {
      live = false;
    };
  }, [props.kind, props.intoId, props.fromId]);

  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input, button')?.focus();
  }, [into]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await call('records.merge', {
        entity: props.kind,
        intoId: props.intoId,
        fromId: props.fromId,
        take: [...take],
      });
      props.onClose(true);
    } catch (e) {
      setError(errorInfo(e));
      setBusy(false);
    }
  };

  // A field's value as a person reads it: a member by name, an account by name, the rest as text.
  const shownValue = (record: Rec, f: string): ReactNode => {
    const text = show(record[f]);
    if (memberFields.has(f) && record[f]) return <OwnerName owner={text} />;
    if (f === 'accountId') return accounts.get(text) ?? text;
    return text;
  };
  const differing = into && from ? CHOICES[props.kind].filter((f) => show(into[f]) !== show(from[f])) : [];
  return (
    <div className="overlay" role="presentation" onMouseDown={() => props.onClose(false)}>
      <form
        ref={formRef}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-h`}
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && !composing(e) && props.onClose(false)}
        onSubmit={(e) => void submit(e)}
        data-testid="merge-dialog"
      >
        <h2 id={`${id}-h`}>{t('merge.title')}</h2>
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
        {into && from && (
          <>
            <p className="muted">{t('merge.intro', { kept: into.name, other: from.name })}</p>
            {differing.length === 0 ? (
              <p>{t('merge.same')}</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('merge.field')}</th>
                    <th scope="col">{t('merge.keep')}</th>
                    <th scope="col">{t('merge.takeOther')}</th>
                  </tr>
                </thead>
                <tbody>
                  {differing.map((f) => (
                    <tr key={f}>
                      <th scope="row">{t(`fields.${f}`)}</th>
                      {[false, true].map((fromOther) => (
                        <td key={String(fromOther)}>
                          <label className="row">
                            <input
                              type="radio"
                              name={`${id}-${f}`}
                              data-testid={`merge-${f}-${fromOther ? 'other' : 'keep'}`}
                              checked={take.has(f) === fromOther}
                              onChange={() =>
                                setTake((s) => {
                                  const next = new Set(s);
                                  if (fromOther) next.add(f);
                                  else next.delete(f);
                                  return next;
                                })
                              }
                            />
                            {shownValue(fromOther ? from : into, f)}
                          </label>
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="muted">
              {t('merge.combined', {
                fields: new Intl.ListFormat(i18n.language || 'en').format(
                  COMBINED[props.kind].map((f) => t(`fields.${f}`)),
                ),
              })}
            </p>
            {props.kind === 'contact' && (
              <p className="muted" data-testid="merge-consent">
                {t('merge.consent')}
              </p>
            )}
          </>
        )}
        <div className="row">
          <button
            type="submit"
            className="primary"
            disabled={!into || !from || busy}
            data-testid="merge-confirm"
          >
            {t('merge.confirm')}
          </button>
          <button type="button" onClick={() => props.onClose(false)}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
