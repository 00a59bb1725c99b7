import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deal } from '../../../shared/domain/crm.schemas';
import { useFocusBack } from '../focus';
import { composing } from '../keys';

/** Asks for the reason a deal is closed as won or lost, before the board moves it. */
export function CloseDialog(props: {
  deal: Deal;
  status: 'won' | 'lost';
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const id = useId();
  // The menu item that opened it is gone: focus goes back to the deal's card.
  useFocusBack(() => document.querySelector<HTMLElement>(`[data-deal="${CSS.escape(props.deal.id)}"]`));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onConfirm(reason);
  };
  return (
    <div className="overlay" role="presentation">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-h`}
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !composing(e)) props.onCancel();
        }}
      >
        <h2 id={`${id}-h`}>
          {t('board.reasonTitle', { deal: props.deal.name, status: t(`dealStatus.${props.status}`) })}
        </h2>
        <div className="field wide">
          <label htmlFor={id}>{t('board.reason')}</label>
          <textarea
            id={id}
            value={reason}
            autoFocus
            onChange={(e) => setReason(e.target.value)}
            data-testid="close-reason"
          />
        </div>
        <div className="row">
          <button type="submit" className="primary" data-testid="close-confirm">
            {t('board.confirm')}
          </button>
          <button type="button" onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
