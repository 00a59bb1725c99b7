import { useId, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatDate } from '../format';

/** Splits a recovery code into the groups a person reads and writes down. */
export function codeGroups(code: string): string[] {
  return code.split(/[\s-]+/).filter((group) => group.length > 0);
}

function normalise(text: string): string {
  return text.replace(/[\s-]+/g, '').toUpperCase();
}

/** A group to type back, other than the first, so copying the beginning is not enough. */
export function groupToConfirm(code: string): number {
  const groups = codeGroups(code);
  return groups.length > 1 ? 2 + Math.floor(Math.random() * (groups.length - 1)) : 1;
}

/**
 * The sheet `window.print()` prints: a sibling of the app root (a portal), so the print stylesheet
 * hides the whole app (navigation, status bar, buttons) and prints only the code and what it is for.
 */
function PrintSheet({ code }: { code: string }) {
  const { t } = useTranslation();
  const [shownAt] = useState(() => Date.now());
  return createPortal(
    <section className="print-sheet" data-testid="recovery-print" aria-hidden="true">
      <h1>{t('recovery.printTitle')}</h1>
      <p>{t('recovery.printIntro')}</p>
      <ol className="code-groups">
        {codeGroups(code).map((group, index) => (
          <li key={index}>{group}</li>
        ))}
      </ol>
      <p className="print-date">{t('recovery.printDate', { date: formatDate(shownAt) })}</p>
    </section>,
    document.body,
  );
}

function CodeView(props: { code: string; headingId: string; level: 1 | 2; onWritten: () => void }) {
  const { t } = useTranslation();
  const Heading = props.level === 2 ? 'h2' : 'h1';
  const [copied, setCopied] = useState<'yes' | 'refused' | null>(null);
  const manualId = useId();
  const groups = codeGroups(props.code);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(groups.join('-'));
      setCopied('yes');
    } catch {
      // Clipboard refused (permissions): the code is offered selected in a field to copy by hand.
      setCopied('refused');
    }
  };
  return (
    <>
      <Heading id={props.headingId}>{t('firstRun.codeTitle')}</Heading>
      <p>{t('firstRun.codeIntro')}</p>
      <figure className="recovery-code">
        <figcaption>{t('firstRun.codeLabel')}</figcaption>
        <ol className="code-groups" data-testid="recovery-code">
          {groups.map((group, index) => (
            <li key={index} data-group={index + 1}>
              {group}
            </li>
          ))}
        </ol>
      </figure>
      <div className="row recovery-actions">
        <button type="button" onClick={() => void copy()} data-testid="recovery-copy">
          {t('recovery.copy')}
        </button>
        <button type="button" onClick={() => window.print()} data-testid="recovery-print-button">
          {t('recovery.print')}
        </button>
        {copied === 'yes' && (
          <span className="muted" role="status" data-testid="recovery-copied">
            {t('recovery.copied')}
          </span>
        )}
      </div>
      {copied === 'refused' && (
        <div className="field">
          <label htmlFor={manualId}>{t('recovery.copyRefused')}</label>
          <input
            id={manualId}
            readOnly
            autoFocus
            value={groups.join('-')}
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
      )}
      <p className="muted">{t('recovery.copyWarning')}</p>
      <button type="button" className="primary" onClick={props.onWritten} data-testid="code-written">
        {t('firstRun.written')}
      </button>
      <PrintSheet code={props.code} />
    </>
  );
}

/**
 * Shows a recovery code (with copy and print), then asks for one group back. Once it matches, main
 * records the confirmation (`vault.confirmRecoveryCode`), so a reload before that resumes here.
 * The code lives only in the caller's state and this component's, never in a store.
 */
export function RecoveryCodeSteps(props: {
  code: string;
  headingId: string;
  /** 1 on a gate screen, 2 inside a Settings panel. */
  level: 1 | 2;
  onConfirmed: () => void;
}) {
  const { t } = useTranslation();
  const Heading = props.level === 2 ? 'h2' : 'h1';
  const [step, setStep] = useState<'code' | 'confirm'>('code');
  const [group] = useState(() => groupToConfirm(props.code));
  const [typed, setTyped] = useState('');
  const [wrong, setWrong] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const inputId = useId();

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const expected = codeGroups(props.code)[group - 1] ?? '';
    if (normalise(typed) !== normalise(expected) || expected === '') {
      setWrong(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call('vault.confirmRecoveryCode');
      setTyped('');
      props.onConfirmed();
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };

  if (step === 'code') {
    return (
      <CodeView
        code={props.code}
        headingId={props.headingId}
        level={props.level}
        onWritten={() => setStep('confirm')}
      />
    );
  }
  return (
    <form onSubmit={(event) => void confirm(event)}>
      <Heading id={props.headingId}>{t('firstRun.confirmTitle')}</Heading>
      <p>{t('firstRun.confirmIntro', { group })}</p>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      <div className="field">
        <label htmlFor={inputId}>{t('firstRun.confirmLabel', { group })}</label>
        <input
          id={inputId}
          value={typed}
          autoComplete="off"
          spellCheck={false}
          autoFocus
          data-testid="confirm-group"
          data-group={group}
          aria-invalid={wrong}
          aria-describedby={wrong ? `${inputId}-err` : undefined}
          onChange={(event) => {
            setTyped(event.target.value);
            setWrong(false);
          }}
        />
        {wrong && (
          <p id={`${inputId}-err`} className="field-error" role="alert">
            {t('firstRun.confirmWrong', { group })}
          </p>
        )}
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={busy} data-testid="confirm-code">
          {t('firstRun.confirm')}
        </button>
        <button type="button" onClick={() => setStep('code')}>
          {t('firstRun.back')}
        </button>
      </div>
    </form>
  );
}
