import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules are enforced by lint, so each forbidden import, cycle and cast must fail
 * `npm run lint`, and its allowed neighbour must pass. The probes are written into a throwaway copy
 * of the lint setup (config, tools/, tsconfigs, package.json, a linked node_modules) with stub
 * modules at the layer paths, never into the source tree, and linted there in one run with the
 * project's real config (type-aware rules need the tsconfigs to include the probes).
 */
const repo = path.resolve(import.meta.dirname, '../../..');
let sandbox = '';
const probes = new Map<string, string>();
const results = new Map<string, ESLint.LintResult>();

/** The house rules, stated independently of eslint.config.mjs: which layer may import which. */
const layers = {
  shared: { dir: 'shared', may: ['shared'] },
  renderer: { dir: 'renderer/src', may: ['renderer', 'shared'] },
  server: { dir: 'server', may: ['server', 'shared'] },
  services: { dir: 'electron/services', may: ['services', 'shared'] },
  devhost: { dir: 'electron/devhost', may: ['devhost', 'services', 'shared'] },
  main: { dir: 'electron/main', may: ['main', 'services', 'shared'] },
  preload: { dir: 'electron/preload', may: ['preload'] },
} as const;
type LayerName = keyof typeof layers;
const layerNames = Object.keys(layers) as LayerName[];
const mayUseElectron: LayerName[] = ['main', 'preload'];
const mayUseNode: LayerName[] = ['server', 'services', 'devhost', 'main'];

/** Stub modules the probes import: one per layer, the two modules the preload may use, two CRM modules. */
const stubs = [
  ...layerNames.map((l) => `${layers[l].dir}/__target.ts`),
  'electron/services/crm/crm.service.ts',
  'electron/services/crm/change.pipeline.ts',
  'shared/ipc/contract.ts',
  'shared/ipc/names.ts',
];

function probe(file: string, code: string): string {
  if (probes.has(file)) throw new Error(`probe ${file} is defined twice`);
  probes.set(file, code);
  return file;
}

/** A specifier for `target` (repo-relative, with extension) as `from` would write it. */
function relative(from: string, target: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), target.replace(/\.ts$/, ''));
  return rel.startsWith('.') ? rel : `./${rel}`;
}

const importing = (spec: string) => `import * as probe from '${spec}';\nexport { probe };\n`;

function messagesOf(file: string): ESLint.LintResult['messages'] {
  const result = results.get(file);
  if (!result) throw new Error(`${file} was not linted`);
  return result.messages;
}
const ruleIdsOf = (file: string) => messagesOf(file).map((m) => m.ruleId ?? `fatal: ${m.message}`);

// Every edge of the layer matrix, allowed or forbidden.
const edges = layerNames.flatMap((from) =>
  layerNames.map((to) => {
    const name = `${layers[from].dir}/edge_to_${to}.ts`;
    const file = probe(name, importing(relative(name, `${layers[to].dir}/__target.ts`)));
    const allowed = (layers[from].may as readonly string[]).includes(to);
    return { from, to, file, expected: allowed ? [] : ['layers/boundaries'] };
  }),
);

const otherForms = (
  [
    ['export * from', "export * from '../devhost/__target';\n"],
    ['export { } from', "export { value } from '../devhost/__target';\n"],
    ['import type', "import type { Value } from '../devhost/__target';\nexport type Probe = Value;\n"],
    [
      'import()',
      "export const load = async (): Promise<number> => (await import('../devhost/__target')).value;\n",
    ],
  ] satisfies [string, string][]
).map(([form, code], i) => ({ form, file: probe(`electron/services/form_${i}.ts`, code) }));

const contractImports = ['shared/ipc/contract.ts', 'shared/ipc/names.ts'].map((target) => {
  const name = `electron/preload/uses_${path.basename(target)}`;
  return probe(name, importing(relative(name, target)));
});
const preloadPackage = probe('electron/preload/uses_zod.ts', importing('zod'));

const packageImports = layerNames.flatMap((layer) => [
  {
    layer,
    spec: 'electron',
    file: probe(`${layers[layer].dir}/pkg_electron.ts`, importing('electron')),
    allowed: mayUseElectron.includes(layer),
  },
  ...['node:path', 'path'].map((spec) => ({
    layer,
    spec,
    file: probe(`${layers[layer].dir}/pkg_${spec.replace(':', '_')}.ts`, importing(spec)),
    allowed: mayUseNode.includes(layer),
  })),
]);
const outsideLayers = probe('test/node/outside.ts', importing('../../electron/devhost/__target'));

const cycleDir = 'electron/services/cycles';
const cycles = {
  pair: [
    probe(`${cycleDir}/pair_a.ts`, "import { b } from './pair_b';\nexport const a = (): number => b + 1;\n"),
    probe(
      `${cycleDir}/pair_b.ts`,
      "import { a } from './pair_a';\nexport const b = 1;\nexport const viaA = a;\n",
    ),
  ],
  ring: [
    probe(`${cycleDir}/ring_1.ts`, "export { two } from './ring_2';\nexport const one = 1;\n"),
    probe(`${cycleDir}/ring_2.ts`, "import { three } from './ring_3';\nexport const two = three;\n"),
    probe(`${cycleDir}/ring_3.ts`, "import { one } from './ring_1';\nexport const three = one;\n"),
  ],
  lazy: [
    probe(
      `${cycleDir}/lazy_a.ts`,
      "export const load = async (): Promise<number> => (await import('./lazy_b')).b;\n",
    ),
    probe(
      `${cycleDir}/lazy_b.ts`,
      "import { load } from './lazy_a';\nexport const b = 2;\nexport const reload = load;\n",
    ),
  ],
};
const acyclic = {
  chain: [
    probe(`${cycleDir}/chain_top.ts`, "import { leaf } from './chain_leaf';\nexport const top = leaf;\n"),
    probe(`${cycleDir}/chain_leaf.ts`, 'export const leaf = 1;\n'),
  ],
  typeOnlyBack: [
    probe(
      `${cycleDir}/typed_a.ts`,
      "import type { Shape } from './typed_b';\nexport const size = (s: Shape): number => s.n;\n",
    ),
    probe(
      `${cycleDir}/typed_b.ts`,
      "import { size } from './typed_a';\nexport interface Shape {\n  n: number;\n}\n" +
        'export const twice = (s: Shape): number => size(s) * 2;\n',
    ),
  ],
};

