// @ts-check
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The repository's runtime import graph over relative imports, read from disk and parsed with the
 * TypeScript scanner. Each file's edges are cached by path and re-read only when its mtime or size
 * changes, so one lint run parses every file once however many files ask about cycles.
 *
 * Type-only imports (`import type`, `export type`, or specifiers that are all `type`) are not edges:
 * `verbatimModuleSyntax` erases them, so they cannot order module evaluation.
 */

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.mjs', '.cjs', '.js', '.jsx'];

/** @type {Map<string, {mtimeMs: number, size: number, deps: string[]}>} */
const edgesCache = new Map();

/** @param {string} file */
function statOf(file) {
  try {
    const stat = statSync(file);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a relative specifier the way the bundler resolution of tsconfig.base.json does for our
 * sources: the exact file, then the source extensions, then an index file; `./x.js` may name `x.ts`.
 * @param {string} fromFile absolute path of the importing file
 * @param {string} spec a specifier starting with `.`
 * @returns {string | undefined} the absolute path of an existing file
 */
export function resolveRelative(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base, ...SOURCE_EXTENSIONS.map((e) => base + e)];
  const ext = path.extname(base);
  if (['.js', '.mjs', '.cjs', '.jsx'].includes(ext)) {
    const stem = base.slice(0, -ext.length);
    candidates.push(...['.ts', '.tsx', '.mts', '.cts'].map((e) => stem + e));
  }
  candidates.push(...SOURCE_EXTENSIONS.map((e) => path.join(base, 'index' + e)));
  return candidates.find((c) => statOf(c) !== undefined);
}

/** @param {ts.ImportClause | undefined} clause */
function isTypeOnlyClause(clause) {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** @param {ts.ExportDeclaration} node */
function isTypeOnlyExport(node) {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}

/**
 * The relative specifiers a module evaluates: static imports and re-exports that are not type-only,
 * and dynamic `import()` calls anywhere in the file.
 * @param {string} fileName
 * @param {string} text
 * @returns {string[]}
 */
export function runtimeSpecifiers(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  /** @type {string[]} */
  const specs = [];
  /** @param {ts.Node} node */
  function visit(node) {
    if (ts.isImportDeclaration(node)) {
      if (ts.isStringLiteral(node.moduleSpecifier) && !isTypeOnlyClause(node.importClause)) {
        specs.push(node.moduleSpecifier.text);
      }
      return;
    }
    if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !isTypeOnlyExport(node)) {
        specs.push(node.moduleSpecifier.text);
      }
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  }
  visit(source);
  return specs.filter((s) => s.startsWith('.'));
}

/**
 * The files `file` imports at runtime, resolved to absolute paths (unresolvable ones dropped).
 * @param {string} file absolute path
 * @returns {string[]}
 */
function depsOf(file) {
  if (
    !SOURCE_EXTENSIONS.includes(path.extname(file)) ||
    file.includes(`${path.sep}node_modules${path.sep}`)
  ) {
    return [];
  }
  const stat = statOf(file);
  if (!stat) return [];
  const cached = edgesCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.deps;
  const deps = runtimeSpecifiers(file, readFileSync(file, 'utf8'))
    .map((spec) => resolveRelative(file, spec))
    .filter((d) => d !== undefined);
  const unique = [...new Set(deps)];
  edgesCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, deps: unique });
  return unique;
}

/**
 * The shortest chain of runtime imports from `start` back to `file`, or undefined if there is none.
 * @param {string} file absolute path of the module being linted
 * @param {string} start absolute path of a module `file` imports
 * @returns {string[] | undefined} `[start, ..., file]`
 */
export function cycleThrough(file, start) {
  if (start === file) return [file];
  /** @type {Map<string, string | null>} */
  const parent = new Map([[start, null]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const current = /** @type {string} */ (queue[i]);
    for (const dep of depsOf(current)) {
      if (parent.has(dep)) continue;
      parent.set(dep, current);
      if (dep === file) {
        /** @type {string[]} */
        const chain = [];
        for (let at = /** @type {string | null | undefined} */ (dep); at; at = parent.get(at))
          chain.unshift(at);
        return chain;
      }
      queue.push(dep);
    }
  }
  return undefined;
}
