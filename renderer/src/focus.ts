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

/** Whether focus fell out of the page's controls: to `<body>`, after the element that had it left. */
export function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body;
}

/**
 * For a dialog or overlay: remembers what had focus when it mounted and gives focus back to it on
 * unmount, or to `fallback()` when that element has left the page. Call it before any effect that
 * moves focus into the dialog.
 */
export function useFocusBack(fallback: () => HTMLElement | null = () => null): void {
  const fallbackRef = useRef(fallback);
  useEffect(() => {
    fallbackRef.current = fallback;
  });
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => {
      (opener?.isConnected ? opener : fallbackRef.current())?.focus();
    };
  }, []);
}
