import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { lostReasons } from './deal.reasons';
import { pipelineLabel, usePipelinesStore } from './pipelines.store';

/**
 * Settings section: the lost reasons each pipeline offers (one per line). Stored on the pipeline
 * record, so the list syncs to the team; an empty list falls back to the built-in reasons.
 */
export function LostReasonsSettings() {
  const { t } = useTranslation();
  const pipelines = usePipelinesStore((s) => s.pipelines);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  /** What the user typed for one pipeline; until then the pipeline's stored list is shown. */
  const [draft, setDraft] = useState<{ pipelineId: string; text: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  useEffect(() => {
    void usePipelinesStore
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  const current = pipelines?.find((p) => p.id === (pipelineId ?? pipelines[0]?.id)) ?? null;
  const text =
    current && draft?.pipelineId === current.id
      ? draft.text
      : current
        ? lostReasons(current, t).join('\n')
        : '';
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!current) return;
    const reasons = [
      ...new Set(
        text
          .split('\n')
          .map((r) => r.trim())
          .filter(Boolean),
      ),
    ].slice(0, 30);
    try {
      await call('pipelines.update', { id: current.id, patch: { lostReasons: reasons } });
      await usePipelinesStore.getState().reload();
      setSaved(true);
      setError(null);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <form
      className="panel"
      onSubmit={(e) => void save(e)}
      aria-labelledby={`${id}-h`}
      data-testid="lost-reasons"
    >
      <h2 id={`${id}-h`}>{t('deal.lostReasonsTitle')}</h2>
      <p className="muted">{t('deal.lostReasonsIntro')}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {pipelines && pipelines.length > 1 && (
        <div className="field">
          <label htmlFor={`${id}-p`}>{t('board.selectPipeline')}</label>
          <select id={`${id}-p`} value={current?.id ?? ''} onChange={(e) => setPipelineId(e.target.value)}>
            {pipelines.map((p) => (
              <option key={p.id} value={p.id}>
                {pipelineLabel(p, t)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field wide">
        <label htmlFor={`${id}-r`}>{t('deal.lostReasonsLabel')}</label>
        <textarea
          id={`${id}-r`}
          value={text}
          onChange={(e) => {
            if (current) setDraft({ pipelineId: current.id, text: e.target.value });
            setSaved(false);
          }}
          data-testid="lost-reasons-text"
        />
      </div>
      <div className="row">
        <button type="submit" className="primary" data-testid="lost-reasons-save">
          {t('record.save')}
        </button>
        {saved && (
          <span role="status" className="ok">
            {t('record.saved')}
          </span>
        )}
      </div>
    </form>
  );
}
