/**
 * Errors of `infergate verify-models`. The CLI prints any `IG_ERR_*` error as one line and exits 1;
 * codes are part of the public contract and are never reused for another meaning.
 * @module
 */
import createError from '@fastify/error'

export const ManifestReadError = createError<'IG_ERR_MANIFEST_READ', 1, [string, string]>(
  'IG_ERR_MANIFEST_READ', 'cannot read manifest %s: %s', 1)
export const ManifestInvalidError = createError<'IG_ERR_MANIFEST_INVALID', 1, [string]>(
  'IG_ERR_MANIFEST_INVALID', 'invalid manifest:\n%s', 1)
export const ManifestPathEscapesError = createError<'IG_ERR_MANIFEST_PATH_ESCAPES', 1, [string]>(
  'IG_ERR_MANIFEST_PATH_ESCAPES', 'manifest paths outside the root are refused:\n%s', 1)
export const ModelRootError = createError<'IG_ERR_MODEL_ROOT', 1, [string, string]>(
  'IG_ERR_MODEL_ROOT', 'cannot list model root %s: %s', 1)
