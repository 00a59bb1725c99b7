import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dealContactRoleSchema, type Contact, type Deal } from '../../../shared/domain/crm.schemas';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { RecordPicker } from '../components/RecordPicker';
import { ErrorMessage } from '../errors';
import { formatDate } from '../format';
import { useUiStore } from '../ui.store';
import { lostReasons } from './deal.reasons';
import { stageLabel, usePipelinesStore } from './pipelines.store';
import { noteLocalChange } from './records.events';

type Role = Deal['contactRoles'][string];

/**
 * A deal's stage and status: change the stage, mark it won or lost (a lost reason from the
 * pipeline's list, or typed), reopen a closed deal; and its contacts with the role each plays.
 */
export function DealPanel({
  deal,
  contacts,
  onSaved,
}: {
  deal: Deal;
  contacts: Contact[];
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const pipeline = pipelines?.find((p) => p.id === deal.pipelineId);
  const [closing, setClosing] = useState<'won' | 'lost' | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const save = async (run: () => Promise<unknown>) => {
    try {
      await run();
      noteLocalChange('deal', [deal.id]);
      setError(null);
      onSaved();
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  // Contacts and roles are whole lists: two changes made before the page re-reads the deal must
  // each start from the other's result, or the second writes back the list the first changed.
  // So changes run one after another, each from the newest deal main answered with.
  const latest = useRef(deal);
  const queue = useRef<Promise<void>>(Promise.resolve());
  useEffect(() => {
    if (deal.id !== latest.current.id || deal.updatedAt >= latest.current.updatedAt) latest.current = deal;
  }, [deal]);
  const change = (next: (current: Deal) => Partial<Deal>) => {
    const run = queue.current.then(() =>
      save(async () => {
        latest.current = await call('deals.update', { id: deal.id, patch: next(latest.current) });
      }),
    );
    queue.current = run;
    return run;
  };
  const patch = (p: Partial<Deal>) => change(() => p);
  const reasons = lostReasons(pipeline, t);
  const setRole = (contactId: string, role: Role | '') =>
    change((current) => {
      const roles = { ...current.contactRoles };
      if (role === '') delete roles[contactId];
      else roles[contactId] = role;
      return { contactRoles: roles };
    });
  const removeContact = (contactId: string) =>
    change((current) => {
      const roles = { ...current.contactRoles };
      delete roles[contactId];
      return { contactIds: current.contactIds.filter((c) => c !== contactId), contactRoles: roles };
    });
  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="deal-panel">
      <h2 id={`${id}-h`}>{t('deal.progress')}</h2>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="row wrap">
        <div className="field compact">
          <label htmlFor={`${id}-stage`}>{t('deal.stage')}</label>
          <select
            id={`${id}-stage`}
            value={deal.stageId}
            onChange={(e) =>
              void save(() => call('deals.move', { id: deal.id, stageId: e.target.value, index: 1_000_000 }))
            }
            data-testid="deal-stage-select"
          >
            {(pipeline?.stages ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {stageLabel(deal.pipelineId, s, t)}
              </option>
            ))}
          </select>
        </div>
        <p className="muted" data-testid="deal-status">
          {t(`dealStatus.${deal.status}`)}
          {deal.statusReason ? ` · ${deal.statusReason}` : ''}
          {deal.status === 'open' && deal.stageChangedAt !== null
            ? ` · ${t('deal.inStageSince', { when: formatDate(deal.stageChangedAt) })}`
            : ''}
        </p>
        {deal.status === 'open' ? (
          <>
            <button type="button" onClick={() => setClosing('won')} data-testid="deal-won">
              {t('board.markWon')}
            </button>
            <button type="button" onClick={() => setClosing('lost')} data-testid="deal-lost">
              {t('board.markLost')}
            </button>
          </>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => void patch({ status: 'open', statusReason: null })}
            data-testid="deal-reopen"
          >
            {t('deal.reopen')}
          </button>
        )}
      </div>
      {closing && (
        <form
          className="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            const text = reason.trim();
            void patch({ status: closing, statusReason: text === '' ? null : text }).then(() => {
              setClosing(null);
              setReason('');
            });
          }}
        >
          <div className="field compact grow">
            <label htmlFor={`${id}-reason`}>{t('board.reason')}</label>
            <input
              id={`${id}-reason`}
              list={closing === 'lost' ? `${id}-reasons` : undefined}
              value={reason}
              autoFocus
              onChange={(e) => setReason(e.target.value)}
              data-testid="deal-reason"
            />
            {closing === 'lost' && (
              <datalist id={`${id}-reasons`}>
                {reasons.map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
            )}
          </div>
          {closing === 'lost' && (
            <div className="row wrap" role="group" aria-label={t('deal.commonReasons')}>
              {reasons.map((r) => (
                <button key={r} type="button" className="chip" onClick={() => setReason(r)} data-reason={r}>
                  {r}
                </button>
              ))}
            </div>
          )}
          <button type="submit" className="primary" data-testid="deal-close-confirm">
            {closing === 'won' ? t('board.markWon') : t('board.markLost')}
          </button>
          <button type="button" onClick={() => setClosing(null)}>
            {t('record.cancel')}
          </button>
        </form>
      )}
      <h3>{t('record.contacts')}</h3>
      {contacts.length === 0 ? (
        <p className="muted">{t('record.none')}</p>
      ) : (
        <ul className="plain-list" data-testid="deal-contacts">
          {contacts.map((c) => (
            <li key={c.id} data-contact={c.name}>
              <button
                type="button"
                className="link"
                onClick={() => navigate({ name: 'record', entity: 'contact', id: c.id })}
              >
                {c.name}
              </button>
              <select
                aria-label={t('deal.roleOf', { name: c.name })}
                value={deal.contactRoles[c.id] ?? ''}
                onChange={(e) =>
                  void setRole(c.id, e.target.value === '' ? '' : dealContactRoleSchema.parse(e.target.value))
                }
                data-testid="contact-role"
              >
                <option value="">{t('deal.noRole')}</option>
                {dealContactRoleSchema.options.map((r) => (
                  <option key={r} value={r}>
                    {t(`deal.roles.${r}`)}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="link danger"
                onClick={() => void removeContact(c.id)}
                aria-label={`${t('day.remove')} · ${c.name}`}
              >
                {t('day.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {deal.contactIds.length < 50 && (
        <RecordPicker
          entity="contact"
          label={t('deal.addContact')}
          exclude={deal.contactIds}
          onPick={(c) =>
            void change((current) => ({
              contactIds: current.contactIds.includes(c.id)
                ? current.contactIds
                : [...current.contactIds, c.id],
            }))
          }
          testId="deal-add-contact"
        />
      )}
    </section>
  );
}
