/** The gateway's refusal read from any of its envelopes (src/server/error-envelope.ts). */
export interface Refusal {
  readonly code: string
  readonly message: string
  readonly requestId: string
}

export function gatewayRefusal (body: unknown): Refusal {
  const b = (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>
  const error = b['error']
  // KServe v2 (Triton): "error" is the message
  if (typeof error === 'string') return { code: b['code'] as string, message: error, requestId: b['requestId'] as string }
  // TorchServe: the status in "code", ours in "type"
  if (typeof b['code'] === 'number') return { code: b['type'] as string, message: b['message'] as string, requestId: b['requestId'] as string }
  const inner = error as Record<string, string>
  // Anthropic: the id beside the error object
  if (b['type'] === 'error') return { code: inner['code'] as string, message: inner['message'] as string, requestId: b['request_id'] as string }
  return { code: inner['code'] as string, message: inner['message'] as string, requestId: inner['requestId'] as string }
}
