import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppInfo } from '../../../shared/ipc/channels/app.channels';
import { languageSchema, themeSchema, type Theme } from '../../../shared/ipc/channels/settings.channels';
import { managedSettings } from '../../../shared/policy/policy.settings';
import { call } from '../api';
import { ErrorMessage } from '../errors';
import { usePolicy } from '../policy';
import { useSettingsStore } from '../settings.store';
import { CurrencySetting } from './CurrencySetting';
import { LostReasonsSettings } from '../crm/LostReasonsSettings';
import { CustomFieldsSettings } from '../crm/CustomFieldsSettings';
import { ReportingSettings } from '../reports/ReportingSettings';
import { RecoverySettings } from './RecoverySettings';
import { UnlockersPanel } from '../unlockers/UnlockersPanel';
import { SecurityLogLink } from '../security/AuditStatus';
import { BackupsPanel } from '../backups/BackupsPanel';
import { MembersSettings } from '../people/MembersSettings';

const LOCK_CHOICES: readonly number[] = [1, 5, 15, 30, 60, 0];

/** The label beside a field IT manages; the field itself is disabled and points here. */
function ManagedNote({ id, field }: { id: string; field: string }) {
  const { t } = useTranslation();
  return (
    <p id={id} className="muted" data-testid={`managed-${field}`}>
      {t('settings.managed')}
    </p>
  );
}

function ThemeLabel({ theme }: { theme: Theme }) {
  const { t } = useTranslation();
  if (theme === 'light') return <>{t('settings.themeLight')}</>;
  if (theme === 'dark') return <>{t('settings.themeDark')}</>;
  return <>{t('settings.themeSystem')}</>;
}

function About() {
  const { t } = useTranslation();
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    call('app.info').then(setInfo, () => setInfo(null));
  }, []);
  return (
    <section className="panel" aria-labelledby="about-title">
      <h2 id="about-title">{t('settings.aboutTitle')}</h2>
      {info && (
        <dl className="facts" data-testid="app-info">
          <dt>{t('fields.name')}</dt>
          <dd>{info.name}</dd>
          <dt>{t('settings.version')}</dt>
          <dd>{info.version}</dd>
          <dt>{t('settings.platform')}</dt>
          <dd>{info.platform}</dd>
        </dl>
      )}
    </section>
  );
}

/** Preferences, backup/restore, the recovery code and about. Language and theme apply at once, without a restart. */
export function SettingsScreen() {
  const { t } = useTranslation();
  const { settings, update, error } = useSettingsStore();
  const languageId = useId();
  const timeoutId = useId();
  const policy = usePolicy();
  const locked = new Set(managedSettings(policy?.managed ?? []));
  const timeoutLocked = locked.has('lockTimeoutMinutes');
  // IT may set a timeout the menu does not offer; show it rather than an empty select.
  const lockChoices = LOCK_CHOICES.includes(settings.lockTimeoutMinutes)
    ? LOCK_CHOICES
    : [settings.lockTimeoutMinutes, ...LOCK_CHOICES];
  return (
    <div className="screen" data-screen="settings">
      <h1>{t('settings.title')}</h1>
      <ErrorMessage error={error} onDismiss={() => useSettingsStore.setState({ error: null })} />
      {policy?.restricted && (
        <div role="alert" className="alert" data-testid="policy-invalid">
          <span>{t('settings.policyInvalid')}</span>
        </div>
      )}
      <section className="panel" aria-label={t('settings.title')}>
        <div className="field">
          <label htmlFor={languageId}>{t('settings.language')}</label>
          <select
            id={languageId}
            value={settings.language}
            data-testid="language"
            aria-describedby={`${languageId}-help`}
            onChange={(e) => void update({ language: languageSchema.parse(e.target.value) })}
          >
            {languageSchema.options.map((lang) => (
              <option key={lang} value={lang} lang={lang}>
                {t(`languages.${lang}`)}
              </option>
            ))}
          </select>
          <p id={`${languageId}-help`} className="muted">
            {t('settings.languageHelp')}
          </p>
        </div>
        <fieldset className="field">
          <legend>{t('settings.theme')}</legend>
          <div className="row">
            {themeSchema.options.map((theme) => (
              <label key={theme} className="choice">
                <input
                  type="radio"
                  name="theme"
                  value={theme}
                  checked={settings.theme === theme}
                  data-testid={`theme-${theme}`}
                  onChange={() => void update({ theme })}
                />
                <ThemeLabel theme={theme} />
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={timeoutId}>{t('settings.lockTimeout')}</label>
          <select
            id={timeoutId}
            value={settings.lockTimeoutMinutes}
            data-testid="lock-timeout"
            disabled={timeoutLocked}
            aria-describedby={timeoutLocked ? `${timeoutId}-managed` : undefined}
            onChange={(e) => void update({ lockTimeoutMinutes: Number(e.target.value) })}
          >
            {lockChoices.map((minutes) => (
              <option key={minutes} value={minutes}>
                {minutes === 0 ? t('settings.lockNever') : t('settings.lockMinutes', { minutes })}
              </option>
            ))}
          </select>
          {timeoutLocked && <ManagedNote id={`${timeoutId}-managed`} field="lockTimeoutMinutes" />}
        </div>
        <CurrencySetting />
      </section>
      <MembersSettings />
      <LostReasonsSettings />
      <CustomFieldsSettings />
      <ReportingSettings />
      <UnlockersPanel />
      <BackupsPanel />
      <RecoverySettings />
      <SecurityLogLink />
      <About />
    </div>
  );
}
