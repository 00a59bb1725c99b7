import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import {
  defaultSettings,
  settingsSchema,
  type Settings,
  type settingsChannels,
} from '../../../shared/ipc/channels/settings.channels';
import { applyPolicyToSettings, managedSettings } from '../../../shared/policy/policy.settings';
import type { ModuleContext, ServiceModule } from '../module';
import type { PolicyService } from '../policy/policy.service';

export type SettingsChannelName = keyof typeof settingsChannels;

/** The preferences file: plain JSON, no customer data, so the lock screen can read it before unlock. */
export const SETTINGS_FILE = 'settings.json';

/** Reads the preferences; a missing file gives the defaults, a damaged one is replaced by defaults field by field. */
export function readSettings(dataDir: string): Settings {
  let raw: string;
  try {
    raw = readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8');
  } catch {
    return { ...defaultSettings };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ...defaultSettings };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ...defaultSettings };
  // Keep every field that is still valid, so one bad value does not reset the others.
  const out: Settings = { ...defaultSettings };
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(defaultSettings) as (keyof Settings)[]) {
    const field = settingsSchema.shape[key].safeParse(record[key]);
    if (field.success) (out as Record<keyof Settings, unknown>)[key] = field.data;
  }
  return out;
}

/** Writes atomically (temp file then rename) so a crash never leaves half a file. */
export function writeSettings(dataDir: string, settings: Settings): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SETTINGS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new AppError(code === 'ENOSPC' ? 'DISK_FULL' : 'INTERNAL', 'The preferences could not be saved.', {
      cause,
    });
  }
}

/**
 * User preferences (language, theme, lock timeout). What the channels return and push is the
 * effective value: a policy-managed key (the lock timeout) shows IT's value, while the file keeps
 * the user's own, which comes back if IT stops managing it. Changing a managed key is refused.
 */
export function createSettingsModule(
  ctx: ModuleContext,
  policy: PolicyService,
): ServiceModule<SettingsChannelName> {
  let current: Settings | null = null;
  const load = (): Settings => (current ??= readSettings(ctx.dataDir));
  const effective = (): Settings => applyPolicyToSettings(load(), policy.current().values);
  // What the renderer last got, so a policy change that leaves the settings alone pushes nothing.
  let lastPushed = '';
  void policy.ready().then(() => {
    if (lastPushed === '') lastPushed = JSON.stringify(effective());
  });
  const stopFollowing = policy.onChange(() => {
    const next = effective();
    const key = JSON.stringify(next);
    if (key === lastPushed) return;
    lastPushed = key;
    ctx.emit('settings.changed', next);
  });
  return {
    handlers: {
      'settings.get': async () => {
        await policy.ready();
        return effective();
      },
      'settings.update': async (patch) => {
        await policy.ready();
        const locked = managedSettings(policy.current().managed).filter((key) => key in patch);
        if (locked.length > 0) {
          throw new AppError('VALIDATION', `Managed by your organization: ${locked.join(', ')}`);
        }
        const next = settingsSchema.parse({ ...load(), ...patch });
        writeSettings(ctx.dataDir, next);
        current = next;
        ctx.logger.log('info', 'settings.updated', { fields: Object.keys(patch).join(',') });
        const shown = effective();
        lastPushed = JSON.stringify(shown);
        ctx.emit('settings.changed', shown);
        return shown;
      },
    },
    dispose: () => stopFollowing(),
  };
}
