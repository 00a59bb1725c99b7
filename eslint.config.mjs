// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint-layers.mjs';

/**
 * Layer rules (DEVELOPERS.md): lint enforces where code may reach, not just the docs.
 *  - shared/   imports nothing of the repo outside shared/, no Node built-ins, no electron
 *              (and no DOM: tsconfig.shared.json has no DOM lib)
 *  - renderer/ imports only renderer/ and shared/; no Node built-ins, no electron
 *  - server/   imports only server/ and shared/; no electron
 *  - electron/services and electron/devhost are plain Node: no electron, no shell, no UI
 */
const noElectron = {
  name: 'electron',
  message: 'Only the app shell (electron/main) and the preload import electron.',
};
const nodeBuiltins = builtinModules
  .filter((m) => !m.startsWith('_'))
  .map((name) => ({ name, message: 'No Node built-ins in this layer.' }));
const noNodePattern = { group: ['node:*'], message: 'No Node built-ins in this layer.' };

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
      from: ['electron/services', 'electron/devhost'],
      allow: ['electron/services', 'electron/devhost', 'shared', 'package.json'],
      why: 'services are plain Node modules, independent of the shell and the UI.',
    },
    {
      name: 'electron shell',
      from: ['electron/main', 'electron/preload'],
      allow: ['electron', 'shared'],
      why: 'the shell does not import the UI or the server.',
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
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'User text is always rendered as text.',
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts', 'electron/services/**/*.ts', 'electron/devhost/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron] }],
    },
  },
  {
    // Playwright reads a fixture's dependencies from an object pattern, which is `{}` when it has none.
    files: ['test/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
