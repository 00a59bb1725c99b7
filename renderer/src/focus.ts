import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

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

/**
 * Runs `fn` once the commit that called it has finished (its removed nodes gone), before the app
 * root's rescue of lost focus: for focus placed from a layout effect's cleanup.
 */
export function afterCommit(fn: () => void): void {
  queueMicrotask(fn);
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
  // A layout cleanup runs in the commit, before the dialog leaves the page; the microtask runs
  // once it has left, and before the app root's rescue of lost focus looks.
  useLayoutEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => afterCommit(() => (opener?.isConnected ? opener : fallbackRef.current())?.focus());
  }, []);
}

/** Controls a keyboard user can reach, in document order. */
const FOCUSABLE =
  'button:not([disabled]), a[href], input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const TEXT_ENTRY =
  'textarea, select, [contenteditable=""], [contenteditable="true"], input:not([type="checkbox"]):not([type="radio"]):not([type="button"]):not([type="submit"]):not([type="file"])';

/**
 * Where focus goes when the control that had it leaves the page and no screen placed it (a completed
 * task's row, a dismissed toast, a card that moved off the board): the first control of the nearest
 * part of the page that is still there, else that part itself. Null when nothing of it is left.
 */
export function rescueTarget(ancestors: readonly HTMLElement[]): HTMLElement | null {
  const home = ancestors.find((a) => a.isConnected);
  if (!home) return null;
  // Never a text field: keys meant for the page (shortcuts, Space) would be typed into it.
  const controls = [...home.querySelectorAll<HTMLElement>(FOCUSABLE)];
  return controls.find((c) => !c.matches(TEXT_ENTRY) && c.checkVisibility()) ?? home;
}

/**
 * For the app root: keeps keyboard focus on the page when the focused control is removed, instead
 * of letting it fall to `<body>` (where Tab starts again at the top). Runs a frame later, so a
 * screen's own choice comes first: made in its commit (a layout effect, as `useFocusBack` does),
 * it always is. Focus the user took away on purpose (a click on blank space) is left alone, since
 * only a removed control is rescued.
 */
export function useFocusRescue(): void {
  useEffect(() => {
    let last: HTMLElement | null = null;
    let ancestors: HTMLElement[] = [];
    let frame = 0;
    const onFocusIn = (e: FocusEvent) => {
      if (!(e.target instanceof HTMLElement)) return;
      last = e.target;
      ancestors = [];
      for (let p = last.parentElement; p && p !== document.body; p = p.parentElement) ancestors.push(p);
    };
    const rescue = () => {
      frame = 0;
      if (last === null || last.isConnected || !focusLost()) return;
      const target = rescueTarget(ancestors);
      if (target && !target.matches(FOCUSABLE)) target.tabIndex = -1;
      target?.focus();
    };
    const observer = new MutationObserver(() => {
      if (frame === 0 && last !== null && !last.isConnected && focusLost())
        frame = requestAnimationFrame(rescue);
    });
    document.addEventListener('focusin', onFocusIn);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => {
      document.removeEventListener('focusin', onFocusIn);
      observer.disconnect();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, []);
}
