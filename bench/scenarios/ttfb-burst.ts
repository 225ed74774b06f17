import { firstByte } from './first-byte.js'

export const scenario = firstByte('burst')
