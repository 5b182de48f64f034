// The lint half of `npm run lint` (Prettier is the other). Besides the recommended sets, it turns
// the architecture rules of ARCHITECTURE.md into errors: components meet only through their faces,
// base depends on nothing, files outside io/ in the mail-flow components stay pure, SQL stays in
// the store, and no import cycles.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

// Every folder of src/ but base/ (the shared kernel) and types/ (ambient declarations).
const COMPONENTS = ['accounts', 'cli', 'config', 'desk', 'inbound', 'metrics', 'outbound', 'queue', 'routing', 'spam', 'store', 'web'];

// The mail-flow components: outside their io/ folders, files are pure (DESIGN.md, "Components").
const PURE_COMPONENTS = ['routing', 'spam', 'inbound', 'queue', 'outbound', 'desk', 'config'];
const PURE_SOURCES = PURE_COMPONENTS.map((c) => `src/${c}/**/*.ts`);
// A face re-exports its io/ half for the callers that wire it; a test may use what it likes
// (files, sockets, a BlockList) to check a pure file.
const NOT_PURE = ['src/*/io/**', 'src/*/index.ts', 'src/*/light.ts', 'src/**/*.test.ts'];
// The same files as minimatch globs, for import-x/no-restricted-paths (which applies no ignores).
const PURE_TARGETS = [...PURE_COMPONENTS.map((c) => `src/${c}/!(index|light|*.test).ts`), ...PURE_COMPONENTS.map((c) => `src/${c}/!(io)/**/!(*.test).ts`)];

const IO_MODULES = ['fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'child_process', 'dns', 'dns/promises', 'dgram', 'worker_threads', 'cluster'];
const IO_PACKAGES = ['pg', 'better-sqlite3', 'nodemailer', 'smtp-server'];
const SQL_PACKAGES = ['kysely', 'pg', 'better-sqlite3'];

const sqlOnlyInStore = SQL_PACKAGES.map((name) => ({
  name,
  message: 'SQL lives only in src/store: ask the store for what you need through src/store/index.ts.',
}));
const noIoInPureFiles = [
  ...IO_MODULES.flatMap((m) => [m, `node:${m}`]).map((name) => ({
    name,
    message: 'A file outside io/ is pure: the I/O belongs in the io/ folder, which hands this file its facts as arguments.',
  })),
  ...IO_PACKAGES.filter((p) => !SQL_PACKAGES.includes(p)).map((name) => ({
    name,
    message: 'A file outside io/ is pure: the I/O belongs in the io/ folder, which hands this file its facts as arguments.',
  })),
];

const faceZones = COMPONENTS.flatMap((c) => [
  {
    target: `src/!(${c})/**/!(*.test).ts`,
    from: `src/${c}`,
    except: ['./index.ts', './light.ts'],
    message: `Another component reaches src/${c} only through its face, src/${c}/index.ts (or light.ts where it has one).`,
  },
  // A test may also take a component's fixtures (testing.ts), which no shipped code uses.
  {
    target: `src/!(${c})/**/*.test.ts`,
    from: `src/${c}`,
    except: ['./index.ts', './light.ts', './testing.ts'],
    message: `A test reaches src/${c} through its face, src/${c}/index.ts, light.ts or its fixtures in testing.ts.`,
  },
]);
const boundaryZones = [
  ...faceZones,
  {
    target: 'src/base/**',
    from: 'src',
    except: ['./base', './types'],
    message: 'src/base is the shared kernel: it imports nothing from the components.',
  },
  {
    target: PURE_TARGETS,
    from: 'src/*/io/**',
    message: 'A file outside io/ is pure and imports nothing from an io/ folder: the io/ file calls it with the facts.',
  },
  {
    target: PURE_TARGETS,
    from: ['src/base/clock.ts', 'src/base/ids.ts', 'src/base/log.ts'],
    message: 'The clock, ids and the log are used only from io/: a pure file takes the time and ids as arguments and returns what happened.',
  },
];

const pureOnly = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'A pure file takes the time as an argument.' },
    { object: 'Math', property: 'random', message: 'A pure file takes ids and random values as arguments.' },
    { object: 'process', property: 'env', message: 'A pure file takes configuration as an argument.' },
    { object: 'performance', property: 'now', message: 'A pure file takes the time as an argument.' },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: 'A pure file takes the time as an argument.',
    },
  ],
};

export default defineConfig(
  globalIgnores(['**/node_modules/', 'dist/', 'data/', 'test-artifacts/', '.vite/', '**/*.d.ts']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { globals: { ...globals.node } },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  comments.recommended,
  {
    rules: {
      // A rule turned off names the rule and says why, after `--`.
      '@eslint-community/eslint-comments/require-description': 'error',
      // A file's block of `any` (a migration, a test's answers) is declared once below its imports.
      '@eslint-community/eslint-comments/disable-enable-pair': 'off',
      // `_name` marks a binding kept on purpose: a field dropped from a copy, a parameter an
      // interface requires.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // The console (a browser app, React).
  {
    files: ['web/ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },

  // Architecture.
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle reads the files an import leads to, and parses only the extensions listed here.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: [`${root}/tsconfig.json`, `${root}/web/ui/tsconfig.json`], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaryZones }],
      'no-restricted-imports': ['error', { paths: sqlOnlyInStore }],
    },
  },
  {
    files: PURE_SOURCES,
    ignores: NOT_PURE,
    rules: {
      'no-restricted-imports': ['error', { paths: [...sqlOnlyInStore, ...noIoInPureFiles] }],
      ...pureOnly,
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
