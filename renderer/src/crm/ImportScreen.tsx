import Papa from 'papaparse';
import { useId, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import {
  importTargetSchema,
  type ImportTarget,
  type importPreviewSchema,
} from '../../../shared/ipc/channels/crm.channels';
import type { ErrorInfo } from '../../../shared/errors';
import { api, call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { formatNumber } from '../format';
import { useUiStore } from '../ui.store';
import { useListsStore } from './lists.store';

type Preview = z.infer<typeof importPreviewSchema>;
type Step = 'file' | 'map' | 'run' | 'done';

/** Drops the data rows (1-based) that the preview reported, keeping the header and every other row intact. */
export function withoutRows(csv: string, rows: ReadonlySet<number>): string {
  const parsed = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [header, ...data] = parsed.data;
  if (!header) return csv;
  const kept = data.filter((_, index) => !rows.has(index + 1));
  return Papa.unparse([header, ...kept], { newline: '\r\n' });
}

const TARGET_KEYS: Record<ImportTarget, string> = {
  ignore: 'import.ignore',
  name: 'import.fullName',
  givenName: 'import.firstName',
  familyName: 'import.lastName',
  email: 'fields.emails',
  phone: 'fields.phones',
  title: 'fields.title',
  accountName: 'import.company',
  ownerId: 'fields.ownerId',
  tags: 'fields.tags',
  notes: 'fields.notes',
  street: 'import.street',
  city: 'fields.city',
  region: 'import.region',
  postalCode: 'import.postalCode',
  country: 'fields.country',
  marketingOptIn: 'fields.marketingOptIn',
};

const ERROR_KEYS = {
  required: 'import.errNoName',
  invalid_email: 'import.errEmail',
  invalid_phone: 'import.errPhone',
  too_long: 'record.tooLong',
  parse: 'import.errOther',
} as const;

/** CSV import: pick a file (read here, never a path in main), map columns, preview errors, run with progress. */
export function ImportScreen() {
  const { t } = useTranslation();
  const navigate = useUiStore((s) => s.navigate);
  const [step, setStep] = useState<Step>('file');
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, ImportTarget>>({});
  const [progress, setProgress] = useState<{ done: number; total: number }>({ done: 0, total: 0 });
  const [result, setResult] = useState<{ created: number; skipped: number } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [readFailed, setReadFailed] = useState(false);
  const [fileName, setFileName] = useState('');
  const fileId = useId();

  const runPreview = async (text: string, map?: Record<string, ImportTarget>) => {
    try {
      const p = await call('import.preview', { csv: text, ...(map ? { mapping: map } : {}) });
      setPreview(p);
      setMapping(p.mapping);
      return p;
    } catch (e) {
      setError(errorInfo(e));
      return null;
    }
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setError(null);
    setReadFailed(false);
    if (!file) return;
    try {
      const text = await file.text();
      setCsv(text);
      if (await runPreview(text)) setStep('map');
    } catch {
      setReadFailed(true);
    }
  };

  const errorRows = new Set(preview?.errors.map((e) => e.row) ?? []);
  const importable = preview ? preview.rows - errorRows.size : 0;
  const hasName = Object.values(mapping).some((m) => m === 'name' || m === 'givenName' || m === 'familyName');

  const run = async () => {
    if (!preview) return;
    setStep('run');
    setError(null);
    const importId = `imp_${Date.now().toString(36)}`;
    let text = withoutRows(csv, errorRows);
    let skipped = errorRows.size;
    // Re-check the cleaned file: a parser difference must never let a bad row reject the whole import.
    for (let i = 0; i < 3; i++) {
      const again = await runPreview(text, mapping);
      if (!again || again.errors.length === 0) break;
      const rows = new Set(again.errors.map((e) => e.row));
      skipped += rows.size;
      text = withoutRows(text, rows);
    }
    setProgress({ done: 0, total: importable });
    const off = api.on('import.progressed', (p) => {
      if (p.importId === importId) setProgress({ done: p.done, total: p.total });
    });
    try {
      const r = await call('import.commit', {
        csv: text,
        mapping,
        dedupeBy: 'email',
        importId,
        source: 'csv-import',
      });
      setProgress((p) => ({ done: p.total, total: p.total }));
      setResult({ created: r.created, skipped: skipped + r.skippedDuplicates });
      setStep('done');
      void useListsStore.getState().reload('contact');
    } catch (e) {
      setError(errorInfo(e));
      setStep('map');
    } finally {
      off();
    }
  };

  return (
    <div className="screen" data-screen="import">
      <h1>{t('import.title')}</h1>
      <ol className="steps" aria-label={t('import.title')}>
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
        <section className="panel">
          <div className="field">
            <span className="field-label" id={`${fileId}-label`}>
              {t('import.file')}
            </span>
            {/* The native control's own text follows the browser's language, so it is hidden and
                replaced by a label in the app's language; the input stays focusable. */}
            <input
              id={fileId}
              className="file-input"
              type="file"
              accept=".csv,text/csv"
              aria-labelledby={`${fileId}-label ${fileId}-button`}
              aria-describedby={`${fileId}-help`}
              onChange={(e) => {
                setFileName(e.target.files?.[0]?.name ?? '');
                void onFile(e);
              }}
              data-testid="import-file"
            />
            <span className="row">
              <label htmlFor={fileId} className="button-like" id={`${fileId}-button`}>
                {t('import.choose')}
              </label>
              <span className="muted">{fileName === '' ? t('import.noFile') : fileName}</span>
            </span>
            <p id={`${fileId}-help`} className="muted">
              {t('import.fileHelp')}
            </p>
            {readFailed && (
              <p className="field-error" role="alert">
                {t('import.readError')}
              </p>
            )}
          </div>
        </section>
      )}
      {step === 'map' && preview && (
        <>
          <section className="panel" aria-labelledby="map-h">
            <h2 id="map-h">{t('import.mapping')}</h2>
            <p data-testid="import-rows">{t('import.rows', { count: preview.rows })}</p>
            <table className="table mapping">
              <thead>
                <tr>
                  <th scope="col">{t('import.mapping')}</th>
                  <th scope="col">{t('import.target')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.headers.map((header, i) => (
                  <tr key={`${header}-${i}`}>
                    <td>
                      <label htmlFor={`${fileId}-map-${i}`}>{header}</label>
                    </td>
                    <td>
                      <select
                        id={`${fileId}-map-${i}`}
                        value={mapping[header] ?? 'ignore'}
                        onChange={(e) => {
                          const next = { ...mapping, [header]: importTargetSchema.parse(e.target.value) };
                          setMapping(next);
                          void runPreview(csv, next);
                        }}
                      >
                        {importTargetSchema.options.map((o) => (
                          <option key={o} value={o}>
                            {t(TARGET_KEYS[o])}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!hasName && (
              <p className="field-error" role="alert">
                {t('import.needName')}
              </p>
            )}
          </section>
          <section className="panel" aria-labelledby="preview-h">
            <h2 id="preview-h">{t('import.preview', { count: preview.sample.length })}</h2>
            <table className="table" data-testid="import-sample">
              <thead>
                <tr>
                  <th scope="col">{t('import.row')}</th>
                  <th scope="col">{t('fields.name')}</th>
                  <th scope="col">{t('fields.emails')}</th>
                  <th scope="col">{t('fields.phones')}</th>
                  <th scope="col">{t('import.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((row) => {
                  const problems = preview.errors.filter((e) => e.row === row.row);
                  return (
                    <tr key={row.row} className={problems.length ? 'row-error' : undefined}>
                      <td>{row.row}</td>
                      <td>{row.name}</td>
                      <td>{row.emails.join(', ')}</td>
                      <td>{row.phones.join(', ')}</td>
                      <td>
                        {problems.length === 0
                          ? t('import.rowOk')
                          : problems.map((p) => `${t(ERROR_KEYS[p.code])} (${p.column})`).join('; ')}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {preview.errors.length > 0 && (
              <>
                <h3 data-testid="import-error-count">{t('import.rowErrors', { count: errorRows.size })}</h3>
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t('import.row')}</th>
                      <th scope="col">{t('import.mapping')}</th>
                      <th scope="col">{t('import.problem')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {preview.errors.slice(0, 50).map((e, i) => (
                      <tr key={`${e.row}-${e.column}-${i}`}>
                        <td>{e.row}</td>
                        <td>{e.column}</td>
                        <td>{t(ERROR_KEYS[e.code])}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </section>
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={!hasName || importable <= 0}
              onClick={() => void run()}
              data-testid="import-run"
            >
              {t('import.run', { count: importable })}
            </button>
            <button type="button" onClick={() => setStep('file')}>
              {t('import.back')}
            </button>
          </div>
        </>
      )}
      {step === 'run' && (
        <section className="panel" aria-busy="true">
          <h2>{t('import.running')}</h2>
          <progress
            className="progress"
            max={Math.max(1, progress.total)}
            value={progress.done}
            aria-label={t('import.progress')}
            data-testid="import-progress"
          />
          <p className="muted">
            {formatNumber(progress.done)} / {formatNumber(progress.total)}
          </p>
        </section>
      )}
      {step === 'done' && result && (
        <section className="panel" role="status">
          <h2>{t('import.step4')}</h2>
          <p data-testid="import-result">
            {t('import.result', { created: result.created, skipped: result.skipped })}
          </p>
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() => navigate({ name: 'list', entity: 'contact' })}
            >
              {t('import.done')}
            </button>
            <button type="button" onClick={() => setStep('file')}>
              {t('import.again')}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
