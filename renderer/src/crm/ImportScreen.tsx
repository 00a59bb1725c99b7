import { useId, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import {
  MAX_IMPORT_BYTES,
  type ImportEntity,
  type ImportTarget,
} from '../../../shared/ipc/channels/import.schemas';
import { api, call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatNumber } from '../format';
import { i18n } from '../i18n/i18n';
import { useUiStore } from '../ui.store';
import {
  decodeBytes,
  detectEncoding,
  IMPORT_ENCODINGS,
  replacementCount,
  type ImportEncoding,
} from './import.encoding';
import { DuplicatesPanel } from './DuplicatesPanel';
import { MappingTable, PreviewPanel, type Preview } from './import.panels';
import { useListsStore } from './lists.store';
import { useSettingsStore } from '../settings.store';
import { FileStep, type FileProblem } from './import.file.step';

type Step = 'file' | 'map' | 'run' | 'done';
type OnError = 'skipRows' | 'dropInvalidValues';

const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'zh-CN', 'ja-JP'];

/** The locale numbers and dates in a file are most likely written in: the browser's, else the UI's. */
function defaultFileLocale(): string {
  return typeof navigator !== 'undefined' && navigator.language ? navigator.language : i18n.language;
}

/**
 * CSV import: pick what to import and a file (read here as bytes, never a path in main; the encoding
 * is detected and can be overridden), map columns (always reachable), preview errors and duplicates,
 * run with progress and cancel.
 */
