import { bodyModel, formModel, noModel, type Profile } from './types.js'
import { vllmDenied } from './vllm-denied.js'

/**
 * vLLM's OpenAI-compatible server: `/v1/*` inference routes and the Cohere-style `/v2` ones. Its
 * unprefixed routes skip vLLM's own `--api-key` check (its authentication middleware guards only
 * `/v1`, `/v2`, `/inference`: docs/usage/security.md): `/invocations` (vllm-project/vllm#58144),
 * `/tokenize` and the rest are never allowed; the pooling ones (`/pooling`, `/classify`, `/score`,
 * `/rerank`) have no `/v1` alias, so they are an opt-in group for backends that listen on loopback only.
 * The audio routes (multipart forms, the model in a form field) are an opt-in group too: they are
 * inference under `/v1`, but an audio upload needs a body limit far above a prompt's, which an
 * operator sets together with the group.
 */
export const vllm: Profile = {
  framework: 'vllm',
  healthPath: '/health',
  envelope: 'openai',
  // Anthropic SDKs call /v1/messages; vLLM's own /v2 routes (Cohere style) are not KServe's.
  envelopePaths: { '/v1/messages': 'anthropic', '/v2/rerank': 'openai', '/v2/embed': 'openai' },
  reservedModelNames: [],
  // uvicorn hands Starlette the decoded path; its allowed paths hold no parameters anyway.
  pathDecoding: 'percent-decoded',
  denied: vllmDenied,
  rules: [
    { id: 'chat-completions', methods: ['POST'], path: '/v1/chat/completions', model: bodyModel, streaming: 'if-requested', usage: 'openai-when-asked' },
    { id: 'completions', methods: ['POST'], path: '/v1/completions', model: bodyModel, streaming: 'if-requested', usage: 'openai-when-asked' },
    { id: 'embeddings', methods: ['POST'], path: '/v1/embeddings', model: bodyModel, streaming: 'never', usage: 'openai' },
    // Anthropic's Messages API (its SDKs send x-api-key and anthropic-version): errors and usage in its shape.
    { id: 'messages', group: 'messages', methods: ['POST'], path: '/v1/messages', model: bodyModel, streaming: 'if-requested', envelope: 'anthropic', usage: 'anthropic' },
    // count_tokens generates nothing: no usage, no token budget.
    { id: 'messages-count-tokens', group: 'messages', methods: ['POST'], path: '/v1/messages/count_tokens', model: bodyModel, streaming: 'never', envelope: 'anthropic' },
    { id: 'models', methods: ['GET'], path: '/v1/models', model: noModel, streaming: 'never', answer: 'model-list' },
    { id: 'chat-completions-batch', group: 'batch', methods: ['POST'], path: '/v1/chat/completions/batch', model: bodyModel, streaming: 'refused', batch: 'messages', usage: 'openai' },
    { id: 'responses', group: 'responses', methods: ['POST'], path: '/v1/responses', model: bodyModel, streaming: 'if-requested', usage: 'openai' },
    { id: 'rerank-v1', group: 'rerank', methods: ['POST'], path: '/v1/rerank', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'rerank-v2', group: 'rerank', methods: ['POST'], path: '/v2/rerank', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'score', group: 'score', methods: ['POST'], path: '/v1/score', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'embed-v2', group: 'embed-v2', methods: ['POST'], path: '/v2/embed', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'pooling', group: 'pooling', methods: ['POST'], path: '/pooling', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'classify', group: 'pooling', methods: ['POST'], path: '/classify', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'pooling-score', group: 'pooling', methods: ['POST'], path: '/score', model: bodyModel, streaming: 'never', usage: 'openai' },
    { id: 'pooling-rerank', group: 'pooling', methods: ['POST'], path: '/rerank', model: bodyModel, streaming: 'never', usage: 'openai' },
    // A transcription's JSON reports seconds, not tokens; a stream asked for it reports usage.
    { id: 'audio-transcriptions', group: 'audio', methods: ['POST'], path: '/v1/audio/transcriptions', model: formModel, streaming: 'if-requested', usage: 'openai' },
    { id: 'audio-translations', group: 'audio', methods: ['POST'], path: '/v1/audio/translations', model: formModel, streaming: 'if-requested', usage: 'openai' }
  ]
}
