// Lint: typescript-eslint's recommended rules, plus the rule that keeps workflow code
// deterministic — src/workflows and the pure rules in src/domain may import only the
// Temporal workflow/common packages, types, and each other (no Node built-ins, no I/O).
// test/infra/lint.test.ts proves the rule refuses what it must.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src');
/** Where deterministic code may import values from: itself. */
const DETERMINISTIC_DIRS = ['domain', 'workflows'].map((dir) => path.join(SRC, dir));
/** The only packages it may import values from (the OpenTelemetry one is its workflow-side interceptors). */
const ALLOWED_PACKAGES = new Set(['@temporalio/workflow', '@temporalio/common', '@temporalio/interceptors-opentelemetry/lib/workflow']);
const WHY = 'Workflow code must be deterministic: it may import only @temporalio/workflow, @temporalio/common, src/domain and src/workflows (anything else only with `import type`)';

const typeOnly = (node) =>
  node.importKind === 'type' ||
  node.exportKind === 'type' ||
  (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));

const deterministicImports = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      forbidden: `{{source}}: ${WHY}.`,
      dynamic: `import(): ${WHY}; dynamic imports are not allowed.`,
      require: `require(): ${WHY}; use an import.`,
    },
  },
  create(context) {
    const dir = path.dirname(context.filename);
    const allowed = (source) => {
      if (ALLOWED_PACKAGES.has(source)) return true;
      if (!source.startsWith('.')) return false;
      const target = path.resolve(dir, source);
      return DETERMINISTIC_DIRS.some((root) => target === root || target.startsWith(root + path.sep));
    };
    const check = (node) => {
      if (!node.source || typeOnly(node)) return;
      const source = String(node.source.value);
      if (!allowed(source)) context.report({ node: node.source, messageId: 'forbidden', data: { source } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: (node) => context.report({ node, messageId: 'dynamic' }),
      TSImportEqualsDeclaration: (node) => {
        if (node.importKind !== 'type' && node.moduleReference.type === 'TSExternalModuleReference') context.report({ node, messageId: 'require' });
      },
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') context.report({ node, messageId: 'require' });
      },
    };
  },
};

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
    plugins: { determinism: { rules: { imports: deterministicImports } } },
    rules: {
      'determinism/imports': 'error',
      // Node's globals are not there in the workflow sandbox, or differ on replay.
      'no-restricted-globals': ['error', { name: 'process', message: WHY }, { name: 'require', message: WHY }],
    },
  },
);
