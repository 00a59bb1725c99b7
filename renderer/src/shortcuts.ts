import { useEffect } from 'react';

/** True for Ctrl on Windows/Linux and Cmd on macOS. */
export function isMod(event: KeyboardEvent): boolean {
  return navigator.platform.toLowerCase().includes('mac') ? event.metaKey : event.ctrlKey;
}

export interface Shortcut {
  /** `event.key`, lower-cased for letters. */
  readonly key: string;
  readonly mod?: boolean;
  readonly alt?: boolean;
  readonly shift?: boolean;
  readonly run: () => void;
}

function matches(event: KeyboardEvent, s: Shortcut): boolean {
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  // Alt+letter produces other characters on some layouts: fall back to the physical key.
  const code = event.code.startsWith('Key') ? event.code.slice(3).toLowerCase() : event.code;
  return (
    (key === s.key || (s.alt === true && code === s.key)) &&
    isMod(event) === (s.mod ?? false) &&
    event.altKey === (s.alt ?? false) &&
    event.shiftKey === (s.shift ?? false)
  );
}

/** Global keyboard shortcuts, active while the component is mounted. */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      for (const s of shortcuts) {
        if (matches(event, s)) {
          event.preventDefault();
          s.run();
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shortcuts]);
}

/** Calls `onIdle` after `minutes` without keyboard, pointer or wheel input (0 disables). */
export function useIdle(minutes: number, onIdle: () => void): void {
  useEffect(() => {
    if (minutes <= 0) return;
    let timer = window.setTimeout(onIdle, minutes * 60_000);
    const reset = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(onIdle, minutes * 60_000);
    };
    const kinds = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focusin'] as const;
    for (const kind of kinds) window.addEventListener(kind, reset, { passive: true });
    return () => {
      window.clearTimeout(timer);
      for (const kind of kinds) window.removeEventListener(kind, reset);
    };
  }, [minutes, onIdle]);
}
