import path from 'node:path';

/**
 * Maps a URL path onto a file under `root`, or returns null when it would leave `root`
 * (`..`, encoded `%2e%2e`, absolute paths, backslashes, NUL bytes). Used by the `app://` protocol
 * and the dev host's static server.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const base = path.resolve(root);
  const target = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  const segments = decoded.split('/');
  if (segments.includes('..')) return null;
  return target;
}
