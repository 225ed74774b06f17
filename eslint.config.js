import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'
import { exchangeReads, layering } from './eslint.layers.js'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'bench/results/**'] }),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error'
    }
  },
  // src/ in layers, each importing only those below it; the request state read by its accessors.
  ...layering,
  ...exchangeReads
]
