import { escapeRegExp } from './escape-regexp.js'

/** A matcher for model names against patterns such as `llama-*`; `*` alone matches every model. */
export type ModelMatcher = (model: string) => boolean

const anyModel: ModelMatcher = () => true

export function compileModelPatterns (patterns: readonly string[]): ModelMatcher {
  if (patterns.includes('*')) return anyModel
  const exact = new Set(patterns.filter(p => !p.includes('*')))
  const wildcards = patterns.filter(p => p.includes('*')).map(p =>
    new RegExp('^' + p.split('*').map(escapeRegExp).join('.*') + '$'))
  if (wildcards.length === 0) return model => exact.has(model)
  return model => exact.has(model) || wildcards.some(re => re.test(model))
}
