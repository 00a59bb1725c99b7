import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Settings } from '../../../shared/ipc/channels/settings.channels';
import { useSettingsStore } from '../settings.store';

function Managed({ id, field }: { id: string; field: string }) {
  const { t } = useTranslation();
  return (
    <p id={id} className="muted" data-testid={`managed-${field}`}>
      {t('settings.managed')}
    </p>
  );
}

/** A number setting that may be empty (no limit); saved when it changes. */
export function LimitField(props: {
  field: 'backupRetentionCount' | 'backupRetentionDays';
  label: string;
  max: number;
  locked: boolean;
}) {
  const { settings, update } = useSettingsStore();
  const id = useId();
  const value = settings[props.field];
  // The parent keys this field by the stored value, so a change from main starts it afresh.
  const [text, setText] = useState(value === null ? '' : String(value));
  const save = () => {
    const n = text.trim() === '' ? null : Number(text);
    if (n !== null && (!Number.isInteger(n) || n < 1 || n > props.max)) return;
    if (n !== value) void update({ [props.field]: n } satisfies Partial<Settings>);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        min={1}
        max={props.max}
        inputMode="numeric"
        value={text}
        disabled={props.locked}
        data-testid={`setting-${props.field}`}
        aria-describedby={props.locked ? `${id}-managed` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={save}
      />
      {props.locked && <Managed id={`${id}-managed`} field={props.field} />}
    </div>
  );
}

/** Where backups go: the vault directory (empty) or a folder; IT's policy locks it. */
export function DirectoryField({ locked }: { locked: boolean }) {
  const { t } = useTranslation();
  const { settings, update } = useSettingsStore();
  const id = useId();
  // Keyed by the stored value in the parent, like LimitField.
  const [text, setText] = useState(settings.backupDirectory ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = text.trim() === '' ? null : text.trim();
    if (next !== settings.backupDirectory) void update({ backupDirectory: next });
  };
  return (
    <form className="field" onSubmit={submit}>
      <label htmlFor={id}>{t('backups.directory')}</label>
      <div className="row">
        <input
          id={id}
          value={text}
          placeholder={t('backups.directoryDefault')}
          disabled={locked}
          spellCheck={false}
          data-testid="setting-backupDirectory"
          aria-describedby={locked ? `${id}-managed` : `${id}-help`}
          onChange={(e) => setText(e.target.value)}
        />
        {!locked && <button type="submit">{t('common.save')}</button>}
      </div>
      {locked ? (
        <Managed id={`${id}-managed`} field="backupDirectory" />
      ) : (
        <p id={`${id}-help`} className="muted">
          {t('backups.directoryHelp')}
        </p>
      )}
    </form>
  );
}
