/**
 * Every generated document of docs/, by file name, rendered in memory from the code's data. The
 * generator writes them (docs/generate.ts); test/docs/generated.test.ts compares them with the files.
 * @module
 */
import { renderConfiguration } from './configuration.js'
import { renderErrors } from './errors.js'
import { renderGuards } from './guards.js'
import { renderMetrics } from './metrics.js'
import { renderProbes } from './probes.js'
import { renderRoutes } from './routes.js'

export const GENERATED: Readonly<Record<string, () => string | Promise<string>>> = {
  'configuration.md': renderConfiguration,
  'errors.md': renderErrors,
  'guards.md': renderGuards,
  'metrics.md': renderMetrics,
  'probes.md': renderProbes,
  'routes.md': renderRoutes
}

export const REGENERATE = 'npm run docs'
