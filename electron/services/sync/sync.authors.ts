import { memberProfileId } from '../../../shared/people/members';
/**
 * Who may have written a delta: what the verified membership log says about a pushing device.
 * The inbox checks every delta's signature and every op's clock id against this, never against
 * the server's device list (the server could lie about keys).
 */
export interface DeltaAuthor {
  /** The device's Ed25519 public key as its signed join (or genesis) entry recorded it. */
  readonly signPublicKey: Uint8Array;
  /** The HLC device id every op of this device carries, compared exactly. */
  readonly clockId: string;
  /** False for viewers: their deltas are refused whatever they hold. */
  readonly canWrite: boolean;
  /** True for owners and admins: they may name and place (team) any member, not only themselves. */
  readonly managesPeople: boolean;
}

/**
 * Whether `author` may have written `change` as far as member profiles go: owners and admins any
 * profile; any other writer only its own profile's display name (`memberProfileId` of its clock id).
 * Changes of other entities are not this rule's concern (true).
 */
export function mayWriteProfileChange(
  author: DeltaAuthor,
  change: { readonly entity: string; readonly recordId: string; readonly fields: string | null },
): boolean {
  if (change.entity !== 'memberProfile' || author.managesPeople) return true;
  if (change.recordId !== memberProfileId(author.clockId)) return false;
  if (change.fields === null) return true;
  try {
    const fields = JSON.parse(change.fields) as Record<string, unknown>;
    return Object.keys(fields).every(
      (f) => f === 'displayName' || (f === 'memberId' && fields[f] === author.clockId),
    );
  } catch {
    return false;
  }
}

/** The inbox's view of the membership log. */
export interface DeltaAuthors {
  /** The author by server device id, or null when the verified log does not know it. */
  author(deviceId: string): DeltaAuthor | null;
  /**
   * Makes sure the log is fresh enough to know these devices: fetches and verifies newer entries
   * when any is unknown (a device may have joined after the last fetch). Throws when the log cannot
   * be fetched or verified (the page is then not applied); a device the fresh, verified log does
   * not hold stays unknown, and `author` returns null for it.
   */
  ensure(deviceIds: readonly string[]): Promise<void>;
  /**
   * Makes sure this device holds the workspace keys of these epochs: when one is newer than any it
   * holds (a rotation it has not fetched yet), fetches and verifies the log, which adopts the keys
   * sealed to it. Throws when the log cannot be fetched or verified (the page is then not applied);
   * a delta whose key the verified log does not know is rejected as `unknown_key`.
   */
  ensureKeys(keyIds: readonly number[]): Promise<void>;
}
