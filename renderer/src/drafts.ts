import { useCallback, useState } from 'react';
import { registerReset } from './reset';

/**
 * Text typed and not saved yet, per place ("deal:<id>:notes", "activity:contact:<id>:body"): a rep
 * who opens another record mid-sentence finds the sentence where they left it. Kept in memory only,
 * while the vault is unlocked (a lock clears it with every other store), never written anywhere.
 */
const drafts = new Map<string, string>();

registerReset(() => drafts.clear());

/** Whether a draft is kept for `key`. */
export function hasDraft(key: string): boolean {
  return drafts.has(key);
}

/**
 * A text state that survives its component: it starts from the draft kept for `key` (else
 * `initial`), every change is kept, and `discard` forgets it (after a save or a cancel), optionally
 * showing `reset` instead, which is not kept until it is changed. Given `saved` (the text a save
 * sent), `discard` leaves a text that was changed while the save was in flight alone. A null key
 * keeps nothing.
 */
export function useDraft(
  key: string | null,
  initial: string,
): [string, (next: string) => void, (reset?: string, saved?: string) => void] {
  const start = () => (key === null ? undefined : drafts.get(key)) ?? initial;
  const [state, setState] = useState(() => ({ key, value: start() }));
  // Another place (the same component shown for another record): its own draft, not this one's.
  if (state.key !== key) setState({ key, value: start() });
  const set = useCallback(
    (next: string) => {
      setState({ key, value: next });
      if (key !== null) drafts.set(key, next);
    },
    [key],
  );
  const discard = useCallback(
    (reset?: string, saved?: string) => {
      const stale = (value: string | undefined) => saved === undefined || value === saved;
      if (key !== null && stale(drafts.get(key))) drafts.delete(key);
      if (reset !== undefined)
        setState((now) => (now.key === key && !stale(now.value) ? now : { key, value: reset }));
    },
    [key],
  );
  return [state.key === key ? state.value : start(), set, discard];
}
