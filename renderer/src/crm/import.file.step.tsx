import { useId, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  type ImportEntity,
} from '../../../shared/ipc/channels/import.schemas';
import { formatNumber } from '../format';

const ENTITIES: readonly ImportEntity[] = ['contact', 'account', 'deal', 'activity', 'task'];

/** Why a chosen file gave nothing to map. */
export type FileProblem = 'unreadable' | 'empty' | 'tooLarge' | 'tooManyRows';

/**
 * The import wizard's first step: what to import and the file. `problem` says why the chosen file
 * gave nothing to map: it could not be read, it is empty, or it is more than one import takes.
 */
export function FileStep(props: {
  entity: ImportEntity;
  onEntity: (entity: ImportEntity) => void;
  fileName: string;
  problem: FileProblem | null;
  onFile: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  const { t } = useTranslation();
  const fileId = useId();
  const { fileName } = props;
  return (
    <section className="panel">
      <div className="field">
        <label htmlFor={`${fileId}-entity`}>{t('importer.what')}</label>
        <select
          id={`${fileId}-entity`}
          data-testid="import-entity"
          value={props.entity}
          onChange={(e) => props.onEntity(ENTITIES.find((x) => x === e.target.value) ?? 'contact')}
        >
          {ENTITIES.map((x) => (
            <option key={x} value={x}>
              {t(`importer.entity.${x}`)}
            </option>
          ))}
        </select>
      </div>
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
          accept=".csv,.tsv,.txt,text/csv,text/plain"
          aria-labelledby={`${fileId}-label ${fileId}-button`}
          aria-describedby={`${fileId}-help`}
          onChange={props.onFile}
          data-testid="import-file"
        />
        <span className="row">
          <label htmlFor={fileId} className="button-like" id={`${fileId}-button`}>
            {t('import.choose')}
          </label>
          <span className="muted">{fileName === '' ? t('import.noFile') : fileName}</span>
        </span>
        <p id={`${fileId}-help`} className="muted">
          {t('importer.fileHelp')}
        </p>
        {props.problem === 'unreadable' && (
          <p className="field-error" role="alert">
            {t('import.readError')}
          </p>
        )}
        {props.problem === 'empty' && (
          <p className="field-error" role="alert" data-testid="import-empty">
            {t('importer.emptyFile', { name: fileName })}
          </p>
        )}
        {(props.problem === 'tooLarge' || props.problem === 'tooManyRows') && (
          <p className="field-error" role="alert" data-testid="import-too-big">
            {props.problem === 'tooLarge'
              ? t('importer.tooLarge', {
                  name: fileName,
                  max: formatNumber(Math.floor(MAX_IMPORT_BYTES / 1e6)),
                })
              : t('importer.tooManyRows', { name: fileName, max: formatNumber(MAX_IMPORT_ROWS) })}
          </p>
        )}
      </div>
    </section>
  );
}
