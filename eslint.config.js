// Lint with type information (typescript-eslint's type-checked presets) over src and test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/', 'scripts/', 'bin/', 'eslint.config.js', 'test/image-node/'] },
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
