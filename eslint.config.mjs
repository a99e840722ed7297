import js from '@eslint/js';
import tseslint from 'typescript-eslint';


// The import rules of CONTRIBUTING's layout, per folder: the core stays pure, adapters stay thin,
// and the extension host starts the server and trainer by bundle path instead of importing them.
const pattern = (group, message) => ({ group, message });
const noTfjs = pattern(['@tensorflow/*'], 'TensorFlow.js belongs to src/trainer/ only.');
const noVscode = pattern(['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], 'The VS Code API belongs to src/extension/ only.');
const noServerLib = pattern(['vscode-languageserver', 'vscode-languageserver/*'], 'The LSP server library belongs to server/ only.');
const noNode = pattern(['node:*', 'fs', 'path', 'os', 'child_process'], 'The core is pure: file and process access goes through src/node/ adapters.');
const noRoom = (...rooms) => ({ regex: `^(\\.\\./)+(src/)?(${rooms.join('|')})(/|$)`, message: `Import rules (CONTRIBUTING.md): this folder may not import ${rooms.join(', ')}.` });
const restrict = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.scratch/**', 'test-artifacts/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', require: 'readonly', __dirname: 'readonly', Buffer: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', structuredClone: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  restrict(['src/core/**/*.ts'], noTfjs, noVscode, noServerLib, noNode, noRoom('trainer', 'extension', 'node', 'cli', 'server', 'webviews', 'export')),
  restrict(['src/node/**/*.ts'], noTfjs, noVscode, noServerLib, noRoom('trainer', 'extension', 'cli', 'server', 'webviews', 'export')),
  // Exporters read a run folder with plain file I/O: no TensorFlow.js, no trainer (the CLI runs them).
  restrict(['src/export/**/*.ts'], noTfjs, noVscode, noServerLib, noRoom('trainer', 'extension', 'cli', 'server', 'webviews')),
  restrict(['server/**/*.ts'], noTfjs, noVscode, noRoom('trainer', 'extension', 'cli', 'webviews')),
  restrict(['src/trainer/**/*.ts'], noVscode, noServerLib, noRoom('extension', 'cli', 'server', 'webviews'), pattern(['@tensorflow/tfjs'], 'Import tf from src/trainer/tf.ts: the parts of TensorFlow.js the trainer uses, not the umbrella package.')),
  restrict(['src/extension/**/*.ts'], noTfjs, noServerLib, noRoom('trainer', 'cli', 'server', 'webviews')),
  // Exporters rewrite a run's files with plain file I/O: no tfjs, so no custom layer runs by accident.
  restrict(['src/export/**/*.ts'], noTfjs, noVscode, noServerLib, noRoom('trainer', 'extension', 'cli', 'server', 'webviews')),
  restrict(['src/cli/**/*.ts'], noTfjs, noVscode, noServerLib, noRoom('trainer', 'extension', 'server', 'webviews')),
  restrict(['webviews/**/*.ts'], noTfjs, noVscode, noServerLib, noNode, noRoom('trainer', 'extension', 'node', 'cli', 'server'), { regex: '^(\\.\\./)+src/core/(?!protocol/)', message: 'Webviews read only the typed protocol (src/core/protocol/).' }),
  // One configuration path: MODELYAML_* variables are read in src/node/config.ts only.
  {
    files: ['src/**/*.ts', 'server/**/*.ts'],
    ignores: ['src/node/config.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.object.name='process'][object.property.name='env'][property.name=/^MODELYAML_/]",
        message: 'Read MODELYAML_* variables through src/node/config.ts (env.<setting>()).',
      }],
    },
  },
);
