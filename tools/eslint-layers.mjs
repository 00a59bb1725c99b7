// @ts-check
import path from 'node:path';

/**
 * A small ESLint rule for the layer map: resolves each relative import against the importing file and
 * reports it when the target folder is not one the importing layer may reach. (eslint-plugin-import-x
 * does this too, but its native resolver's platform packages are not all on our registry, which breaks
 * `npm ci`.)
 *
 * Options: { root: string, layers: [{ name, from: string[], allow: string[] }] } where `from` and
 * `allow` are repo-relative folder prefixes; the first layer whose `from` matches the file applies.
 */

/** @param {string} rel @param {string[]} prefixes */
function under(rel, prefixes) {
  return prefixes.some((p) => rel === p || rel.startsWith(p.endsWith('/') ? p : p + '/'));
}

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the FieldVault layer map on relative imports' },
    schema: [{ type: 'object' }],
    messages: { forbidden: '{{layer}} may not import from {{target}}: {{why}}' },
  },
  create(context) {
    const options =
      /** @type {{root: string, layers: {name: string, from: string[], allow: string[], why: string}[]}} */ (
        context.options[0]
      );
    const file = path.relative(options.root, context.filename).split(path.sep).join('/');
    const layer = options.layers.find((l) => under(file, l.from));
    if (!layer) return {};
    /** @param {import('estree').Node & {source?: any}} node */
    function check(node) {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('.')) return;
      const target = path
        .relative(options.root, path.resolve(path.dirname(context.filename), spec))
        .split(path.sep)
        .join('/');
      if (target.startsWith('..') || !under(target, layer.allow)) {
        context.report({
          node: source,
          messageId: 'forbidden',
          data: { layer: layer.name, target, why: layer.why },
        });
      }
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { boundaries } };
