/** The gateway's state as its hooks read it: `draining` from the moment shutdown starts (serve.ts). */
export interface GatewayState {
  draining: boolean
}
