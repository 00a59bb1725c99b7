import type { KeyboardEvent } from 'react';

/**
 * Whether a key press belongs to an input method composing text (pinyin, kana): there Enter picks
 * a candidate and Escape closes the candidate list, so such a press is never a command to save,
 * cancel or close.
 */
export function composing(event: KeyboardEvent): boolean {
  return event.nativeEvent.isComposing;
}
