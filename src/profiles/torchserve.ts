import { noModel, pathModel, type Profile } from './types.js'

// The KServe handlers take the model as the part of its segment before the first ":"
// (frontend/server/src/main/java/org/pytorch/serve/http/api/rest/InferenceRequestHandler.java,
// handleKFV2Predictions: `segments[3].split(":")[0]`).
const kserveModel = { model: ':' }

// TorchServe's vLLM handler (ts/torch_handler/vllm_handler.py) serves vLLM's OpenAI API under a
// model's version: the frontend hands the handler the rest of the path as its `url_path` header. The
// JSON `model` is the name the embedded vLLM checks (the Hugging Face id), not TorchServe's model.
const HOSTED = '/predictions/{model}/{version}/v1'
const hosted = { group: 'hosted-openai', model: pathModel, envelope: 'openai', jsonBody: { modelField: 'model' } } as const

/**
 * TorchServe's inference port. The management (8081) and metrics (8082) ports are never proxied;
 * SageMaker-style, legacy predict, workflow and plugin routes are not allowed (InferenceRequestHandler.java).
 * Predictions and explanations take POST and PUT (`curl -T` in TorchServe's docs sends PUT); the
 * `hosted-openai` group is the OpenAI API of its vLLM handler, POST only, as the OpenAI SDKs send it.
 */
export const torchserve: Profile = {
  framework: 'torchserve',
  healthPath: '/ping',
  envelope: 'torchserve',
  // The inference port's other APIs and the management API's paths, as TorchServe's clients call them.
  envelopePaths: { '/predictions': 'torchserve', '/explanations': 'torchserve', '/ping': 'torchserve', '/models': 'torchserve', '/api-description': 'torchserve', '/workflows': 'torchserve' },
  reservedModelNames: [],
  // QueryStringDecoder decodes the path before the model is read from it.
  pathDecoding: 'percent-decoded',
  // Its refused routes are listed in the README and test/integration/routes-denied.test.ts.
  denied: [],
  rules: [
    { id: 'predictions', methods: ['POST', 'PUT'], path: '/predictions/{model}', model: pathModel, streaming: 'maybe' },
    { id: 'predictions-version', methods: ['POST', 'PUT'], path: '/predictions/{model}/{version}', model: pathModel, streaming: 'maybe' },
    { id: 'ping', methods: ['GET'], path: '/ping', model: noModel, streaming: 'never' },
    // Fixed suffixes, never a catch-all: the handler answers whatever url_path it is given.
    { id: 'hosted-openai-chat-completions', methods: ['POST'], path: `${HOSTED}/chat/completions`, streaming: 'if-requested', usage: 'openai-when-asked', ...hosted },
    { id: 'hosted-openai-completions', methods: ['POST'], path: `${HOSTED}/completions`, streaming: 'if-requested', usage: 'openai-when-asked', ...hosted },
    { id: 'hosted-openai-models', group: 'hosted-openai', methods: ['GET'], path: `${HOSTED}/models`, model: pathModel, streaming: 'never', envelope: 'openai' },
    { id: 'explanations', group: 'explanations', methods: ['POST', 'PUT'], path: '/explanations/{model}', model: pathModel, streaming: 'never' },
    { id: 'explanations-version', group: 'explanations', methods: ['POST', 'PUT'], path: '/explanations/{model}/{version}', model: pathModel, streaming: 'never' },
    { id: 'kserve-v1-predict', group: 'kserve-v1', methods: ['POST'], path: '/v1/models/{model}:predict', model: pathModel, streaming: 'never', envelope: 'kserve', paramRefuses: kserveModel },
    { id: 'kserve-v1-explain', group: 'kserve-v1', methods: ['POST'], path: '/v1/models/{model}:explain', model: pathModel, streaming: 'never', envelope: 'kserve', paramRefuses: kserveModel },
    { id: 'kserve-v2-infer', group: 'kserve-v2', methods: ['POST'], path: '/v2/models/{model}/infer', model: pathModel, streaming: 'never', envelope: 'kserve', paramRefuses: kserveModel },
    { id: 'kserve-v2-explain', group: 'kserve-v2', methods: ['POST'], path: '/v2/models/{model}/explain', model: pathModel, streaming: 'never', envelope: 'kserve', paramRefuses: kserveModel },
    { id: 'kserve-v2-health-live', group: 'kserve-v2', methods: ['GET'], path: '/v2/health/live', model: noModel, streaming: 'never', envelope: 'kserve' },
    { id: 'kserve-v2-health-ready', group: 'kserve-v2', methods: ['GET'], path: '/v2/health/ready', model: noModel, streaming: 'never', envelope: 'kserve' }
  ]
}
