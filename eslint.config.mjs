// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint-layers.mjs';

/**
 * Layer rules (docs/ARCHITECTURE.md): lint enforces where code may reach, not just the docs.
 *  - shared/            imports nothing of the repo outside shared/, no Node built-ins, no electron
 *                       (and no DOM: tsconfig.shared.json has no DOM lib)
 *  - renderer/          imports only renderer/ and shared/; no Node built-ins, no electron
 *  - server/            imports only server/ and shared/; no electron
 *  - electron/services  plain Node: no electron, no shell, no dev host, no UI
 *  - electron/devhost   plain Node: services and shared/, no electron, no shell, no UI
 *  - electron/main      the shell: services and shared/, never the dev host or the preload
 *  - electron/preload   only `electron` and the IPC contract; no Node built-ins (it runs sandboxed)
 * Everywhere: no runtime import cycles, no `as unknown as`.
 */
const noElectron = {
  name: 'electron',
  message: 'Only the app shell (electron/main) and the preload import electron.',
};
const nodeBuiltins = builtinModules
  .filter((m) => !m.startsWith('_'))
  .map((name) => ({ name, message: 'No Node built-ins in this layer.' }));
const noNodePattern = { group: ['node:*'], message: 'No Node built-ins in this layer.' };

/** A double cast compiles anything into anything; parse or narrow the value instead. */
const noDoubleCast = [
  {
    selector: "TSAsExpression > TSAsExpression.expression[typeAnnotation.type='TSUnknownKeyword']",
    message: 'No `as unknown as`: validate (zod) or narrow the value, or fix the type it comes from.',
  },
  {
    selector: "TSTypeAssertion > TSTypeAssertion.expression[typeAnnotation.type='TSUnknownKeyword']",
    message:
      'No `<T><unknown>` double cast: validate (zod) or narrow the value, or fix the type it comes from.',
  },
];

const layerMap = {
  root: import.meta.dirname,
  layers: [
    {
      name: 'shared/',
      from: ['shared'],
      allow: ['shared'],
      why: 'shared/ imports nothing else of the repo.',
    },
    {
      name: 'renderer/',
      from: ['renderer'],
      allow: ['renderer', 'shared'],
      why: 'the renderer reaches main only through window.crm.',
    },
    { name: 'server/', from: ['server'], allow: ['server', 'shared'], why: 'server/ imports only shared/.' },
    {
      name: 'electron/services',
      from: ['electron/services'],
      allow: ['electron/services', 'shared', 'package.json'],
      why: 'services are plain Node modules, independent of the dev host, the shell and the UI.',
    },
    {
      name: 'electron/devhost',
      from: ['electron/devhost'],
      allow: ['electron/devhost', 'electron/services', 'shared', 'package.json'],
      why: 'the dev host composes the services; it does not use the shell or the UI.',
    },
    {
      name: 'electron/main',
      from: ['electron/main'],
      allow: ['electron/main', 'electron/services', 'shared', 'package.json'],
      why: 'the shell composes the services; the preload and the dev host are separate entry points.',
    },
    {
      name: 'electron/preload',
      from: ['electron/preload'],
      // names.ts holds the two wire names the preload and the Electron transport share.
      allow: ['electron/preload', 'shared/ipc/contract', 'shared/ipc/names'],
      packages: ['electron'],
      why: 'the sandboxed preload only bridges the IPC contract.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', '.tmp/**', 'test-results/**', 'playwright-report/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { layers },
    rules: {
      'layers/boundaries': ['error', layerMap],
      'layers/no-cycle': 'error',
      'no-restricted-syntax': ['error', ...noDoubleCast],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': [
        'error',
        { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron, ...nodeBuiltins], patterns: [noNodePattern] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: [noElectron, ...nodeBuiltins], patterns: [noNodePattern] }],
      'no-restricted-syntax': [
        'error',
        ...noDoubleCast,
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'User text is always rendered as text.',
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins, patterns: [noNodePattern] }],
    },
  },
  {
    files: ['server/**/*.ts', 'electron/services/**/*.ts', 'electron/devhost/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron] }],
    },
  },
  {
    // Sync reaches the CRM only through its change pipeline (one writer for local and remote changes).
    files: ['electron/services/sync/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['../crm/*', '!../crm/change.pipeline'],
              message: 'Sync talks to the CRM only through crm/change.pipeline.',
            },
          ],
        },
      ],
    },
  },
  {
    // Playwright reads a fixture's dependencies from an object pattern, which is `{}` when it has none.
    files: ['test/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
