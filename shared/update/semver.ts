/**
 * Strict semantic versions (semver.org 2.0.0) for release ordering. Build metadata is rejected rather
 * than ignored: two releases that differ only in build metadata would compare equal, which a signed
 * manifest must never allow.
 */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const NUM = '0|[1-9]\\d*';
const IDENT = `(?:${NUM}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER_RE = new RegExp(`^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${IDENT}(?:\\.${IDENT})*))?$`);

/** The parsed version, or null when `text` is not a strict `MAJOR.MINOR.PATCH[-pre]` version. */
export function parseSemVer(text: string): SemVer | null {
  const m = SEMVER_RE.exec(text);
  if (!m) return null;
  const [, major, minor, patch, pre] = m;
  const nums = [major, minor, patch].map(Number);
  if (nums.some((n) => !Number.isSafeInteger(n))) return null;
  return {
    major: nums[0]!,
    minor: nums[1]!,
    patch: nums[2]!,
    prerelease: pre ? pre.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [],
  };
}

/** True when `text` is a strict semantic version. */
export function isSemVer(text: string): boolean {
  return parseSemVer(text) !== null;
}

function compareIdent(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semver precedence: negative when `a` < `b`, 0 when equal, positive when `a` > `b`.
 * Throws on a string that is not a strict version, so a bad version can never sort as "newer".
 */
export function compareSemVer(a: string, b: string): number {
  const va = parseSemVer(a);
  const vb = parseSemVer(b);
  if (!va || !vb) throw new TypeError('not a semantic version');
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (va[key] !== vb[key]) return Math.sign(va[key] - vb[key]);
  }
  // A pre-release sorts before its release; otherwise compare identifiers left to right.
  if (va.prerelease.length === 0 || vb.prerelease.length === 0) {
    return Math.sign(vb.prerelease.length - va.prerelease.length);
  }
  const n = Math.max(va.prerelease.length, vb.prerelease.length);
  for (let i = 0; i < n; i++) {
    const x = va.prerelease[i];
    const y = vb.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdent(x, y);
    if (c !== 0) return c;
  }
  return 0;
}
