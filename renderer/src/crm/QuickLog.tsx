import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { RecordPicker } from '../components/RecordPicker';
import { ErrorMessage } from '../errors';
import { useSubmitOnce } from '../submit';
import { useUiStore } from '../ui.store';
import { noteLocalChange } from './records.events';
import { composing } from '../keys';

type Kind = 'call' | 'visit' | 'note';
const KEYS: Record<string, Kind> = { c: 'call', v: 'visit', n: 'note' };

type Target = { entity: 'account' | 'contact' | 'deal'; id: string; name?: string };

/**
 * Log a call, visit or note from anywhere: Alt+L opens, C/V/N picks the kind, type, Enter saves.
 * On a record page the entry links to that record; anywhere else it asks which record it is about
 * (an entry no screen shows would be lost to the rep).
 */
export function QuickLog() {
  const { t } = useTranslation();
  const route = useUiStore((s) => s.route);
  const setQuickLog = useUiStore((s) => s.setQuickLog);
  const [kind, setKind] = useState<Kind | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const dialogRef = useRef<HTMLFormElement>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const onRecord: Target | null = route.name === 'record' ? { entity: route.entity, id: route.id } : null;
  const [picked, setPicked] = useState<Target | null>(null);
  const [pickEntity, setPickEntity] = useState<Target['entity']>('account');
  const target = onRecord ?? picked;

  useEffect(() => {
    dialogRef.current?.querySelector<HTMLElement>('[data-kind]')?.focus();
  }, []);
  useEffect(() => {
    if (kind) textRef.current?.focus();
  }, [kind]);

  const [busy, once] = useSubmitOnce();
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!kind || text.trim() === '' || !target) return;
    await once(async () => {
      try {
        const activity = await call('activities.create', {
          kind,
          occurredAt: Date.now(),
          body: text,
          ...(target.entity === 'account' ? { accountId: target.id } : {}),
          ...(target.entity === 'contact' ? { contactId: target.id } : {}),
          ...(target.entity === 'deal' ? { dealId: target.id } : {}),
        });
        setQuickLog(false);
        // The screen under the dialog shows it without waiting for main's event.
        noteLocalChange('activity', [activity.id]);
      } catch (e) {
        setError(errorInfo(e));
      }
    });
  };

  const onKey = (event: KeyboardEvent) => {
    if (composing(event)) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      setQuickLog(false);
      return;
    }
    const key = KEYS[event.key.toLowerCase()];
    // Letters typed into the record search are a name, not a kind.
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (!kind && key && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      setKind(key);
    }
  };

  return (
    <div className="overlay" role="presentation" onMouseDown={() => setQuickLog(false)}>
      <form
        ref={dialogRef}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-h`}
        onKeyDown={onKey}
        onMouseDown={(e) => e.stopPropagation()}
        onSubmit={(e) => void save(e)}
        data-testid="quicklog"
      >
        <h2 id={`${id}-h`}>{t('quickLog.title')}</h2>
        <p className="muted">{t('quickLog.intro')}</p>
        <ErrorMessage error={error} onDismiss={() => setError(null)} />
        <div className="row" role="radiogroup" aria-label={t('record.kind')}>
          {(['call', 'visit', 'note'] as const).map((k) => (
            <button
              key={k}
              type="button"
              role="radio"
              aria-checked={kind === k}
              className={kind === k ? 'primary' : undefined}
              data-kind={k}
              onClick={() => setKind(k)}
            >
              {t(`kinds.${k}`)} ({k.charAt(0).toUpperCase()})
            </button>
          ))}
        </div>
        <div className="field wide">
          <label htmlFor={`${id}-text`}>{t('quickLog.text')}</label>
          <textarea
            id={`${id}-text`}
            ref={textRef}
            value={text}
            disabled={!kind}
            data-testid="quicklog-text"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !composing(e)) {
                e.preventDefault();
                void save();
              }
            }}
          />
        </div>
        {!onRecord && (
          <div className="row wrap" data-testid="quicklog-target">
            {picked ? (
              <p>
                {t(`entity.${picked.entity}`)}: <strong>{picked.name}</strong>{' '}
                <button type="button" className="link" onClick={() => setPicked(null)}>
                  {t('day.remove')}
                </button>
              </p>
            ) : (
              <>
                <div className="field compact">
                  <label htmlFor={`${id}-entity`}>{t('quickLog.about')}</label>
                  <select
                    id={`${id}-entity`}
                    value={pickEntity}
                    onChange={(e) =>
                      setPickEntity(
                        e.target.value === 'contact'
                          ? 'contact'
                          : e.target.value === 'deal'
                            ? 'deal'
                            : 'account',
                      )
                    }
                  >
                    {(['account', 'contact', 'deal'] as const).map((k) => (
                      <option key={k} value={k}>
                        {t(`entity.${k}`)}
                      </option>
                    ))}
                  </select>
                </div>
                <RecordPicker
                  key={pickEntity}
                  entity={pickEntity}
                  label={t(`entity.${pickEntity}`)}
                  onPick={(r) => setPicked({ entity: pickEntity, id: r.id, name: r.name })}
                  testId="quicklog-pick"
                />
              </>
            )}
          </div>
        )}
        <div className="row">
          <button
            type="submit"
            className="primary"
            aria-busy={busy}
            disabled={!kind || text.trim() === '' || !target}
          >
            {t('quickLog.save')}
          </button>
          <button type="button" onClick={() => setQuickLog(false)}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
