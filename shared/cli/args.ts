/** The part of a `node:util` parseArgs option this module reads (shared/ cannot import node:*). */
export interface ArgOption {
  readonly type: 'string' | 'boolean';
}

/**
 * `--name VALUE` becomes `--name=VALUE` for every string option, so parseArgs takes a value that
 * starts with `-` (one base64url id in 64 does) instead of refusing it as ambiguous. A following word
 * that is itself one of the options stays an option, so a forgotten value is still reported; after
 * `--` nothing is touched.
 */
export function joinOptionValues(
  argv: readonly string[],
  options: Readonly<Record<string, ArgOption>>,
): string[] {
  const known = new Set(Object.keys(options).map((name) => `--${name}`));
  const takesValue = new Set(
    Object.entries(options)
      .filter(([, o]) => o.type === 'string')
      .map(([name]) => `--${name}`),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (takesValue.has(arg) && next !== undefined && next !== '--' && !known.has(next.split('=')[0]!)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
