// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layer rules (DEVELOPERS.md): lint enforces where code may reach, not just the docs.
 *  - shared/   imports nothing of the repo outside shared/, no node:*, no electron (DOM: tsconfig.shared.json has no DOM lib)
 *  - renderer/ imports neither electron/ nor server/ nor node modules nor electron
 *  - server/   imports only shared/
 *  - electron/services and electron/devhost are plain Node: no `electron`
 */
const noElectron = {
  paths: [
    { name: 'electron', message: 'Only the app shell (electron/main) and the preload import electron.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.tmp/**',
      'test-results/**',
      'playwright-report/**',
      'test/node/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Resolve extensionless TypeScript imports so the path-zone rules can see where they point.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
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
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-imports': [
        'error',
        {
          ...noElectron,
          patterns: [{ group: ['node:*'], message: 'shared/ runs anywhere: no Node built-ins.' }],
        },
      ],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './shared',
              from: './',
              except: ['./shared', './node_modules'],
              message: 'shared/ imports nothing else of the repo.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-imports': [
        'error',
        { ...noElectron, patterns: [{ group: ['node:*'], message: 'The renderer is DOM only.' }] },
      ],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './renderer',
              from: ['./electron', './server', './test'],
              message: 'The renderer reaches main only through window.crm.',
            },
          ],
        },
      ],
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
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', noElectron],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './server',
              from: ['./electron', './renderer', './test'],
              message: 'server/ imports only shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/services/**/*.ts', 'electron/devhost/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', noElectron],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ['./electron/services', './electron/devhost'],
              from: ['./renderer', './server', './electron/main', './electron/preload'],
              message: 'Services are plain Node modules, independent of the shell and the UI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './electron',
              from: ['./renderer', './server'],
              message: 'The shell does not import the UI or the server.',
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
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests may await loosely in setup helpers, but still never float a promise.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
