/** Token counts the upstream reported for one response (read by observability/usage.ts). */
export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}
