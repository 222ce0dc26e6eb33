// ESLint with typescript-eslint (type-aware). Workflow files must stay deterministic: no Node
// built-ins and no I/O modules there — the Temporal bundler would fail or, worse, replay would.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import pluginVue from 'eslint-plugin-vue';

const ioModules = ['pg', '@electric-sql/pglite', 'express', 'jose', 'pino', 'pino-http', 'helmet', 'yaml', 'chinese-days',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing', 'supertest', 'zod'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', 'web/dist/**', '*.config.js', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  { files: ['api/docs-page/**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['api/docs-page/**/*.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  // The web UI's TypeScript modules are checked with web/tsconfig.json (DOM, bundler resolution) by
  // the project service; its Vite config is a Node ES module outside any TypeScript project.
  // Single-file components: Vue's own rules for templates and script setup, with the TypeScript
  // parser for <script lang="ts">. Their types are checked by vue-tsc (npm run typecheck), so the
  // type-aware rules stay on the .ts files, where the project service can see them.
  ...pluginVue.configs['flat/recommended'].map((c) => ({ ...c, files: ['web/src/**/*.vue'] })),
  {
    files: ['web/src/**/*.vue'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], projectService: false, project: null, program: null },
      globals: globals.browser,
    },
  },
  {
    files: ['web/src/**/*.vue'],
    rules: {
      // Element Plus and our own layout keep several attributes on one line; Prettier-like
      // formatting rules are noise here, not defects.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      // Screens are routed by file (Notifications.vue, Organisation.vue), never used as tags.
      'vue/multi-word-component-names': 'off',
    },
  },
  { files: ['web/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['web/*.mjs'], languageOptions: { sourceType: 'module', globals: globals.node } },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'Workflows must not use Node built-ins: do I/O in an activity.' },
          { group: ['fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'timers', 'worker_threads', 'dns', 'stream', 'zlib', 'url', 'util'],
            message: 'Workflows must not use Node built-ins: do I/O in an activity.' },
          { group: ioModules, message: 'Workflows must not do I/O: call an activity instead.' },
          { group: ['../db/*', '../api/*', '../config/*', '../worker/*', '../scripts/*', '../activities/*', '!../activities/types'],
            message: 'Workflows may import only domain rules and activity types.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
        { name: 'fetch', message: 'Do I/O in an activity.' },
        { name: 'process', message: 'No environment in workflows: pass data in.' },
      ],
    },
  },
);
