import { z } from 'zod';
import { channel, event, type ChannelDef, type EventDef } from '../define';

export const languageSchema = z.enum(['en', 'zh-CN']);
export type Language = z.infer<typeof languageSchema>;

export const themeSchema = z.enum(['light', 'dark', 'system']);
export type Theme = z.infer<typeof themeSchema>;

/** Inactivity before the vault locks itself, in minutes; 0 means never. */
export const lockTimeoutSchema = z
  .number()
  .int()
  .min(0)
  .max(24 * 60);

/**
 * User preferences. Stored unencrypted beside the vault because the lock screen needs the language
 * before unlock, so it must never hold customer data.
 */
export const settingsSchema = z.object({
  language: languageSchema,
  theme: themeSchema,
  lockTimeoutMinutes: lockTimeoutSchema,
  /** Backups kept (newest first); null keeps every backup. */
  backupRetentionCount: z.number().int().min(1).max(365).nullable(),
  /** Backups older than this many days are deleted at the next backup; null keeps them. */
  backupRetentionDays: z.number().int().min(1).max(3650).nullable(),
  /** Absolute directory for backups; null: inside the vault directory. */
  backupDirectory: z
    .string()
    .min(2)
    .max(1024)
    .regex(/^(\/|[A-Za-z]:\\|\\\\)[^\0]*$/, 'an absolute path')
    .nullable(),
  /** ISO 4217 code new deals start with; null: the one of the user's locale. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const defaultSettings: Settings = {
  language: 'en',
  theme: 'system',
  lockTimeoutMinutes: 15,
  backupRetentionCount: null,
  backupRetentionDays: null,
  backupDirectory: null,
  currency: null,
};

/** Channels of the settings domain (`settings.*`). */
export const settingsChannels = {
  'settings.get': channel(z.undefined(), settingsSchema, 'The current preferences (readable while locked).'),
  'settings.update': channel(
    settingsSchema.partial().strict(),
    settingsSchema,
    'Changes some preferences and returns all of them.',
  ),
} satisfies Record<string, ChannelDef>;

/** Push events of the settings domain. */
export const settingsEvents = {
  'settings.changed': event(settingsSchema, 'Preferences changed (another window or IT policy).'),
} satisfies Record<string, EventDef>;
