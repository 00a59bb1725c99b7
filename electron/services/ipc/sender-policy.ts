import type { SenderInfo, SenderPolicy } from './router';

/** The origin the packaged app serves its renderer from (see the `app://` protocol). */
export const APP_ORIGIN = 'app://fieldvault';

/**
 * Electron transport: only the top frame of our own `app://` page may call. The dev host has already
 * authenticated its WebSocket with the per-run token and origin check, so it is trusted by origin.
 */
export function createSenderPolicy(
  options: { devHostOrigin?: string; allowTestSender?: boolean } = {},
): SenderPolicy {
  return (sender: SenderInfo) => {
    if (!sender.isMainFrame) return false;
    switch (sender.transport) {
      case 'electron':
        return originOf(sender.url) === APP_ORIGIN;
      case 'devhost':
        return options.devHostOrigin !== undefined && originOf(sender.url) === options.devHostOrigin;
      case 'test':
        return options.allowTestSender === true;
    }
  };
}

function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    // app:// is not a special scheme, so URL.origin is "null"; build it from protocol and host.
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}
