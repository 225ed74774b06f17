import { json, type Exchange, type Reply } from './exchange.js'
import { field } from './wire.js'

const HEADER_LENGTH = 'inference-header-content-length'
const FP32_BYTES = 4

/** An input tensor: JSON `values`, or raw `bytes` from the binary tensor extension. */
interface Tensor {
  name: string
  datatype: string
  shape: unknown
  values?: unknown[]
  bytes?: Buffer
}

/** Becomes a 400 `{"error"}`, as Triton answers malformed infer requests. */
class InvalidRequest extends Error {}

/**
 * Runs the emulated model: OUTPUTi mirrors INPUTi with every value doubled, except that a binary
 * input asked back as binary comes back byte for byte, so tests can prove nothing touched it.
 */
export function infer (ex: Exchange, model: string, version: string): void {
  let reply: Reply
  try {
    reply = answer(ex, model, version)
  } catch (err) {
    if (!(err instanceof InvalidRequest)) throw err
    ex.send(json(400, { error: err.message }))
    return
  }
  ex.generate(reply, 0)
}

function answer (ex: Exchange, model: string, version: string): Reply {
  const { header, inputs } = parse(ex)
  const binaryByDefault = field(header, 'binary_data_output') === true || field(field(header, 'parameters'), 'binary_data_output') === true
  const requested = field(header, 'outputs')
  const wanted = Array.isArray(requested)
    ? requested.map(output => {
      const binary = field(field(output, 'parameters'), 'binary_data')
      return { name: String(field(output, 'name')), binary: typeof binary === 'boolean' ? binary : binaryByDefault }
    })
    : inputs.map((_, index) => ({ name: `OUTPUT${index}`, binary: binaryByDefault }))
  const binaries: Buffer[] = []
  const outputs = wanted.map(({ name, binary }, index) => {
    const source = inputs[index] ?? inputs[0]
    if (source === undefined) throw new InvalidRequest('expected at least one input')
    const { datatype, shape } = source
    if (!binary) return { name, datatype, shape, data: source.values?.map(double) ?? decodeDoubled(source) }
    const bytes = source.bytes ?? encodeDoubled(source)
    binaries.push(bytes)
    return { name, datatype, shape, parameters: { binary_data_size: bytes.length } }
  })
  const id = field(header, 'id')
  const response = { ...(typeof id === 'string' ? { id } : {}), model_name: model, model_version: version, outputs }
  if (binaries.length === 0) return json(200, response)
  const head = Buffer.from(JSON.stringify(response))
  return {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: head.length },
    body: Buffer.concat([head, ...binaries])
  }
}

/** Splits the body into the JSON header and the raw tensors that follow it. */
function parse (ex: Exchange): { header: unknown, inputs: Tensor[] } {
  const { body } = ex
  const declared = ex.req.headers[HEADER_LENGTH]
  const headerLength = declared === undefined ? body.length : Number(declared)
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
    throw new InvalidRequest(`invalid ${HEADER_LENGTH}: ${String(declared)}`)
  }
  let header: unknown
  try {
    header = JSON.parse(body.subarray(0, headerLength).toString())
  } catch {
    throw new InvalidRequest('failed to parse the request JSON buffer')
  }
  const declaredInputs = field(header, 'inputs')
  if (!Array.isArray(declaredInputs)) throw new InvalidRequest('expected an inputs array')
  let offset = headerLength
  const inputs = declaredInputs.map((input: unknown): Tensor => {
    const tensor = { name: String(field(input, 'name')), datatype: String(field(input, 'datatype')), shape: field(input, 'shape') }
    const size = field(field(input, 'parameters'), 'binary_data_size')
    if (typeof size === 'number') {
      if (offset + size > body.length) throw new InvalidRequest(`unexpected size for input '${tensor.name}'`)
      offset += size
      return { ...tensor, bytes: body.subarray(offset - size, offset) }
    }
    const data = field(input, 'data')
    if (!Array.isArray(data)) throw new InvalidRequest(`input '${tensor.name}' has neither data nor binary_data_size`)
    return { ...tensor, values: data.flat(Infinity) }
  })
  if (offset !== body.length) throw new InvalidRequest('unexpected additional input data')
  return { header, inputs }
}

function double (value: unknown): unknown {
  return typeof value === 'number' ? value * 2 : value
}

function requireFp32 (tensor: Tensor): void {
  if (tensor.datatype !== 'FP32') throw new InvalidRequest(`the emulated model converts between JSON and binary only for FP32, got ${tensor.datatype}`)
}

function encodeDoubled (tensor: Tensor): Buffer {
  requireFp32(tensor)
  const values = tensor.values ?? []
  const bytes = Buffer.allocUnsafe(values.length * FP32_BYTES)
  values.forEach((value, index) => { bytes.writeFloatLE(Number(value) * 2, index * FP32_BYTES) })
  return bytes
}

function decodeDoubled (tensor: Tensor): number[] {
  requireFp32(tensor)
  const bytes = tensor.bytes ?? Buffer.alloc(0)
  if (bytes.length % FP32_BYTES !== 0) throw new InvalidRequest(`input '${tensor.name}' is not a whole number of FP32 values`)
  return Array.from({ length: bytes.length / FP32_BYTES }, (_, index) => bytes.readFloatLE(index * FP32_BYTES) * 2)
}
