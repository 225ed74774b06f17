/**
 * Token settlement needs the usage of every stream. A client that did not ask for it gets
 * `stream_options.include_usage: true` added to its forwarded JSON body (re-serialised once
 * by the forwarder, together with any change the guards made), and the relay removes the usage
 * chunk from its stream again (sse-usage-filter.ts). Every other stream is relayed untouched.
 * @module
 */
import { isObject } from '../lib/json-object.js'
import type { Exchange } from '../exchange/exchange.js'

// Routes whose streams report usage only when asked (the Responses API always reports it): rule.usage.
const asksOnRequest = (context: Exchange): boolean => context.match?.route.rule.usage === 'openai-when-asked'

const asksForUsage = (json: Record<string, unknown> | undefined): boolean => {
  const options = json?.['stream_options']
  return isObject(options) && options['include_usage'] === true
}

/** Whether a stream of this request ends with a usage chunk (else its tail is not worth keeping). */
export function streamReportsUsage (context: Exchange): boolean {
  return !asksOnRequest(context) || asksForUsage(context.json)
}

/** Asks the upstream for the stream's usage when the client did not. */
export function includeUsage (context: Exchange, json: Record<string, unknown>): void {
  if (json['stream'] !== true || !asksOnRequest(context)) return
  const options = json['stream_options']
  if (asksForUsage(json)) return
  json['stream_options'] = { ...(isObject(options) ? options : {}), include_usage: true }
  context.jsonChanged = true
  context.stripUsageChunk = true
}
