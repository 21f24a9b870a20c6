import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// Lints code that is not on disk (under `<workspace>/src/lint-probe/`, a folder nobody creates) at paths the config treats specially, so the architecture rules
// in eslint.config.js are proven to fire (and not to fire) exactly where they should.
const root = fileURLToPath(new URL('../..', import.meta.url))
let eslint: ESLint

beforeAll(async () => {
  eslint = new ESLint({
    cwd: root,
    // The probes are not on disk, so the root tsconfig's globs cannot find them: give them its compiler
    // options through the default project. Everything else is the repository's own config.
    overrideConfig: {
      languageOptions: {
        parserOptions: {
          projectService: {
            allowDefaultProject: ['services/*/src/lint-probe/*.ts', 'packages/*/src/lint-probe/*.ts'],
            defaultProject: 'tsconfig.json',
          },
        },
      },
    },
  })
  // The first lint builds the TypeScript program of the whole repository (typed rules): ~5 s on a quiet
  // machine, over 30 s on a loaded one. Pay it here, under its own timeout, not in the first test's.
  await lint('services/identity/src/lint-probe/warm-up.ts', 'export {}\n')
}, 180_000)

async function lint(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).map((m) => ({ ruleId: m.ruleId, message: m.message }))
}

const boundary = 'learnmesh/workspace-boundaries'

describe('happy', () => {
  it('lets a service import the kernel, the contracts and npm packages', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/probe.ts',
      [
        "import { AppError } from '@learnmesh/kernel'",
        "import { identityUserRegistered } from '@learnmesh/contracts'",
        "import { createTestSigner } from '@learnmesh/kernel/testing'",
        "import Type from 'typebox'",
        "import { helper } from './helper.ts'",
        'export { AppError, identityUserRegistered, createTestSigner, Type, helper }',
        '',
      ].join('\n'),
    )
    expect(messages.filter((m) => m.ruleId === boundary)).toEqual([])
  })

  it('lets packages/cli import services: it composes them into one process', async () => {
    const messages = await lint(
      'packages/cli/src/lint-probe/probe.ts',
      "import * as gateway from '@learnmesh/gateway'\nexport { gateway }\n",
    )
    expect(messages.filter((m) => m.ruleId === boundary)).toEqual([])
  })

  it('lets config.ts and main.ts read process.env', async () => {
    const code = 'export const level = process.env.LOG_LEVEL\n'
    expect(await lint('services/identity/src/lint-probe/config.ts', code)).toEqual([])
    expect(await lint('services/gateway/src/lint-probe/main.ts', code)).toEqual([])
  })
})

describe('errors', () => {
  it('rejects a service importing another service by package name', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/probe.ts',
      "import * as gateway from '@learnmesh/gateway'\nexport { gateway }\n",
    )
    expect(messages).toHaveLength(1)
    expect(messages[0]?.ruleId).toBe(boundary)
    expect(messages[0]?.message).toContain('gateway service')
    expect(messages[0]?.message).toContain('Services never import each other')
  })

  it('rejects relative paths, re-exports, type imports, import types and dynamic imports into another service', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/users.service.ts',
      [
        "import { a } from '../../../gateway/src/app.ts'",
        "import type { B } from '../../../../services/gateway/src/types.ts'",
        "export * from '@learnmesh/gateway/src/routes.ts'",
        "export const c = await import('@learnmesh/gateway')",
        "export type D = import('@learnmesh/gateway').GatewayConfig",
        'export { a }',
        'export type { B }',
        '',
      ].join('\n'),
    )
    const boundaryErrors = messages.filter((m) => m.ruleId === boundary)
    expect(boundaryErrors).toHaveLength(5)
    for (const m of boundaryErrors) expect(m.message).toContain('gateway service')
  })

  it('rejects deep imports into a package’s files', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/probe.ts',
      "import { AppError } from '../../../../packages/kernel/src/errors.ts'\nexport { AppError }\n",
    )
    expect(messages.map((m) => m.ruleId)).toEqual([boundary])
    expect(messages[0]?.message).toContain('Import the package by name')
  })

  it('rejects process.env outside main.ts and config.ts', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/users.service.ts',
      [
        'export const a = process.env.SECRET',
        "export const b = process['env']",
        'const { env } = process',
        "import { env as processEnv } from 'node:process'",
        'export { env, processEnv }',
        '',
      ].join('\n'),
    )
    expect(messages).toHaveLength(4)
    for (const m of messages) expect(m.message).toContain('Only main.ts and config.ts read process.env')
  })
})

describe('security', () => {
  it('stops the kernel and contracts from depending on a service', async () => {
    const messages = await lint(
      'packages/kernel/src/lint-probe/probe.ts',
      "import * as identity from '@learnmesh/identity'\nexport { identity }\n",
    )
    expect(messages.map((m) => m.ruleId)).toEqual([boundary])
  })

  it('flags a floating promise, so an unawaited write cannot be lost silently', async () => {
    const messages = await lint(
      'services/identity/src/lint-probe/probe.ts',
      'async function save(): Promise<void> {}\nexport function handler(): void {\n  save()\n}\n',
    )
    expect(messages.map((m) => m.ruleId)).toEqual(['@typescript-eslint/no-floating-promises'])
  })
})
