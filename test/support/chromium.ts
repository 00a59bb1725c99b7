import { chromium, type Browser } from '@playwright/test';

/** Chromium from the OS (no browser download here); FV_CHROMIUM_PATH points elsewhere if needed. */
export const CHROMIUM_PATH = process.env.FV_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags every headless run here uses: no sandbox in the container, no GPU, no network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
];

/** A headless Chromium for the benches that paint (the e2e suite launches through its config). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}
