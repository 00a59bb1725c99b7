import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { joinOptionValues } from '../../../../shared/cli/args';

const options = {
  workspace: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const parse = (argv: readonly string[]) =>
  parseArgs({ args: joinOptionValues(argv, options), options, strict: true, allowPositionals: true });

describe('joinOptionValues', () => {
  it('lets a string option take a value that starts with a dash', () => {
    expect(() => parseArgs({ args: ['--workspace', '-Abc_9'], options, strict: true })).toThrow(/ambiguous/);
    expect(parse(['devices', '--workspace', '-Abc_9', '--json']).values).toEqual({
      workspace: '-Abc_9',
      json: true,
    });
    // `--` ends the options; parseArgs then reports the missing value.
    expect(() => parse(['--out', '--', 'x'])).toThrow(/--out/);
    expect(parse(['--workspace=-x']).values).toEqual({ workspace: '-x' });
  });

  it('keeps a following option an option, so a missing value is still an error', () => {
    expect(() => parse(['--workspace', '--json'])).toThrow(/--workspace/);
    expect(() => parse(['--workspace', '--out=f'])).toThrow(/--workspace/);
    expect(() => parse(['--workspace'])).toThrow(/argument missing/);
  });

  it('leaves booleans, positionals and everything after -- alone', () => {
    expect(joinOptionValues(['--json', 'usage', '--', '--workspace', '-x'], options)).toEqual([
      '--json',
      'usage',
      '--',
      '--workspace',
      '-x',
    ]);
  });
});
