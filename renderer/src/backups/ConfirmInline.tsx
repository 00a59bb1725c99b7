import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { afterCommit, focusLost } from '../focus';

/**
 * An inline "are you sure?" row: the question, a danger button that does it and a cancel button.
 * `children` follow the buttons (e.g. the restore's old-code field). Cancel has focus while it is
 * open (the safe answer is one Enter away, the harmful one a deliberate move); once it closes,
 * focus goes to the first control that takes its place instead of falling to <body>.
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
  const group = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    const host = group.current?.parentElement ?? null;
    return () =>
      afterCommit(() => {
        if (focusLost() && host?.isConnected)
          host.querySelector<HTMLElement>('button, input, select')?.focus();
      });
  }, []);
  return (
    <span ref={group} className="row" role="group" aria-label={props.label}>
      <span>{props.question}</span>
      <button type="button" className="danger" disabled={props.busy} onClick={props.onYes}>
        {props.yes}
      </button>
      <button type="button" autoFocus onClick={props.onCancel}>
        {t('settings.cancel')}
      </button>
      {props.children}
    </span>
  );
}
