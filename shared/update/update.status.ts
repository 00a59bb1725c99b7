import type { ErrorInfo } from '../errors';

/**
 * What the updater is doing, as main reports it (and may later show it in Settings).
 * `ready` means a verified update is downloaded and will be installed when the app quits.
 */
export type UpdateStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'disabled' }
  | { readonly state: 'checking' }
  | { readonly state: 'up-to-date'; readonly version: string }
  | { readonly state: 'available'; readonly version: string }
  | { readonly state: 'downloading'; readonly version: string }
  | { readonly state: 'ready'; readonly version: string }
  | { readonly state: 'refused'; readonly error: ErrorInfo };
