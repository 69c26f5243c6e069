// Lint with type information (typescript-eslint's type-checked presets) over src, test, bench
// and scripts (the .mjs ones through tsconfig.scripts.json, which type-checks their JSDoc).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What the stand-in app (test/image-node/server.mjs) uses of Node's globals. */
const NODE_GLOBALS = Object.fromEntries(['process', 'Buffer', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URL'].map((g) => [g, 'readonly']));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bin/', 'eslint.config.js', 'test/fixtures/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['bench/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { parserOptions: { projectService: false, project: ['./tsconfig.scripts.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // tsc (checkJs) reports unknown names, with Node's types.
      'no-undef': 'off',
      // JSON bodies and Caddy's answers are `any` in these scripts, and they are run by hand:
      // the type-aware rules apply, except the five that track `any` through every use.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Runs inside the stand-in image, built apart (scripts/build-node-test-image.sh): plain JS rules.
    files: ['test/image-node/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: NODE_GLOBALS },
  },
  {
    // The unit tier runs without podman, Caddy or a build (vitest.config.ts, project unit).
    files: ['test/unit/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/dist/**'], message: 'unit tests import src/, not the build' },
        { group: ['**/helpers/stack*', '**/helpers/podman*', '**/helpers/redis*', '**/helpers/browser*', 'execa'], message: 'that needs the real stack: an end-to-end test (test/e2e), or use test/helpers/net.ts' },
      ] }],
    },
  },
);
