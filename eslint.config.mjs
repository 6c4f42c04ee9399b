// Lint: typescript-eslint's recommended rules, plus the rule that keeps workflow code
// deterministic — src/workflows and the pure rules in src/domain may import only the
// Temporal workflow/common packages, types, and each other (no Node built-ins, no I/O).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'src/generated/**', 'node_modules/**', '.cache/**', '.data/**', 'src/console/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$|@temporalio/interceptors-opentelemetry/lib/workflow$|\\.{1,2}/)',
              message: 'Workflow code must be deterministic: import only @temporalio/workflow, @temporalio/common, types and pure modules.',
              allowTypeImports: true,
            },
            {
              regex: '^\\.\\./(\\.\\./)*(activities|api|infra|processes|worker|generated)(/|$)',
              message: 'Workflow code may use these modules only as types (import type).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
