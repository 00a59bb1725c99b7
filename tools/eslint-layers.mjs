// @ts-check
import { builtinModules } from 'node:module';
import path from 'node:path';
import { cycleThrough, resolveRelative } from './import-graph.mjs';

/**
 * Two small ESLint rules for the layer map (eslint-plugin-import-x does both, but its native
 * resolver ships as per-platform packages, which `npm ci` has not reliably found on our registry):
 *
 *  - `layers/boundaries` resolves each relative import against the importing file and reports it
 *    when the target is not one the importing layer may reach; a layer with `packages` may import
 *    only those bare packages (Node built-ins are left to `no-restricted-imports`).
 *  - `layers/no-cycle` reports a runtime import that leads back to the importing file.
 *
 * Boundaries options: { root: string, layers: [{ name, from: string[], allow: string[],
 * packages?: string[], why }] } where `from` and `allow` are repo-relative path prefixes (a folder,
 * or a module without its extension); the first layer whose `from` matches the file applies.
 */

/** @param {string} rel @param {string[]} prefixes */
function under(rel, prefixes) {
  return prefixes.some((p) => rel === p || rel.startsWith(p.endsWith('/') ? p : p + '/'));
}

/** @param {string} root @param {string} file */
function repoPath(root, file) {
  return path.relative(root, file).split(path.sep).join('/');
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. @param {string} spec */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** @param {string} spec */
function isBuiltin(spec) {
  return spec.startsWith('node:') || builtinModules.includes(packageName(spec));
}

/**
 * The module specifier an import-like node names, with the node to report on.
 * @param {any} node an ESTree / typescript-estree node
 * @returns {{spec: string, at: any} | undefined}
 */
function specifierOf(node) {
  const at =
    node.type === 'TSImportEqualsDeclaration'
      ? node.moduleReference?.type === 'TSExternalModuleReference'
        ? node.moduleReference.expression
        : undefined
      : node.type === 'TSImportType'
        ? (node.argument?.literal ?? node.source)
        : node.source;
  if (!at || at.type !== 'Literal' || typeof at.value !== 'string') return undefined;
  return { spec: at.value, at };
}

/**
 * Whether an import-like node is erased at compile time (mirrors runtimeSpecifiers in import-graph).
 * @param {any} node
 */
function isTypeOnly(node) {
  switch (node.type) {
    case 'TSImportType':
      return true;
    case 'TSImportEqualsDeclaration':
      return node.importKind === 'type';
    case 'ImportDeclaration':
      if (node.importKind === 'type') return true;
      return (
        node.specifiers.length > 0 &&
        node.specifiers.every(
          (/** @type {any} */ s) => s.type === 'ImportSpecifier' && s.importKind === 'type',
        )
      );
    case 'ExportNamedDeclaration':
      if (node.exportKind === 'type') return true;
      return (
        node.specifiers.length > 0 && node.specifiers.every((/** @type {any} */ s) => s.exportKind === 'type')
      );
    case 'ExportAllDeclaration':
      return node.exportKind === 'type';
    default:
      return false;
  }
}

/** @param {(node: any) => void} check */
function importVisitors(check) {
  return {
    ImportDeclaration: check,
    ExportNamedDeclaration: check,
    ExportAllDeclaration: check,
    ImportExpression: check,
    TSImportEqualsDeclaration: check,
    TSImportType: check,
  };
}

/** @typedef {{name: string, from: string[], allow: string[], packages?: string[], why: string}} Layer */

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the FieldVault layer map on imports' },
    schema: [{ type: 'object' }],
    messages: {
      forbidden: '{{layer}} may not import from {{target}}: {{why}}',
      forbiddenPackage: '{{layer}} may not import the package {{target}}: {{why}}',
    },
  },
  create(context) {
    const options = /** @type {{root: string, layers: Layer[]}} */ (context.options[0]);
    const file = repoPath(options.root, context.filename);
    const layer = options.layers.find((l) => under(file, l.from));
    if (!layer) return {};
    /** @param {any} node */
    function check(node) {
      const found = specifierOf(node);
      if (!found) return;
      const { spec, at } = found;
      const data = { layer: layer.name, target: spec, why: layer.why };
      if (!spec.startsWith('.') && !path.isAbsolute(spec)) {
        if (layer.packages && !isBuiltin(spec) && !layer.packages.includes(packageName(spec))) {
          context.report({ node: at, messageId: 'forbiddenPackage', data });
        }
        return;
      }
      const resolved = resolveRelative(context.filename, spec);
      const target = repoPath(options.root, resolved ?? path.resolve(path.dirname(context.filename), spec));
      const stem = target.replace(/\.(?:[cm]?[jt]sx?)$/, '').replace(/\/index$/, '');
      if (target.startsWith('..') || !(under(target, layer.allow) || under(stem, layer.allow))) {
        context.report({ node: at, messageId: 'forbidden', data: { ...data, target } });
      }
    }
    return importVisitors(check);
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid runtime import cycles between repository modules' },
    schema: [],
    messages: { cycle: 'Import cycle: {{chain}}' },
  },
  create(context) {
    const self = context.filename;
    /** @param {any} node */
    function check(node) {
      const found = specifierOf(node);
      if (!found || !found.spec.startsWith('.') || isTypeOnly(node)) return;
      const target = resolveRelative(self, found.spec);
      if (!target) return;
      const chain = cycleThrough(self, target);
      if (!chain) return;
      const shown = [self, ...chain].map((f) => repoPath(context.cwd, f)).join(' → ');
      context.report({ node: found.at, messageId: 'cycle', data: { chain: shown } });
    }
    return importVisitors(check);
  },
};

export default { rules: { boundaries, 'no-cycle': noCycle } };
