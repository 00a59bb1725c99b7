import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * An inline "are you sure?" row: the question, a danger button that does it and a cancel button.
 * `children` follow the buttons (e.g. the restore's old-code field).
 */
export function ConfirmInline(props: {
  label: string;
  question: ReactNode;
  yes: string;
  busy: boolean;
  onYes: () => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <span className="row" role="group" aria-label={props.label}>
      <span>{props.question}</span>
      <button type="button" className="danger" disabled={props.busy} onClick={props.onYes}>
        {props.yes}
      </button>
      <button type="button" onClick={props.onCancel}>
        {t('settings.cancel')}
      </button>
      {props.children}
    </span>
  );
}
