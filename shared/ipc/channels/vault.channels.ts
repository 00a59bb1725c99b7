import { z } from 'zod';
import { channel, event, type ChannelDef, type EventDef } from '../define';

export const vaultStateSchema = z.enum(['not_set_up', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof vaultStateSchema>;

/**
 * What the OS keychain says about a locked vault's entry: `available`; `missing` (deleted, a new
 * login keyring); `backend-changed` (missing, and another keyring answers than the one the vault was
 * set up with: GNOME <-> KDE, a Flatpak); `locked`; `unavailable` (no Secret Service). Anything but
 * `available` means: unlock with the recovery code, the PIN or IT's escrow instead.
 */
export const keychainStateSchema = z.enum([
  'available',
  'missing',
  'backend-changed',
  'locked',
  'unavailable',
]);
export type KeychainState = z.infer<typeof keychainStateSchema>;

export const vaultStatusSchema = z.object({
  state: vaultStateSchema,
  /** Random id of this vault (names the keychain entry); null before set-up. */
  vaultId: z.string().nullable(),
  /** Page cipher of the store, e.g. `aegis-256`; null before set-up. */
  cipher: z.string().nullable(),
  /** Applied schema version per domain; null unless unlocked. */
  schema: z.record(z.string(), z.number().int()).nullable(),
  /** Only while locked, from `vault.status`: whether the keychain unlocker can open the vault now. */
  keychain: keychainStateSchema.optional(),
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
  /** Made before a person was erased in this vault (issue 12): it still holds what was erased. */
  containsErased: z.boolean(),
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
export type LockReason = z.infer<typeof lockReasonSchema>;

/** The ways a vault can be opened. */
export const unlockerKindSchema = z.enum(['keychain', 'recovery-code', 'pin', 'escrow']);
export type UnlockerKind = z.infer<typeof unlockerKindSchema>;

/** One unlocker as the UI sees it: its kind and when it was written; never a secret. */
export const unlockerInfoSchema = z.object({
  kind: unlockerKindSchema,
  createdAt: z.string(),
  /** Set by IT's policy (the escrow key): the user cannot remove it. */
  managed: z.boolean(),
});
export type UnlockerInfo = z.infer<typeof unlockerInfoSchema>;

export const unlockersViewSchema = z.object({
  unlockers: z.array(unlockerInfoSchema),
  pin: z.object({
    /** Whether IT's policy lets this vault have a PIN. */
    allowed: z.boolean(),
    set: z.boolean(),
    /** Too many wrong PINs destroyed it: unlock another way and set a new one. */
    lockedOut: z.boolean(),
    triesLeft: z.number().int().nonnegative(),
  }),
});
export type UnlockersView = z.infer<typeof unlockersViewSchema>;

/** A PIN or passphrase as typed: 6 to 128 characters (digits alone are allowed). */
export const pinInputSchema = z.string().min(6).max(128);

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
  'vault.purgeErasedBackups': channel(
    z.undefined(),
    z.object({ deleted: z.number().int().nonnegative() }),
    'Deletes every backup of this vault that still holds erased data (made before the last erasure).',
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
  'vault.unlockers.list': channel(
    z.undefined(),
    unlockersViewSchema,
    'The unlockers of this vault (kinds and dates, never secrets) and whether a PIN is allowed, set or locked out.',
  ),
  'vault.pin.set': channel(
    z.object({ pin: pinInputSchema }),
    unlockersViewSchema,
    'After the OS confirms the user: sets (or replaces) the PIN/passphrase unlocker of the open vault.',
  ),
  'vault.pin.remove': channel(
    z.undefined(),
    unlockersViewSchema,
    'After the OS confirms the user: removes the PIN/passphrase unlocker.',
  ),
  'vault.unlockWithPin': channel(
    z.object({ pin: pinInputSchema }),
    vaultStatusSchema,
    'Opens the vault with its PIN/passphrase; five wrong ones in a row remove the PIN (PIN_LOCKED_OUT).',
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
