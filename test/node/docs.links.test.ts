import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');

/** Folders that exist on a developer's machine but are not part of the repository. */
const NOT_IN_REPO = ['node_modules', 'out', 'dist', 'test-results', 'playwright-report', '.tmp'];

/** The markdown files whose links must hold: the README, every page under docs/, the server README. */
function documents(): string[] {
  const docs = readdirSync(path.join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs, 'server/README.md'];
}

/**
 * The targets of inline links and images (`[text](target)`, `![alt](target)`) and of reference
 * definitions (`[id]: target`), outside fenced code blocks and inline code spans.
 */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) targets.push(m[1]!);
  return targets;
}

/** Relative targets only: no scheme (`https:`, `mailto:`) and not a bare anchor. */
function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('//');
}

/** Why a relative link from `doc` does not point at a file of the repository, or null when it does. */
function problemWith(doc: string, target: string): string | null {
  const file = decodeURIComponent(target.replace(/[#?].*$/, ''));
  if (file === '') return null;
  const resolved = path.resolve(path.dirname(path.join(repo, doc)), file);
  const rel = path.relative(repo, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return 'points outside the repository';
  if (NOT_IN_REPO.includes(rel.split(path.sep)[0]!)) return 'points into a build or dependency folder';
  return existsSync(resolved) ? null : 'does not exist';
}

describe('documentation links', () => {
  it('every relative link in README.md, docs/*.md and server/README.md points at a file in the repo', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of documents()) {
      const text = readFileSync(path.join(repo, doc), 'utf8');
      for (const target of linkTargets(text).filter(isRelative)) {
        checked++;
        const problem = problemWith(doc, target);
        if (problem) broken.push(`${doc}: ${target} ${problem}`);
      }
    }
    expect(broken).toEqual([]);
    // The docs link many source files: finding none would mean the scan is broken, not the docs sound.
    expect(checked).toBeGreaterThan(20);
  });

  it('the README links the architecture and security pages and the server README', () => {
    const targets = linkTargets(readFileSync(path.join(repo, 'README.md'), 'utf8'));
    for (const page of ['docs/ARCHITECTURE.md', 'docs/SECURITY.md', 'server/README.md'])
      expect(targets.map((t) => t.replace(/#.*$/, ''))).toContain(page);
  });

  it('control: the scan finds links in prose, skips code, and reports what is missing or outside', () => {
    const sample = [
      'See [the guide](docs/ARCHITECTURE.md#layers), ![logo](build/missing.png) and [web](https://x.y).',
      '[ref]: ../outside.md',
      '`[not](a-link.md)`',
      '```md',
      '[also not](in-a-fence.md)',
      '```',
    ].join('\n');
    const targets = linkTargets(sample);
    expect(targets).toEqual([
      'docs/ARCHITECTURE.md#layers',
      'build/missing.png',
      'https://x.y',
      '../outside.md',
    ]);
    expect(targets.filter(isRelative).map((t) => problemWith('README.md', t))).toEqual([
      null,
      'does not exist',
      'points outside the repository',
    ]);
    expect(problemWith('README.md', 'node_modules/vitest/package.json')).toBe(
      'points into a build or dependency folder',
    );
  });
});