const doubleCast = 'export const cast = (v: number): string => v as unknown as string;\n';
const castDirs = [
  'electron/services',
  'electron/main',
  'electron/preload',
  'shared',
  'renderer/src',
  'server',
];
const casts = [
  ...castDirs.map((dir) => probe(`${dir}/cast.ts`, doubleCast)),
  probe('renderer/src/cast_view.tsx', doubleCast),
  probe('test/node/cast.ts', doubleCast),
  probe(
    'electron/services/cast_angle.ts',
    'export const cast = (v: number): string => <string>(<unknown>v);\n',
  ),
];
const singleCasts = probe(
  'electron/services/cast_single.ts',
  'export const opaque = 1 as unknown;\n' +
    "export const kind = (value: string): 'a' | 'b' => value as 'a' | 'b';\n",
);
const floating = probe('electron/services/floating.ts', 'async function f() {}\nf();\nexport {};\n');
/** Sync reaches the CRM only through the change pipeline. */
const syncToCrm = {
  forbidden: probe(
    'electron/services/sync/__probe_crm.ts',
    "import { value } from '../crm/crm.service';\nexport const probe = value;\n",
  ),
  allowed: probe(
    'electron/services/sync/__probe_pipeline.ts',
    "import { value } from '../crm/change.pipeline';\nexport const probe = value;\n",
  ),
};

beforeAll(async () => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'fv-lint-'));
  const write = (rel: string, code: string) => {
    const file = path.resolve(sandbox, rel);
    if (!file.startsWith(sandbox + path.sep)) throw new Error(`${rel} escapes the sandbox`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, code);
  };
  for (const name of [
    'eslint.config.mjs',
    'package.json',
    ...readdirSync(repo).filter((f) => /^tsconfig.*\.json$/.test(f)),
  ]) {
    copyFileSync(path.join(repo, name), path.join(sandbox, name));
  }
  cpSync(path.join(repo, 'tools'), path.join(sandbox, 'tools'), { recursive: true });
  symlinkSync(path.join(repo, 'node_modules'), path.join(sandbox, 'node_modules'), 'dir');
  for (const stub of stubs) write(stub, 'export const value = 1;\nexport type Value = number;\n');
  for (const [file, code] of probes) write(file, code);

  const eslint = new ESLint({ cwd: sandbox });
  for (const result of await eslint.lintFiles([...probes.keys()])) {
    results.set(path.relative(sandbox, result.filePath).split(path.sep).join('/'), result);
  }
}, 180_000);

afterAll(() => {
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

describe('layer boundaries', () => {
  it.each(edges)('$from → $to: $expected', ({ file, expected }) => {
    expect(ruleIdsOf(file)).toEqual(expected);
  });

  it.each(otherForms)('sees $form as an import (services → devhost)', ({ file }) => {
    expect(ruleIdsOf(file)).toEqual(['layers/boundaries']);
  });

  it('lets the preload import the IPC contract, and no other package than electron', () => {
    for (const file of contractImports) expect(ruleIdsOf(file)).toEqual([]);
    expect(ruleIdsOf(preloadPackage)).toEqual(['layers/boundaries']);
  });

  it.each(packageImports)('$layer imports $spec: allowed $allowed', ({ file, allowed }) => {
    expect(ruleIdsOf(file)).toEqual(allowed ? [] : ['no-restricted-imports']);
  });

  it('lets sync import the CRM only through its change pipeline', () => {
    expect(ruleIdsOf(syncToCrm.forbidden)).toEqual(['no-restricted-imports']);
    expect(ruleIdsOf(syncToCrm.allowed)).toEqual([]);
  });

  it('leaves files outside the layers (tests) free to import any layer', () => {
    expect(ruleIdsOf(outsideLayers)).toEqual([]);
  });
});

describe('import cycles', () => {
  it.each(Object.entries(cycles))('reports every import of the %s cycle', (_name, files) => {
    for (const file of files) expect(ruleIdsOf(file)).toEqual(['layers/no-cycle']);
  });

  it('names the whole cycle in the message', () => {
    const [first] = messagesOf(`${cycleDir}/ring_1.ts`);
    expect(first?.message).toBe(
      `Import cycle: ${cycleDir}/ring_1.ts → ${cycleDir}/ring_2.ts → ${cycleDir}/ring_3.ts → ${cycleDir}/ring_1.ts`,
    );
  });

  it.each(Object.entries(acyclic))('accepts the %s imports', (_name, files) => {
    for (const file of files) expect(ruleIdsOf(file)).toEqual([]);
  });
});

describe('casts and promises', () => {
  it.each(casts)('bans the double cast in %s', (file) => {
    expect(ruleIdsOf(file)).toEqual(['no-restricted-syntax']);
  });

  it('allows a single cast, to unknown or to a narrower type', () => {
    expect(ruleIdsOf(singleCasts)).toEqual([]);
  });

  it('makes a floating promise a lint error', () => {
    expect(ruleIdsOf(floating)).toContain('@typescript-eslint/no-floating-promises');
  });
});
