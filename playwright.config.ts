import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium';

/**
 * A fixed-offset zone where the run starts at about 09:00. The tests plan tasks "today", count this
 * month's deals and read the agenda: in the machine's own zone a run that crosses midnight (or a
 * month's end) would see "today" change under a test. Chosen once by the runner and passed to the
 * workers through the environment; the dev hosts and servers the tests start inherit `TZ`, and the
 * browser gets the same zone. Tests that need a particular zone set their own (`test.use`).
 */
function morningZone(now: Date): string {
  const east = (((9 - now.getUTCHours()) % 24) + 24) % 24;
  const hours = east > 14 ? east - 24 : east;
  return hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}
process.env.FV_E2E_TZ ??= morningZone(new Date());
process.env.TZ = process.env.FV_E2E_TZ;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.test.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    timezoneId: process.env.FV_E2E_TZ,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      // Tests that play several devices open one page each; headless Chromium paces every page but
      // the newest at about one frame a second, and each click or keypress waits for a frame, so
      // without this flag a click on an older page takes one to two seconds.
      args: [...CHROMIUM_ARGS, '--disable-component-update', '--disable-sync', '--disable-frame-rate-limit'],
    },
  },
});
