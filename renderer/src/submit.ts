import { useCallback, useRef, useState } from 'react';

/**
 * One save at a time for a form: `run` starts `work` unless a save it started is still on its way
 * (a double click or a second Enter must not create the visit, task or field twice); `busy` says
 * whether one is, for the submit button.
 */
export function useSubmitOnce(): [busy: boolean, run: (work: () => Promise<void>) => Promise<void>] {
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      await work();
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  return [busy, run];
}
