import { bodyModel, noModel, type Profile } from './types.js'
import { vllmDenied } from './vllm-denied.js'

/**
 * vLLM's OpenAI-compatible server: `/v1/*` inference routes and the Cohere-style `/v2` ones. Its
 * unprefixed routes skip vLLM's own `--api-key` check (backends.md 1.2): `/invocations`, `/tokenize`
 * and the rest are never allowed; the pooling ones (`/pooling`, `/classify`, `/score`, `/rerank`) have
 * no `/v1` alias, so they are an opt-in group for backends that listen on loopback only
 * (backends-2026.md 2.1).
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
    { id: 'chat-completions', methods: ['POST'], path: '/v1/chat/completions', model: bodyModel, streaming: 'if-requested', usage: 'on-request' },
    { id: 'completions', methods: ['POST'], path: '/v1/completions', model: bodyModel, streaming: 'if-requested', usage: 'on-request' },
    { id: 'embeddings', methods: ['POST'], path: '/v1/embeddings', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'models', methods: ['GET'], path: '/v1/models', model: noModel, streaming: 'never', answer: 'model-list' },
    { id: 'chat-completions-batch', group: 'chat-batch', methods: ['POST'], path: '/v1/chat/completions/batch', model: bodyModel, streaming: 'refused', batch: 'messages', usage: 'reported' },
    { id: 'responses', group: 'responses', methods: ['POST'], path: '/v1/responses', model: bodyModel, streaming: 'if-requested', usage: 'reported' },
    { id: 'rerank-v1', group: 'rerank', methods: ['POST'], path: '/v1/rerank', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'rerank-v2', group: 'rerank', methods: ['POST'], path: '/v2/rerank', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'score', group: 'score', methods: ['POST'], path: '/v1/score', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'embed-v2', group: 'embed-v2', methods: ['POST'], path: '/v2/embed', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'pooling', group: 'pooling', methods: ['POST'], path: '/pooling', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'classify', group: 'pooling', methods: ['POST'], path: '/classify', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'pooling-score', group: 'pooling', methods: ['POST'], path: '/score', model: bodyModel, streaming: 'never', usage: 'reported' },
    { id: 'pooling-rerank', group: 'pooling', methods: ['POST'], path: '/rerank', model: bodyModel, streaming: 'never', usage: 'reported' }
  ]
}
