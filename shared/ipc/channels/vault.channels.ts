import { z } from 'zod';
import { channel, event, type ChannelDef, type EventDef } from '../define';

export const vaultStateSchema = z.enum(['not_set_up', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof vaultStateSchema>;

export const vaultStatusSchema = z.object({
  state: vaultStateSchema,
  /** Random id of this vault (names the keychain entry); null before set-up. */
  vaultId: z.string().nullable(),
  /** Page cipher of the store, e.g. `aegis-256`; null before set-up. */
  cipher: z.string().nullable(),
  /** Applied schema version per domain; null unless unlocked. */
  schema: z.record(z.string(), z.number().int()).nullable(),
});
export type VaultStatus = z.infer<typeof vaultStatusSchema>;

/** A recovery code as typed by a person: groups of characters, separators and case ignored. */
export const recoveryCodeInputSchema = z.string().trim().min(16).max(200);

export const backupIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);

export const backupInfoSchema = z.object({
  backupId: backupIdSchema,
  createdAt: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Every byte checked (HMAC, checksum) under a key this vault holds; false: header only (locked). */
  verified: z.boolean(),
  /** Its key opens only with the recovery code that was current when it was made (renewed since). */
  needsCode: z.boolean(),
  /** The version of the app that wrote it; null for backups from before it was recorded. */
  appVersion: z.string().nullable(),
});
export type BackupInfo = z.infer<typeof backupInfoSchema>;

/** What a restore put back: the backup, its date and app version, and live records per entity kind. */
export const restoreSummarySchema = z.object({
  backupId: backupIdSchema,
  createdAt: z.string(),
  appVersion: z.string().nullable(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type RestoreSummary = z.infer<typeof restoreSummarySchema>;

export const lockReasonSchema = z.enum([
  'user',
  'timeout',
  'quit',
  'restore',
  'revoked',
  'suspend',
  'lock-screen',
  'lease-expired',
]);

/** Channels of the vault lifecycle (`vault.*`). */
export const vaultChannels = {
  'vault.status': channel(
    z.undefined(),
    vaultStatusSchema,
    'Whether the vault is set up, locked or unlocked.',
  ),
  'vault.setup': channel(
    z.undefined(),
    z.object({ status: vaultStatusSchema, recoveryCode: z.string() }),
    'Creates the vault key, keychain entry, database and recovery wrap; returns the recovery code once.',
  ),
  'vault.unlock': channel(
    z.undefined(),
    vaultStatusSchema,
    'Opens the vault with the key from the OS keychain.',
  ),
  'vault.lock': channel(z.undefined(), vaultStatusSchema, 'Closes the database and zeroes every key buffer.'),
  'vault.recover': channel(
    z.object({ recoveryCode: recoveryCodeInputSchema }),
    vaultStatusSchema,
    'Restores the vault key into the keychain from the recovery code (lost entry, new OS) and unlocks.',
  ),
  'vault.backup': channel(z.undefined(), backupInfoSchema, 'Writes one encrypted, checksummed backup file.'),
  'vault.listBackups': channel(
    z.undefined(),
    z.array(backupInfoSchema),
    'Backups of this vault, newest first.',
  ),
  'vault.restore': channel(
    z.object({ backupId: backupIdSchema, recoveryCode: recoveryCodeInputSchema.optional() }),
    vaultStatusSchema.extend({ restored: restoreSummarySchema }),
    'Verifies a backup completely, then replaces the current database with it; says what it restored. `recoveryCode`: the code current when the backup was made, if it has been renewed since.',
  ),
  'vault.deleteBackup': channel(
    z.object({ backupId: backupIdSchema }),
    z.object({ deleted: z.number().int().nonnegative() }),
    'Deletes one backup of this vault (after the OS confirms the user).',
  ),
  'vault.deleteBackupsBefore': channel(
    z.object({ before: z.iso.datetime() }),
    z.object({ deleted: z.number().int().nonnegative() }),
    'Deletes every backup of this vault made before the given time; the newest backup always stays.',
  ),
  'vault.importBackup': channel(
    z.object({ path: z.string().min(2).max(4096) }),
    backupInfoSchema,
    'Copies a backup of this vault from elsewhere (a USB stick) into the backup directory, once every byte verifies.',
  ),
  'vault.rekey': channel(
    z.undefined(),
    vaultStatusSchema,
    'Replaces the vault key; the keychain and the recovery wrap follow, crash-safe at every step.',
  ),
  'vault.onboarding': channel(
    z.undefined(),
    z.object({ recoveryConfirmed: z.boolean() }),
    'Whether the person confirmed the current recovery code (false resumes the confirmation after a reload).',
  ),
  'vault.renewRecoveryCode': channel(
    z.undefined(),
    z.object({ recoveryCode: z.string() }),
    'After the OS confirms the user: a new recovery code replaces the old wrap (the old code stops working).',
  ),
  'vault.confirmRecoveryCode': channel(
    z.undefined(),
    z.object({ recoveryConfirmed: z.literal(true) }),
    'Records that the person wrote down the current recovery code.',
  ),
} satisfies Record<string, ChannelDef>;

/** Push events of the vault. */
export const vaultEvents = {
  'vault.locked': event(
    z.object({ reason: lockReasonSchema }),
    'The vault locked; the renderer drops every record.',
  ),
  'vault.unlocked': event(z.object({ vaultId: z.string() }), 'The vault opened.'),
} satisfies Record<string, EventDef>;
