import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { errorInfo } from '../api';
import { useUndoStore } from '../crm/undo.store';
import { ErrorMessage } from '../errors';

/**
 * The undo offer of the last delete: stays until undone, dismissed or replaced by the next one. A
 * new offer takes focus: the row whose Delete had it is gone, and Undo is the next thing to do.
 */
export function UndoToast() {
  const { t } = useTranslation();
  const current = useUndoStore((s) => s.current);
  const dismiss = useUndoStore((s) => s.dismiss);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const undoButton = useRef<HTMLButtonElement>(null);
  const offer = current?.id ?? null;
  useEffect(() => {
    if (offer !== null) undoButton.current?.focus();
  }, [offer]);
  if (!current) return null;
  const undo = async () => {
    try {
      await current.undo();
      dismiss();
      setError(null);
    } catch (e) {
      setError(errorInfo(e));
    }
  };
  return (
    <div className="toast" role="status" aria-live="polite" data-testid="undo-toast">
      <span>{current.message}</span>
      <button
        ref={undoButton}
        type="button"
        className="primary"
        onClick={() => void undo()}
        data-testid="undo"
      >
        {t('day.undo')}
      </button>
      <button type="button" className="link" onClick={dismiss} aria-label={t('day.dismiss')}>
        ×
      </button>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
    </div>
  );
}
