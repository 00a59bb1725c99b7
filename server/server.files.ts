import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Mode of every file the server writes: owner read/write only. */
export const DATA_FILE_MODE = 0o600;
/** Mode of a data directory the server creates. */
export const DATA_DIR_MODE = 0o700;

/** Files SQLite keeps beside the database (WAL mode, or a rollback journal after a crash). */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Before SQLite opens `file`: creates its directory (0700) and the file itself (0600) if missing, and
 * narrows an existing file to 0600. SQLite gives the `-wal` and `-shm` it creates the database's own
 * mode, so they follow; `narrowSqliteFiles` fixes any that existed with a wider mode.
 */
export function prepareSqliteFile(file: string): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  closeSync(openSync(file, 'a', DATA_FILE_MODE));
  chmodSync(file, DATA_FILE_MODE);
  narrowSqliteFiles(file);
}

/** Sets the database and any side file that exists to 0600. */
export function narrowSqliteFiles(file: string): void {
  for (const suffix of SIDE_FILES) {
    const side = file + suffix;
    if (existsSync(side)) chmodSync(side, DATA_FILE_MODE);
  }
  if (existsSync(file)) chmodSync(file, DATA_FILE_MODE);
}

/** Why a `--database` value is refused (the message names the safe options), or null when it is fine. */
export function databaseUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '--database must be a postgres:// URL';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return '--database must be a postgres:// URL';
  }
  const inQuery = [...parsed.searchParams.keys()].some((k) => k.toLowerCase() === 'password');
  if (parsed.password !== '' || inQuery) {
    // Never echo the URL: it holds the password.
    return (
      '--database must not contain a password (it would show in the process list); ' +
      'put it in a file passed with --database-password-file, or in the PGPASSWORD environment variable'
    );
  }
  return null;
}

/** Where the PostgreSQL password came from (logged by name only, never the value). */
export type PasswordSource = 'file' | 'PGPASSWORD' | 'none';

/**
 * The PostgreSQL password: from `--database-password-file` (one trailing newline dropped), else the
 * `PGPASSWORD` environment variable, else none (a `~/.pgpass` or trust/peer authentication).
 */
export function databasePassword(
  passwordFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { readonly password: string | undefined; readonly source: PasswordSource } {
  if (passwordFile !== undefined) {
    return { password: readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, ''), source: 'file' };
  }
  const fromEnv = env.PGPASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return { password: fromEnv, source: 'PGPASSWORD' };
  return { password: undefined, source: 'none' };
}
