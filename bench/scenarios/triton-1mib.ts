import { tritonBinary } from './triton-binary.js'

export const scenario = tritonBinary(1, 8)
