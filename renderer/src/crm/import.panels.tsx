import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import {
  importTargetSchema,
  type ImportEntity,
  type ImportTarget,
  type importPreviewSchema,
} from '../../../shared/ipc/channels/import.schemas';

export type Preview = z.infer<typeof importPreviewSchema>;

/** The label key of each mapping target. */
export const TARGET_KEYS: Record<ImportTarget, string> = {
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
  domain: 'fields.domain',
  industry: 'fields.industry',
  amount: 'fields.amountMinor',
  currency: 'fields.currency',
  pipeline: 'fields.pipelineId',
  stage: 'fields.stageId',
  closeDate: 'fields.expectedCloseDate',
  probability: 'fields.probability',
  status: 'fields.status',
  contactName: 'importer.contactName',
  dealName: 'importer.dealName',
  kind: 'importer.kind',
  occurredAt: 'importer.occurredAt',
  durationMinutes: 'importer.durationMinutes',
  subject: 'importer.subject',
  outcome: 'importer.outcome',
  body: 'fields.notes',
  dueAt: 'importer.dueAt',
  priority: 'importer.priority',
  done: 'record.done',
  assigneeId: 'fields.assigneeId',
};

/** The label key of the `name` target per entity. */
const NAME_KEYS: Record<ImportEntity, string> = {
  contact: 'import.fullName',
  account: 'fields.name',
  deal: 'fields.name',
  activity: 'fields.name',
  task: 'importer.taskTitle',
};

export const ERROR_KEYS = {
  required: 'import.errNoName',
  invalid_email: 'import.errEmail',
  invalid_phone: 'import.errPhone',
  too_long: 'record.tooLong',
  parse: 'import.errOther',
  invalid_number: 'importer.errNumber',
  invalid_date: 'importer.errDate',
  invalid_value: 'import.errOther',
  ambiguous_member: 'import.errAmbiguousMember',
} as const;

/** One select per CSV column; changing one re-runs the preview. */
export function MappingTable(props: {
  preview: Preview;
  mapping: Record<string, ImportTarget>;
  /** Columns mapped to custom fields (`cf:<id>`), or taken off one (`ignore`). */
  customMapping?: Record<string, string>;
  idPrefix: string;
  onChange: (next: Record<string, ImportTarget>, custom: Record<string, string>) => void;
}) {
  const { t } = useTranslation();
  const { preview, mapping, idPrefix } = props;
  const targets = preview.targets ?? importTargetSchema.options;
  const custom = props.customMapping ?? {};
  const customTargets = preview.customTargets ?? [];
  const choose = (header: string, value: string) => {
    // A custom field is the built-in "ignore" plus the custom choice; a built-in one drops the custom.
    if (value.startsWith('cf:'))
      props.onChange({ ...mapping, [header]: 'ignore' }, { ...custom, [header]: value });
    else
      props.onChange(
        { ...mapping, [header]: importTargetSchema.parse(value) },
        { ...custom, [header]: 'ignore' },
      );
  };
  return (
    <table className="table mapping" data-testid="import-mapping">
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
              <label htmlFor={`${idPrefix}-map-${i}`}>{header}</label>
            </td>
            <td>
              <select
                id={`${idPrefix}-map-${i}`}
                data-testid={`import-map-${i}`}
                value={custom[header]?.startsWith('cf:') ? custom[header] : (mapping[header] ?? 'ignore')}
                onChange={(e) => choose(header, e.target.value)}
              >
                {targets.map((o) => (
                  <option key={o} value={o}>
                    {/* A contact has a full name; a task a title; an account or deal just a name. */}
                    {t(o === 'name' ? NAME_KEYS[preview.entity ?? 'contact'] : TARGET_KEYS[o])}
                  </option>
                ))}
                {customTargets.length > 0 && (
                  <optgroup label={t('customFields.title')}>
                    {customTargets.map((c) => (
                      <option key={c.target} value={c.target}>
                        {c.label}
                      </option>
                    ))}
                  </optgroup>
                )}
              </select>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The first rows as they would be created, the problems, and the duplicates found. */
export function PreviewPanel(props: { preview: Preview }) {
  const { t } = useTranslation();
  const { preview } = props;
  const errorRows = new Set(preview.errors.map((e) => e.row));
  const possible = preview.possibleDuplicates ?? [];
  const warnings = preview.warnings ?? [];
  const showContact = (preview.entity ?? 'contact') === 'contact';
  return (
    <section className="panel" aria-labelledby="preview-h">
      <h2 id="preview-h">{t('import.preview', { count: preview.sample.length })}</h2>
      <table className="table" data-testid="import-sample">
        <thead>
          <tr>
            <th scope="col">{t('import.row')}</th>
            <th scope="col">{t('fields.name')}</th>
            {showContact ? (
              <>
                <th scope="col">{t('fields.emails')}</th>
                <th scope="col">{t('fields.phones')}</th>
              </>
            ) : (
              <th scope="col">{t('importer.values')}</th>
            )}
            <th scope="col">{t('import.problem')}</th>
          </tr>
        </thead>
        <tbody>
          {preview.sample.map((row) => {
            const dupe = possible.find((d) => d.row === row.row);
            const dropped = warnings.filter((w) => w.row === row.row);
            return (
              <tr key={row.row}>
                <td>{row.row}</td>
                <td>{row.name}</td>
                {showContact ? (
                  <>
                    <td>{row.emails.join(', ')}</td>
                    <td>{row.phones.join(', ')}</td>
                  </>
                ) : (
                  <td>
                    {Object.entries(row.values ?? {})
                      .filter(([k]) => k !== 'name' && k !== 'subject')
                      .map(([k, v]) => `${t(TARGET_KEYS[importTargetSchema.parse(k)])}: ${v}`)
                      .join(' · ')}
                  </td>
                )}
                <td>
                  {[
                    ...(dupe
                      ? [t(dupe.of === 'existing' ? 'importer.maybeExisting' : 'importer.maybeFile')]
                      : []),
                    ...dropped.map((w) => t('importer.dropped', { column: w.column })),
                  ].join('; ') || t('import.rowOk')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {(preview.duplicates.length > 0 || possible.length > 0) && (
        <div data-testid="import-duplicates">
          <h3>{t('importer.duplicates')}</h3>
          {preview.duplicates.length > 0 && (
            <p>{t('importer.skippedDuplicates', { count: preview.duplicates.length })}</p>
          )}
          {possible.length > 0 && (
            <>
              <p>{t('importer.possibleDuplicates', { count: possible.length })}</p>
              <ul className="plain">
                {possible.slice(0, 20).map((d) => (
                  <li key={d.row}>
                    {t('import.row')} {d.row}:{' '}
                    {d.of === 'existing'
                      ? t('importer.sameAs', { name: d.name ?? '' })
                      : t('importer.maybeFile')}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
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
      {warnings.length > 0 && (
        <p className="muted" data-testid="import-warning-count">
          {t('importer.droppedCount', { count: warnings.length })}
        </p>
      )}
    </section>
  );
}
