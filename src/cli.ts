/**
 * The `infergate` command: serve, check-config, hash-key, keygen.
 * @module
 */
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { generateKey, hashKey } from './auth/api-keys.js'
import { loadConfigFile } from './config-load/load.js'
import { maskSecrets } from './config/mask.js'
import { VERSION } from './version.js'

const USAGE = `Usage: infergate <command> [options]

Commands:
  serve --config FILE         run the gateway (FILE may also come from INFERGATE_CONFIG)
  check-config --config FILE  validate FILE and print the effective config, secrets masked
  hash-key KEY                print the SHA-256 hex of KEY for auth.apiKeys[].sha256
                              ("hash-key -" reads the key from standard input)
  keygen                      print a new random API key and its SHA-256
  demo                        the gateway in front of built-in emulated backends (npm start)
  probe URL                   try management, debug and metrics routes and path tricks on a running
                              model server or gateway; exit 1 if any answers
                              [--key KEY] [--framework vllm|triton|torchserve|all] [--format text|json]
                              ("probe --list" prints what it sends, without sending)
  verify-models --manifest FILE
                              check model files against a sha256sum manifest; exit 1 on any
                              MISSING, MISMATCH (or, with --strict, UNLISTED) file
                              [--root DIR] [--strict] [--jobs N] ("--write" creates the manifest)
  audit PATH…                 static audit of deployment files (Kubernetes YAML, config.properties,
                              command lines, Dockerfiles, infergate config) against hardening rules
                              [--format text|json|sarif] [--fail-on low|medium|high|critical]

Options:
  -c, --config FILE           config file (YAML or JSON)
  -h, --help                  show this help
  -v, --version               show the version
`

function configPath (values: { config?: string | undefined }): string {
  const file = values.config ?? process.env['INFERGATE_CONFIG']
  if (file === undefined || file === '') throw new UsageError('--config FILE (or INFERGATE_CONFIG) is required')
  return file
}

class UsageError extends Error {}

async function readStdin (): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  return text.replace(/\r?\n$/, '')
}

async function serve (file: string): Promise<void> {
  const config = await loadConfigFile(file)
  // Loaded only here: the other commands start in a fraction of the time without the server stack.
  const { startGateway } = await import('./serve.js')
  const gateway = await startGateway(config)
  const stop = (signal: string): void => {
    gateway.app.log.info({ signal }, 'shutting down')
    gateway.shutdown().then(() => process.exit(0), (err: unknown) => {
      gateway.app.log.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.on('SIGHUP', () => { gateway.reloadKeys('SIGHUP').catch(() => undefined) })
}

export async function main (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      key: { type: 'string' },
      framework: { type: 'string' },
      format: { type: 'string' },
      list: { type: 'boolean' },
      manifest: { type: 'string' },
      root: { type: 'string' },
      strict: { type: 'boolean' },
      write: { type: 'boolean' },
      jobs: { type: 'string' },
      'fail-on': { type: 'string' },
      version: { type: 'boolean', short: 'v' }
    }
  })
  const [command, ...rest] = positionals
  if (values.version === true) {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (values.help === true || command === undefined || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined && values.help !== true ? 1 : 0
  }
  switch (command) {
    case 'serve':
      await serve(configPath(values))
      return -1 // keeps running
    case 'check-config': {
      const config = await loadConfigFile(configPath(values))
      process.stdout.write(stringify(maskSecrets(config)))
      process.stderr.write('config is valid\n')
      return 0
    }
    case 'hash-key': {
      const key = rest[0] === '-' ? await readStdin() : rest[0]
      if (key === undefined || key === '') throw new UsageError('hash-key needs a KEY (or "-" to read it from standard input)')
      process.stdout.write(`${hashKey(key)}\n`)
      return 0
    }
    case 'keygen': {
      const key = generateKey()
      process.stdout.write(`key:    ${key}\nsha256: ${hashKey(key)}\n`)
      return 0
    }
    case 'demo': {
      // Loaded only here: the emulators are never part of a serving gateway.
      const { runDemo } = await import('./demo.js')
      await runDemo()
      return -1 // keeps running
    }
    case 'probe': {
      const { probeCommand } = await import('./ops/probe/command.js')
      return await probeCommand(rest, values)
    }
    case 'verify-models': {
      if (values.manifest === undefined) throw new UsageError('verify-models needs --manifest FILE')
      const { verifyModels } = await import('./ops/verify-models/index.js')
      return await verifyModels({ ...values, manifest: values.manifest })
    }
    case 'audit': {
      if (rest.length === 0) throw new UsageError('audit needs at least one PATH (a file or directory)')
      const { audit } = await import('./ops/audit/index.js')
      return await audit(rest, { format: values.format, failOn: values['fail-on'] })
    }
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

/** Runs the CLI: errors become one clear message and a non-zero exit, never a stack trace. */
export function run (argv: string[]): void {
  main(argv).then(code => {
    if (code >= 0) process.exitCode = code
  }, (err: unknown) => {
    const error = err as Error & { code?: string }
    if (err instanceof UsageError || error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`infergate: ${error.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else if (error.code?.startsWith('IG_ERR_') === true) {
      process.stderr.write(`infergate: ${error.message}\n`)
      process.exitCode = 1
    } else {
      process.stderr.write(`infergate: ${error.stack ?? String(err)}\n`)
      process.exitCode = 1
    }
  })
}
