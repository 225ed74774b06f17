/**
 * `${NAME}` substitution in every string of a parsed config (never in the raw text, so that a value
 * cannot change the document's structure). `$${` stands for a literal `${`.
 * @module
 */
const REFERENCE = /\$(\$?)\{([^}]*)\}/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function substituteEnv (value: unknown, env: NodeJS.ProcessEnv, path: string, errors: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, escaped: string, name: string) => {
      if (escaped === '$') return whole.slice(1)
      if (!NAME.test(name)) {
        errors.push(`${path}: "\${${name}}" is not a valid environment variable reference`)
      } else if (env[name] === undefined) {
        errors.push(`${path}: environment variable ${name} is not set`)
      } else {
        return env[name]
      }
      return whole
    })
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, `${path}[${i}]`, errors))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = substituteEnv(item, env, joinPath(path, key), errors)
    return out
  }
  return value
}

/** `upstreams[0].url` style paths, as every config error names them. */
export function joinPath (parent: string, key: string): string {
  const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key)
  return parent === '' ? part : `${parent}.${part}`
}