export function ImportScreen() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const [step, setStep] = useState<Step>('file');
  const [entity, setEntity] = useState<ImportEntity>('contact');
  const [bytes, setBytes] = useState<Uint8Array | null>(null);
  const [encoding, setEncoding] = useState<ImportEncoding>('utf-8');
  const [detected, setDetected] = useState<ImportEncoding | null>(null);
  const [csv, setCsv] = useState('');
  const [locale, setLocale] = useState(defaultFileLocale);
  const [onError, setOnError] = useState<OnError>('skipRows');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, ImportTarget>>({});
  /** Columns that go to custom fields (`cf:<id>`) or were taken off one (`ignore`). */
  const [customMapping, setCustomMapping] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState({ done: 0, total: 0, analysed: 0 });
  const [result, setResult] = useState<{ created: number; skipped: number } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [fileName, setFileName] = useState('');
  const [fileProblem, setFileProblem] = useState<FileProblem | null>(null);
  const importId = useRef('');
  const fileId = useId();
  // Amounts without a currency are in the team's currency when Settings names one (as new deals).
  const teamCurrency = useSettingsStore((s) => s.settings.currency);
  const currency = teamCurrency ? { currency: teamCurrency } : {};

  const runPreview = async (
    text: string,
    opts: {
      map?: Record<string, ImportTarget>;
      kind?: ImportEntity;
      rowError?: OnError;
      loc?: string;
      custom?: Record<string, string>;
    } = {},
  ) => {
    // A new file (no mapping given) starts from the guesses, custom columns included.
    const custom = opts.custom ?? (opts.map ? customMapping : {});
    try {
      const p = await call('import.preview', {
        csv: text,
        entity: opts.kind ?? entity,
        dedupeBy: 'email',
        onRowError: opts.rowError ?? onError,
        locale: opts.loc ?? locale,
        ...currency,
        ...(opts.map ? { mapping: opts.map } : {}),
        ...(Object.keys(custom).length > 0 ? { customMapping: custom } : {}),
      });
      setPreview(p);
      setMapping(p.mapping);
      setCustomMapping({ ...custom, ...p.customMapping });
      return p;
    } catch (e) {
      const info = errorInfo(e);
      // Said where the file was chosen: no mapping can fix it.
      if (info.code === 'IMPORT_TOO_MANY_ROWS') setFileProblem('tooManyRows');
      else setError(info);
      return null;
    }
  };

  /**
   * Reads the file in `enc`. A new file starts from the guesses; the same file read in another
   * encoding keeps what the user chose for every column whose header reads the same (a column set to
   * Ignore must not come back as a guess).
   */
  const decodeAndPreview = async (data: Uint8Array, enc: ImportEncoding, kept = false) => {
    const text = decodeBytes(data, enc);
    setEncoding(enc);
    setCsv(text);
    // Nothing to map, or more than main takes: said where the file was chosen, not as "values not valid".
    const problem = text.trim() === '' ? 'empty' : text.length > MAX_IMPORT_BYTES ? 'tooLarge' : null;
    setFileProblem(problem);
    if (problem) return;
    const chosen = { map: mapping, custom: customMapping };
    const fresh = await runPreview(text);
    if (!fresh) return;
    if (kept) {
      const map = { ...fresh.mapping };
      for (const [header, target] of Object.entries(chosen.map)) if (header in map) map[header] = target;
      const custom = Object.fromEntries(Object.entries(chosen.custom).filter(([header]) => header in map));
      if (!(await runPreview(text, { map, custom }))) return;
    }
    setStep('map');
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setError(null);
    setFileProblem(null);
    if (!file) return;
    try {
      const data = new Uint8Array(await file.arrayBuffer());
      const guess = detectEncoding(data, i18n.language);
      setBytes(data);
      setDetected(guess.encoding);
      await decodeAndPreview(data, guess.encoding);
    } catch {
      setFileProblem('unreadable');
    }
  };

  const hasName = preview?.hasName ?? false;
  const errorRows = new Set(preview?.errors.map((e) => e.row) ?? []);
  const importable = preview?.valid ?? 0;
  const replaced = replacementCount(csv);

  const run = async () => {
    if (!preview) return;
    setStep('run');
    setError(null);
    importId.current = `imp_${Date.now().toString(36)}`;
    setProgress({ done: 0, total: preview.rows, analysed: 0 });
    const off = api.on('import.progressed', (p) => {
      if (p.importId === importId.current)
        setProgress({ done: p.done, total: p.total, analysed: p.analysed ?? 0 });
    });
    try {
      const r = await call('import.commit', {
        csv,
        entity,
        mapping,
        ...(Object.keys(customMapping).length > 0 ? { customMapping } : {}),
        // Phones are often a company's main line, shared by its people: only e-mails identify a person.
        dedupeBy: 'email',
        importId: importId.current,
        onRowError: onError,
        locale,
        ...currency,
        source: 'csv-import',
      });
      setResult({ created: r.created, skipped: r.skippedDuplicates + (r.skippedRows ?? 0) });
      setStep('done');
      if (entity !== 'activity' && entity !== 'task') void useListsStore.getState().reload(entity);
    } catch (e) {
      setError(errorInfo(e));
      setStep('map');
    } finally {
      off();
    }
  };

  const cancel = async () => {
    try {
      await call('import.cancel', { importId: importId.current });
    } catch (e) {
      setError(errorInfo(e));
    }
  };

  return (
    <div className="screen" data-screen="import">
      <h1>{t('importer.title')}</h1>
      <ol className="steps" aria-label={t('importer.title')}>
        {(['file', 'map', 'run', 'done'] as const).map((s, i) => (
          <li
            key={s}
            aria-current={step === s ? 'step' : undefined}
            className={step === s ? 'current' : undefined}
          >
            {t(['import.step1', 'import.step2', 'import.step3', 'import.step4'][i] ?? 'import.step1')}
          </li>
        ))}
      </ol>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
      {step === 'file' && (
        <FileStep
          entity={entity}
          onEntity={setEntity}
          fileName={fileName}
          problem={fileProblem}
          onFile={(e) => {
            setFileName(e.target.files?.[0]?.name ?? '');
            void onFile(e);
          }}
        />
      )}
      {step === 'map' && preview && (
        <>
          <section className="panel" aria-labelledby="map-h">
            <h2 id="map-h">{t('import.mapping')}</h2>
            <p data-testid="import-rows">{t('import.rows', { count: preview.rows })}</p>
            <div className="row">
              <div className="field">
                <label htmlFor={`${fileId}-enc`}>{t('importer.encoding')}</label>
                <select
                  id={`${fileId}-enc`}
                  data-testid="import-encoding"
                  value={encoding}
                  onChange={(e) => {
                    const next = IMPORT_ENCODINGS.find((x) => x === e.target.value);
                    if (next && bytes) void decodeAndPreview(bytes, next, true);
                  }}
                >
                  {IMPORT_ENCODINGS.map((x) => (
                    <option key={x} value={x}>
                      {t(`importer.encodings.${x.replace('-', '_')}`)}
                      {x === detected ? ` (${t('importer.detected')})` : ''}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${fileId}-locale`}>{t('importer.locale')}</label>
                <select
                  id={`${fileId}-locale`}
                  data-testid="import-locale"
                  value={locale}
                  onChange={(e) => {
                    setLocale(e.target.value);
                    void runPreview(csv, { map: mapping, loc: e.target.value });
                  }}
                >
                  {[...new Set([defaultFileLocale(), ...LOCALES])].map((l) => (
                    <option key={l} value={l}>
                      {l}
                    </option>
                  ))}
                </select>
              </div>
              <fieldset className="field">
                <legend>{t('importer.badValues')}</legend>
                {(['skipRows', 'dropInvalidValues'] as const).map((mode) => (
                  <label key={mode} className="row">
                    <input
                      type="radio"
                      name={`${fileId}-onerror`}
                      data-testid={`import-onerror-${mode}`}
                      checked={onError === mode}
                      onChange={() => {
                        setOnError(mode);
                        void runPreview(csv, { map: mapping, rowError: mode });
                      }}
                    />
                    {t(mode === 'skipRows' ? 'importer.skipRows' : 'importer.dropValues')}
                  </label>
                ))}
              </fieldset>
            </div>
            {replaced > 0 && (
              <p className="field-error" role="alert" data-testid="import-replaced">
                {t('importer.replaced', { count: replaced })}
              </p>
            )}
            <MappingTable
              preview={preview}
              mapping={mapping}
              customMapping={customMapping}
              idPrefix={fileId}
              onChange={(next, custom) => {
                setMapping(next);
                setCustomMapping(custom);
                void runPreview(csv, { map: next, custom });
              }}
            />
            {!hasName && (
              <p className="field-error" role="alert" data-testid="import-need-name">
                {t(
                  entity === 'activity'
                    ? 'importer.needDate'
                    : entity === 'task'
                      ? 'importer.needTitle'
                      : 'import.needName',
                )}
              </p>
            )}
          </section>
          <PreviewPanel preview={preview} />
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={!hasName || importable <= 0}
              onClick={() => void run()}
              data-testid="import-run"
            >
              {t('importer.run', { count: importable })}
            </button>
            <button type="button" onClick={() => setStep('file')}>
              {t('import.back')}
            </button>
            {errorRows.size > 0 && (
              <span className="muted">{t('import.rowErrors', { count: errorRows.size })}</span>
            )}
          </div>
        </>
      )}
      {step === 'run' && (
        <section className="panel" aria-busy="true">
          <h2>{t('import.running')}</h2>
          <progress
            className="progress"
            max={Math.max(1, progress.total)}
            value={progress.done > 0 ? progress.done : progress.analysed}
            aria-label={t('import.progress')}
            data-testid="import-progress"
          />
          <p className="muted">
            {progress.done > 0
              ? `${formatNumber(progress.done)} / ${formatNumber(progress.total)}`
              : t('importer.checking', {
                  done: formatNumber(progress.analysed),
                  total: formatNumber(progress.total),
                })}
          </p>
          <button type="button" onClick={() => void cancel()} data-testid="import-cancel">
            {t('importer.cancel')}
          </button>
        </section>
      )}
      {step === 'done' && result && (
        <section className="panel" role="status">
          <h2>{t('import.step4')}</h2>
          {(entity === 'contact' || entity === 'account') &&
            (preview?.possibleDuplicates ?? [])
              .filter((d) => d.of === 'existing' && d.id)
              .slice(0, 10)
              .map((d) => (
                <DuplicatesPanel key={d.row} kind={entity} record={{ id: d.id ?? '', name: d.name ?? '' }} />
              ))}
          <p data-testid="import-result">
            {t('importer.result', { created: result.created, skipped: result.skipped })}
          </p>
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() =>
                navigate(
                  entity === 'activity'
                    ? { name: 'home' }
                    : entity === 'task'
                      ? { name: 'agenda' }
                      : { name: 'list', entity },
                )
              }
            >
              {t(`importer.goTo.${entity}`)}
            </button>
            <button
              type="button"
              onClick={() => {
                setFileName('');
                setStep('file');
              }}
              data-testid="import-again"
            >
              {t('import.again')}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
