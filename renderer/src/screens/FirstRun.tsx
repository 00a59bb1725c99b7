import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../errors';
import { useVaultStore } from '../vault.store';

/** Splits a recovery code into the groups a person reads and writes down. */
export function codeGroups(code: string): string[] {
  return code.split(/[\s-]+/).filter((group) => group.length > 0);
}

function normalise(text: string): string {
  return text.replace(/[\s-]+/g, '').toUpperCase();
}

type Step =
  | { readonly name: 'welcome' }
  | { readonly name: 'code'; readonly code: string; readonly group: number }
  | { readonly name: 'confirm'; readonly code: string; readonly group: number };

/**
 * First run: create the vault, show the recovery code once, and make the user prove they wrote it
 * down by typing one group back. The code lives only in this component's state and is dropped after.
 */
export function FirstRun() {
  const { t } = useTranslation();
  const { setup, busy, error, clearError, finishOnboarding } = useVaultStore();
  const [step, setStep] = useState<Step>({ name: 'welcome' });
  const [typed, setTyped] = useState('');
  const [wrong, setWrong] = useState(false);
  const inputId = useId();

  const create = async () => {
    const code = await setup();
    if (code === null) return;
    const groups = codeGroups(code);
    // Ask for a group other than the first, so copying the beginning is not enough.
    const group = groups.length > 1 ? 2 + Math.floor(Math.random() * (groups.length - 1)) : 1;
    setStep({ name: 'code', code, group });
  };

  const confirm = (event: FormEvent) => {
    event.preventDefault();
    if (step.name !== 'confirm') return;
    const expected = codeGroups(step.code)[step.group - 1] ?? '';
    if (normalise(typed) === normalise(expected) && expected !== '') {
      setStep({ name: 'welcome' });
      setTyped('');
      finishOnboarding();
    } else {
      setWrong(true);
    }
  };

  return (
    <main className="centered" id="main">
      <section className="card wide" aria-labelledby="first-run-title">
        {step.name === 'welcome' && (
          <>
            <h1 id="first-run-title">{t('firstRun.title')}</h1>
            <p>{t('firstRun.intro')}</p>
            <ErrorMessage error={error} onDismiss={clearError} />
            <button
              type="button"
              className="primary"
              onClick={() => void create()}
              disabled={busy}
              data-testid="create-vault"
            >
              {busy ? t('firstRun.creating') : t('firstRun.create')}
            </button>
          </>
        )}
        {step.name === 'code' && (
          <>
            <h1 id="first-run-title">{t('firstRun.codeTitle')}</h1>
            <p>{t('firstRun.codeIntro')}</p>
            <figure className="recovery-code">
              <figcaption>{t('firstRun.codeLabel')}</figcaption>
              <ol className="code-groups" data-testid="recovery-code">
                {codeGroups(step.code).map((group, index) => (
                  <li key={index} data-group={index + 1}>
                    {group}
                  </li>
                ))}
              </ol>
            </figure>
            <button
              type="button"
              className="primary"
              onClick={() => setStep({ name: 'confirm', code: step.code, group: step.group })}
              data-testid="code-written"
            >
              {t('firstRun.written')}
            </button>
          </>
        )}
        {step.name === 'confirm' && (
          <form onSubmit={confirm}>
            <h1 id="first-run-title">{t('firstRun.confirmTitle')}</h1>
            <p>{t('firstRun.confirmIntro', { group: step.group })}</p>
            <div className="field">
              <label htmlFor={inputId}>{t('firstRun.confirmLabel', { group: step.group })}</label>
              <input
                id={inputId}
                value={typed}
                autoComplete="off"
                spellCheck={false}
                autoFocus
                data-testid="confirm-group"
                data-group={step.group}
                aria-invalid={wrong}
                aria-describedby={wrong ? `${inputId}-err` : undefined}
                onChange={(event) => {
                  setTyped(event.target.value);
                  setWrong(false);
                }}
              />
              {wrong && (
                <p id={`${inputId}-err`} className="field-error" role="alert">
                  {t('firstRun.confirmWrong', { group: step.group })}
                </p>
              )}
            </div>
            <div className="row">
              <button type="submit" className="primary" data-testid="confirm-code">
                {t('firstRun.confirm')}
              </button>
              <button
                type="button"
                onClick={() => setStep({ name: 'code', code: step.code, group: step.group })}
              >
                {t('firstRun.back')}
              </button>
            </div>
          </form>
        )}
      </section>
    </main>
  );
}
