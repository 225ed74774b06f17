import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ESLint, type Linter } from 'eslint'
import ts from 'typescript'
import tseslint from 'typescript-eslint'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')
// Plain JavaScript beside eslint.config.js (no declarations to import it by).
const { LAYERS, layering, exchangeReads } = await import(pathToFileURL(join(ROOT, 'eslint.layers.js')).href) as {
  LAYERS: ReadonlyArray<readonly string[]>
  layering: Linter.Config[]
  exchangeReads: Linter.Config[]
}

/** The layer rules alone, on an untyped parse: files that do not exist can be linted. */
const layersOnly = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
    ...layering,
    ...exchangeReads
  ]
})

async function problems (eslint: ESLint, file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return (result?.messages ?? []).map(message => `${message.ruleId ?? 'parse'}: ${message.message}`)
}

test('an import that is not downward fails lint', async t => {
  const rows: ReadonlyArray<readonly [name: string, file: string, code: string, refused: boolean]> = [
    ['lib importing the exchange (import type too)', 'src/lib/x.ts', "import type { Exchange } from '../exchange/exchange.js'", true],
    ['the exchange importing server (the old direction)', 'src/exchange/x.ts', "import type { OpenRequests } from '../server/open-requests.js'", true],
    ['a re-export counts as an import', 'src/lib/x.ts', "export { routed } from '../exchange/exchange.js'", true],
    ['a peer: auth importing limits', 'src/auth/x.ts', "import { Lease } from '../limits/lease.js'", true],
    ['a nested file: guards/rules importing proxy', 'src/guards/rules/x.ts', "import { createForwarder } from '../../proxy/forward.js'", true],
    ['deeper still: ops/audit/inputs importing app.ts', 'src/ops/audit/inputs/x.ts', "import { buildGateway } from '../../../app.js'", true],
    ['errors.ts importing lib', 'src/errors.ts', "import { durationMs } from './lib/duration.js'", true],
    ['config importing config-load', 'src/config/x.ts', "import { parseConfig } from '../config-load/load.js'", true],
    ['server importing serve.ts', 'src/server/x.ts', "import { startGateway } from '../serve.js'", true],
    ['app.ts importing serve.ts', 'src/app.ts', "import { startGateway } from './serve.js'", true],
    ['observability importing the exchange', 'src/observability/x.ts', "import type { Exchange } from '../exchange/exchange.js'", false],
    ['a nested file importing its own folder', 'src/guards/rules/x.ts', "import type { JsonRule } from '../types.js'", false],
    ['a nested file importing lib', 'src/guards/rules/x.ts', "import { isObject } from '../../lib/json-object.js'", false],
    ['config-load importing config', 'src/config-load/x.ts', "import type { Config } from '../config/schema.js'", false],
    ['serve.ts importing app.ts', 'src/serve.ts', "import { buildGateway } from './app.js'", false],
    ['the top (cli.ts) importing from every row', 'src/cli.ts', "import { runDemo } from './demo.js'\nimport { VERSION } from './version.js'", false]
  ]
  for (const [name, file, code, refused] of rows) {
    await t.test(name, async () => {
      const found = await problems(layersOnly, file, code)
      if (refused) assert.match(found.join('\n'), /^no-restricted-imports: .* src\/.* may import only the layers below its own/)
      else assert.deepEqual(found, [])
    })
  }
})

test('the request state is read through its accessors, never by a cast', async t => {
  const head = "import type { FastifyRequest } from 'fastify'\nimport type { Exchange } from '../exchange/exchange.js'\ndeclare const request: FastifyRequest\n"
  const rows: ReadonlyArray<readonly [name: string, code: string, refused: RegExp | undefined]> = [
    ['a cast to Exchange', 'export const e = request.exchange as Exchange', /no-restricted-syntax: .*exchangeOf\(request\)/],
    ['a cast of a field', "export const m = (request.exchange as unknown as Exchange).match as NonNullable<Exchange['match']>", /no-restricted-syntax: A field of the exchange/],
    ['request.exchange read directly', 'export const e = request.exchange', /no-restricted-syntax: .*out of order/],
    ['a non-null assertion', 'declare const e: Exchange\nexport const m = e.match!', /no-non-null-assertion/],
    ['the accessor', "import { routed } from '../exchange/exchange.js'\nexport const m = (r: FastifyRequest) => routed(r).match", undefined]
  ]
  for (const [name, code, refused] of rows) {
    await t.test(name, async () => {
      const found = (await problems(layersOnly, 'src/proxy/x.ts', head + code)).join('\n')
      if (refused === undefined) assert.equal(found, '')
      else assert.match(found, refused)
    })
  }
})

test('npm run lint applies the layers (the real config, type-aware, in its own process)', () => {
  const eslint = spawnSync(process.execPath, [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', 'src/lib/duration.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    input: "import type { Exchange } from '../exchange/exchange.js'\nexport type E = Exchange\n"
  })
  assert.equal(eslint.status, 1, eslint.stderr)
  const [result] = JSON.parse(eslint.stdout) as ESLint.LintResult[]
  assert.deepEqual(result?.messages.map(message => message.ruleId), ['no-restricted-imports'])
})

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every relative import of a file (static, `import type`, re-exports, dynamic), as absolute .ts paths. */
function importsOf (file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  return importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => resolve(dirname(file), fileName.replace(/\.js$/, '.ts')))
}

const unitOf = (file: string): string => relative(SRC, file).split(sep)[0] as string
const rankOf = new Map(LAYERS.flatMap((row, rank) => row.map(unit => [unit, rank] as const)))

test('every entry of src/ has a layer', () => {
  assert.deepEqual(readdirSync(SRC).filter(name => !rankOf.has(name)), [])
})

const graph = new Map(sourceFiles(SRC).map(file => [file, importsOf(file)]))

test('src/ imports only downward, dynamic imports included', () => {
  const upward: string[] = []
  for (const [file, imports] of graph) {
    for (const target of imports) {
      const [from, to] = [unitOf(file), unitOf(target)]
      if (from !== to && (rankOf.get(to) as number) <= (rankOf.get(from) as number)) upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`)
    }
  }
  assert.deepEqual(upward, [])
})

test('no file of src/ imports itself through others, inside a folder too', () => {
  // Depth-first: a file met again while it is still on the path closes a cycle.
  const done = new Set<string>()
  const path: string[] = []
  const cycles: string[] = []
  function visit (file: string): void {
    const at = path.indexOf(file)
    if (at !== -1) {
      cycles.push([...path.slice(at), file].map(f => relative(SRC, f)).join(' -> '))
      return
    }
    if (done.has(file)) return
    path.push(file)
    for (const target of graph.get(file) ?? []) visit(target)
    path.pop()
    done.add(file)
  }
  for (const file of graph.keys()) visit(file)
  assert.deepEqual(cycles, [])
})
