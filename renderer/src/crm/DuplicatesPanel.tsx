import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { duplicatesFindOutputSchema } from '../../../shared/ipc/channels/import.schemas';
import { call } from '../api';
import { MergeDialog } from './MergeDialog';

type Match = z.infer<typeof duplicatesFindOutputSchema>['matches'][number];
type Kind = 'contact' | 'account';

/** Possible duplicates of what is being typed in a create form (debounced); empty while none. */
export function useDuplicateWarning(
  kind: Kind,
  probe: { name?: string; emails?: string[]; phones?: string[] },
): Match[] {
  const [found, setFound] = useState<{ key: string; matches: Match[] }>({ key: '', matches: [] });
  const key = JSON.stringify(probe);
  useEffect(() => {
    const parsed = JSON.parse(key) as typeof probe;
    if (!parsed.name?.trim() && !parsed.emails?.length && !parsed.phones?.length) return;
    let live = true;
    const timer = setTimeout(() => {
      call('duplicates.find', { entity: kind, ...parsed }).then(
        (r) => live && setFound({ key, matches: r.matches }),
        () => live && setFound({ key, matches: [] }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [kind, key]);
  // Matches of an older probe are not shown for the current one.
  const matches = found.key === key ? found.matches : [];
  return matches;
}

/**
 * The records that look like this one (same normalised name, e-mail or phone), each with a Merge
 * button that opens the field-by-field merge. For record pages and the import's result.
 */
export function DuplicatesPanel(props: {
  kind: Kind;
  record: { id: string; name: string; emails?: string[]; phones?: string[] };
  onMerged?: () => void;
}) {
  const { t } = useTranslation();
  const [matches, setMatches] = useState<Match[]>([]);
  const [merging, setMerging] = useState<Match | null>(null);
  const [round, setRound] = useState(0);
  const { id, name, emails, phones } = props.record;
  const key = JSON.stringify({ emails, phones });
  useEffect(() => {
    let live = true;
    const extra = JSON.parse(key) as { emails?: string[]; phones?: string[] };
    call('duplicates.find', { entity: props.kind, name, ...extra, excludeId: id }).then(
      (r) => live && setMatches(r.matches),
      () => live && setMatches([]),
    );
    return () => {
      live = false;
    };
  }, [props.kind, id, name, key, round]);
  if (matches.length === 0) return null;
  return (
    <section className="panel" aria-label={t('merge.possible')} data-testid="duplicates-panel">
      <h3>{t('merge.possible')}</h3>
      <ul className="plain">
        {matches.map((m) => (
          <li key={m.id} className="row">
            <span>
              {m.name} <span className="muted">({m.by.map((b) => t(`merge.by.${b}`)).join(', ')})</span>
            </span>
            <button type="button" onClick={() => setMerging(m)} data-testid="merge-open">
              {t('merge.open', { name: m.name })}
            </button>
          </li>
        ))}
      </ul>
      {merging && (
        <MergeDialog
          kind={props.kind}
          intoId={id}
          fromId={merging.id}
          onClose={(merged) => {
            setMerging(null);
            if (merged) {
              setRound((r) => r + 1);
              props.onMerged?.();
            }
          }}
        />
      )}
    </section>
  );
}
