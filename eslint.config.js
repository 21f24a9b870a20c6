// ESLint flat config: type-aware TypeScript rules, zero warnings (`npm run lint` passes --max-warnings 0),
// and the architecture rules of STYLE.md enforced by the linter rather than by review:
//   - a service never imports another service (by package name, by relative path, statically or dynamically);
//   - no deep imports across workspaces (use a package's entry point, never its files);
//   - only main.ts and config.ts read process.env.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'

const root = dirname(fileURLToPath(import.meta.url))

/** The workspaces under one folder (`services`, `packages`), read when the config loads so new ones are covered. */
function workspacesIn(folder) {
  const dir = join(root, folder)
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const manifest = join(dir, d.name, 'package.json')
      const name = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).name : undefined
      return { folder: d.name, packageName: typeof name === 'string' ? name : `@learnmesh/${d.name}` }
    })
}

const services = workspacesIn('services')
const servicePackages = new Map(services.map((s) => [s.packageName, s.folder]))
/** Packages allowed to import services: the CLI composes them into one process. */
const composers = new Set(['cli'])

/** `services/identity/src/a.ts` → { kind: 'services', name: 'identity' }; undefined outside a workspace. */
function workspaceOf(absolutePath) {
  const parts = relative(root, absolutePath).split(sep)
  if (parts[0] === '..' || parts.length < 2) return undefined
  if (parts[0] !== 'services' && parts[0] !== 'packages' && parts[0] !== 'apps') return undefined
  return { kind: parts[0], name: parts[1] }
}

/**
 * Workspace boundaries. `no-restricted-imports` neither resolves relative paths nor sees `import()`, so
 * this small rule does both: it resolves every import specifier of a file inside services/, packages/ or
 * apps/ and reports one that crosses into another service, or into another workspace's files.
 */
const workspaceBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'A service imports only @learnmesh/kernel, @learnmesh/contracts and npm packages' },
    schema: [],
    messages: {
      otherService:
        "'{{source}}' imports the {{target}} service from {{own}}. Services never import each other: use its events (packages/contracts) or its HTTP API.",
      serviceFromPackage:
        "'{{source}}' imports the {{target}} service from {{own}}. Only packages/cli composes services; others use their HTTP API or events.",
      deepImport:
        "'{{source}}' reaches into the files of {{target}}. Import the package by name (its package.json exports) instead.",
    },
  },
  create(context) {
    const own = workspaceOf(context.filename)
    if (!own) return {}

    function check(node, source) {
      if (typeof source !== 'string') return
      let target
      let deep = false
      if (source.startsWith('.')) {
        target = workspaceOf(resolve(dirname(context.filename), source))
        if (!target || (target.kind === own.kind && target.name === own.name)) return
        deep = true
      } else {
        const packageName = source.startsWith('@')
          ? source.split('/').slice(0, 2).join('/')
          : source.split('/')[0]
        const folder = servicePackages.get(packageName)
        if (folder !== undefined) target = { kind: 'services', name: folder }
        if (/^@learnmesh\/[^/]+\/src(\/|$)/.test(source)) deep = true
        if (!target && !deep) return
        target ??= { kind: 'packages', name: packageName }
      }
      const data = { source, target: target.name, own: `${own.kind}/${own.name}` }
      if (target.kind === 'services' && !(own.kind === 'services' && target.name === own.name)) {
        if (own.kind === 'services') return context.report({ node, messageId: 'otherService', data })
        if (!(own.kind === 'packages' && composers.has(own.name))) {
          return context.report({ node, messageId: 'serviceFromPackage', data })
        }
      }
      if (deep) context.report({ node, messageId: 'deepImport', data })
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument
        if (arg?.type === 'TSLiteralType' && arg.literal.type === 'Literal') check(arg, arg.literal.value)
      },
    }
  },
}

const envMessage =
  'Only main.ts and config.ts read process.env: take the value from the typed config instead.'

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/.data/',
    '**/.tmp/',
    '**/dist/',
    '**/coverage/',
    'apps/web/dist/',
    '**/migrations/meta/',
    'test-results/',
    'artifacts/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      parserOptions: {
        // One TypeScript program for the whole repo (the root tsconfig.json), shared by every file:
        // the slow part of typed linting happens once, not per workspace.
        // Every linted .ts file must be in the root tsconfig's `include`: files outside it would need the
        // slow "default project" (capped at 8 files), so add new config files there instead.
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    plugins: { learnmesh: { rules: { 'workspace-boundaries': workspaceBoundaries } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      'learnmesh/workspace-boundaries': 'error',
    },
  },

  // Plain JavaScript (this file): no type information, Node globals.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },

  // Configuration comes from the typed config; only the entry point and the config module see the environment.
  {
    files: ['services/**/*.{ts,tsx,js}', 'packages/**/*.{ts,tsx,js}'],
    ignores: [
      '**/main.ts',
      '**/config.ts',
      'packages/cli/**',
      '**/*.test.ts',
      // Test support (createTestDatabase, postgresAvailable) reads TEST_DATABASE_URL / REQUIRE_INFRA like tests do.
      '**/src/testing/**',
    ],
    rules: {
      // Covers `process.env.X`, `process['env']` and `const { env } = process`.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: envMessage }],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value=/^(node:)?process$/] > ImportSpecifier[imported.name='env']",
          message: envMessage,
        },
      ],
    },
  },
)
