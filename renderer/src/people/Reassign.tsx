import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/errors';
import type { WorkspaceMember } from '../../../shared/people/members';
import type { ReassignEntity } from '../../../shared/people/people.channels';
import { call, errorInfo } from '../api';
import { ErrorMessage } from '../errors';
import { noteLocalChange } from '../crm/records.events';
import { useUndoStore } from '../crm/undo.store';
import { OwnerPicker } from './OwnerPicker';
import { composing } from '../keys';

/** Gives records back the owners they had (the undo of a reassignment), one call per former owner. */
async function restoreOwners(
  entity: ReassignEntity,
  previous: readonly { id: string; ownerId: string | null }[],
): Promise<void> {
  const byOwner = new Map<string | null, string[]>();
  for (const p of previous) byOwner.set(p.ownerId, [...(byOwner.get(p.ownerId) ?? []), p.id]);
  for (const [ownerId, ids] of byOwner) await call('records.reassign', { entity, ids, ownerId });
  noteLocalChange(
    entity,
    previous.map((p) => p.id),
  );
}

/**
 * "Reassign to…" for the selected rows: pick a member, confirm with the count, and the records get
 * the new owner through the writer (ordinary field ops that sync); the undo toast restores each
 * record's former owner.
 */
export function ReassignButton(props: {
  entity: ReassignEntity;
  ids: readonly string[];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState<WorkspaceMember | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const close = () => {
    setOpen(false);
    setTarget(null);
    setError(null);
  };
  const confirm = async () => {
    if (!target) return;
    setBusy(true);
    try {
      const { entity } = props;
      const result = await call('records.reassign', {
        entity,
        ids: [...props.ids],
        ownerId: target.memberId,
      });
      noteLocalChange(entity, props.ids);
      useUndoStore
        .getState()
        .offer(t('people.reassigned', { count: result.count, name: target.name }), () =>
          restoreOwners(entity, result.previous),
        );
      close();
      props.onDone();
    } catch (e) {
      setError(errorInfo(e));
    } finally {
      setBusy(false);
    }
  };
  if (props.ids.length === 0) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="reassign">
        {t('people.reassign')}
      </button>
      {open && (
        <div className="overlay" role="presentation" onMouseDown={close}>
          <div
            className="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby={`${id}-h`}
            onMouseDown={(e) => e.stopPropagation()}
            onKeyDown={(e) => e.key === 'Escape' && !composing(e) && close()}
            data-testid="reassign-dialog"
          >
            <h2 id={`${id}-h`}>{t('people.reassignTitle', { count: props.ids.length })}</h2>
            <ErrorMessage error={error} onDismiss={() => setError(null)} />
            <OwnerPicker
              label={t('people.reassignTo')}
              onPick={setTarget}
              autoFocus
              testId="reassign-picker"
            />
            {target && (
              <p data-testid="reassign-summary">
                {t('people.reassignConfirm', { count: props.ids.length, name: target.name })}
              </p>
            )}
            <div className="row">
              <button
                type="button"
                className="primary"
                disabled={!target || busy}
                onClick={() => void confirm()}
                data-testid="reassign-confirm"
              >
                {busy ? t('common.working') : t('people.reassignApply', { count: props.ids.length })}
              </button>
              <button type="button" onClick={close}>
                {t('common.cancel')}
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
