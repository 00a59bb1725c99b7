import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS_FILE, readSettings } from '../../../../electron/services/settings/settings.module';
import { defaultSettings } from '../../../../shared/ipc/channels/settings.channels';
import { createTestServices, testSender } from '../../support/router';
import { tempDir } from '../../support/tmp';

describe('settings module', () => {
  it('gives the defaults before anything was saved, while the vault is locked', async () => {
    const services = createTestServices(tempDir());
    const result = await services.router.dispatch('settings.get', undefined, testSender);
    expect(result).toEqual({ ok: true, value: defaultSettings });
    await services.dispose();
  });

  it('persists an update to a JSON file that a fresh process reads back, and emits settings.changed', async () => {
    const dir = tempDir();
    const services = createTestServices(dir);
    const seen: unknown[] = [];
    services.router.onEvent((event, payload) => seen.push({ event, payload }));
    const updated = await services.router.dispatch(
      'settings.update',
      { language: 'zh-CN', theme: 'dark' },
      testSender,
    );
    const expected = { ...defaultSettings, language: 'zh-CN', theme: 'dark', lockTimeoutMinutes: 15 };
    expect(updated).toEqual({ ok: true, value: expected });
    expect(seen).toEqual([{ event: 'settings.changed', payload: expected }]);
    await services.dispose();

    expect(JSON.parse(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8'))).toEqual(expected);
    const again = createTestServices(dir);
    expect(await again.router.dispatch('settings.get', undefined, testSender)).toEqual({
      ok: true,
      value: expected,
    });
    await again.dispose();
  });

  it.each([
    ['an unknown language', { language: 'fr' }],
    ['an unknown theme', { theme: 'neon' }],
    ['a negative timeout', { lockTimeoutMinutes: -1 }],
    ['a fractional timeout', { lockTimeoutMinutes: 1.5 }],
    ['an unknown field', { fontSize: 20 }],
    ['a relative backup folder', { backupDirectory: 'backups' }],
    ['zero backups kept', { backupRetentionCount: 0 }],
    ['a fractional age limit', { backupRetentionDays: 2.5 }],
    ['a currency that is not an ISO code', { currency: 'eur' }],
  ])('rejects %s with VALIDATION and keeps the saved values', async (_label, input) => {
    const dir = tempDir();
    const services = createTestServices(dir);
    await services.router.dispatch('settings.update', { lockTimeoutMinutes: 5 }, testSender);
    const result = await services.router.dispatch('settings.update', input, testSender);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(readSettings(dir)).toEqual({ ...defaultSettings, lockTimeoutMinutes: 5 });
    await services.dispose();
  });

  it('survives a damaged file: unreadable JSON gives defaults, one bad field keeps the good ones', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, SETTINGS_FILE), '{not json');
    expect(readSettings(dir)).toEqual(defaultSettings);
    writeFileSync(
      path.join(dir, SETTINGS_FILE),
      JSON.stringify({ language: 'zh-CN', theme: 'purple', lockTimeoutMinutes: 30 }),
    );
    expect(readSettings(dir)).toEqual({
      ...defaultSettings,
      language: 'zh-CN',
      theme: 'system',
      lockTimeoutMinutes: 30,
    });
  });

  it('keeps the currency of new deals (an ISO code, or null for the locale’s); a bad one reads as null', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ language: 'en', currency: 'CHF' }));
    expect(readSettings(dir).currency).toBe('CHF');
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ language: 'en', currency: 'chf<script>' }));
    expect(readSettings(dir)).toEqual(defaultSettings);
  });
});
