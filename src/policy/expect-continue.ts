/**
 * `Expect`, answered by the gateway rather than by node. Node sends `100 Continue` as soon as the
 * headers are parsed, before any check, unless the server handles 'checkContinue' (and answers any
 * other expectation with a bare 417 unless it handles 'checkExpectation'). Both become ordinary
 * requests here: `100 Continue` is sent by the body parser once the checks before the body passed,
 * and an expectation that cannot be met is refused by request admission (src/server/request-admission.ts).
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

// Requests whose client waits for `100 Continue`, until it is sent.
const awaiting = new WeakSet<IncomingMessage>()
const unmet = new WeakSet<IncomingMessage>()

export function handleExpect (server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaiting.add(req)
    server.emit('request', req, res)
  })
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    unmet.add(req)
    server.emit('request', req, res)
  })
}

/** Tells a client waiting for it to send its body; nothing for any other request. */
export function sendContinue (req: IncomingMessage, res: ServerResponse): void {
  if (awaiting.delete(req)) res.writeContinue()
}

/** The client still waits for `100 Continue`: after a final status, its body may follow or not. */
export function awaitsContinue (req: IncomingMessage): boolean {
  return awaiting.has(req)
}

/** The request's `Expect` is not `100-continue`. */
export function expectationUnmet (req: IncomingMessage): boolean {
  return unmet.has(req)
}
