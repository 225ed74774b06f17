/**
 * `npm run docs`: writes the generated reference of docs/ (docs/render) from the code's data. Run it
 * after changing the config schema, the error table, a profile, a guard rule, a probe check or a
 * metric; test/docs/generated.test.ts fails while a committed document is stale.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GENERATED } from './render/index.js'

for (const [file, render] of Object.entries(GENERATED)) {
  await writeFile(join(import.meta.dirname, file), await render())
  console.log(`docs/${file}`)
}
