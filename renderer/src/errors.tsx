import { useTranslation } from 'react-i18next';
import type { ErrorCode, ErrorInfo } from '../../shared/errors';

/** The i18n key of the human message for an error code. Raw codes and stacks are never shown. */
export function errorKey(code: ErrorCode): `errors.${ErrorCode}` {
  return `errors.${code}`;
}

/** A dismissible alert with the human message for an API error. */
export function ErrorMessage(props: {
  error: ErrorInfo | null;
  onDismiss?: () => void;
  /** A message for this context that says more than the code's generic one. */
  message?: string;
}) {
  const { t } = useTranslation();
  if (!props.error) return null;
  return (
    <div role="alert" className="alert" data-testid="error" data-code={props.error.code}>
      <span>{props.message ?? t(errorKey(props.error.code))}</span>
      {props.onDismiss && (
        <button type="button" className="link" onClick={props.onDismiss}>
          {t('common.dismiss')}
        </button>
      )}
    </div>
  );
}
