import { useCallback, useEffect, useRef, type RefObject } from 'react';

/**
 * Focus back to the button that opened an inline editor once it closes by the user's hand (save,
 * cancel, Escape): the editor's inputs leave the page, and focus must not fall to `<body>` for a
 * keyboard user. `closing()` is called just before the state change that closes the editor.
 */
export function useReturnFocus<T extends HTMLElement>(
  open: boolean,
): [opener: RefObject<T | null>, closing: () => void] {
  const opener = useRef<T>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (open || !pending.current) return;
    pending.current = false;
    opener.current?.focus();
  }, [open]);
  const closing = useCallback(() => {
    pending.current = true;
  }, []);
  return [opener, closing];
}
