/**
 * Exact readings of what Kraken's v2 wire carries as JSON numbers and RFC 3339 text:
 * prices and sizes to integer units (plain decimals without allocating, exponent
 * notation such as `1e-08` by moving the decimal point — never through a double), and
 * times to and from µs since the epoch.
 *
 * @module
 */
import { parseUnitsAt } from "@hft/core"

const MAX_EXPONENT = 64

/**
 * Rewrites a JSON number (`1e-08`, `5.1E-5`, `63298`) as a plain decimal (`0.00000001`),
 * exactly, by moving the decimal point. Undefined when it is not a JSON number or its
 * exponent is absurd.
 */
export const plainDecimal = (text: string): string | undefined => {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (m === null) return undefined
  const exponent = m[4] === undefined ? 0 : Number(m[4])
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined
  const digits = m[2]! + (m[3] ?? "")
  const point = m[2]!.length + exponent
  let body: string
  if (point <= 0) body = `0.${"0".repeat(-point)}${digits}`
  else if (point >= digits.length) body = digits + "0".repeat(point - digits.length)
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`
  return m[1] + body
}

/**
 * Units at `scale` of the non-negative JSON number `text[start, end)`, exact; NaN when it
 * is negative, has non-zero digits beyond `scale`, or is not a safe integer of units.
 * Plain decimals never allocate; exponent notation takes a slower exact path.
 */
export const decimalUnits = (text: string, start: number, end: number, scale: number): number => {
  if (text.charCodeAt(start) === 45) return NaN
  const units = parseUnitsAt(text, start, end, scale)
  if (!Number.isNaN(units)) return units
  const plain = plainDecimal(text.slice(start, end))
  return plain === undefined ? NaN : parseUnitsAt(plain, 0, plain.length, scale)
}

const digitsAt = (text: string, at: number, n: number): number => {
  let v = 0
  for (let k = at; k < at + n; k++) {
    const c = text.charCodeAt(k) - 48
    if (c < 0 || c > 9) return NaN
    v = v * 10 + c
  }
  return v
}

/**
 * µs since the epoch of an RFC 3339 UTC time `text[start, end)` as Kraken sends it
 * (`2023-09-25T07:49:37.708706Z`, fraction optional, up to 9 digits); NaN otherwise.
 */
export const rfc3339Us = (text: string, start: number, end: number): number => {
  if (end - start < 20 || text.charCodeAt(end - 1) !== 90) return NaN
  const s = start
  if (text.charCodeAt(s + 4) !== 45 || text.charCodeAt(s + 7) !== 45 || text.charCodeAt(s + 10) !== 84) return NaN
  if (text.charCodeAt(s + 13) !== 58 || text.charCodeAt(s + 16) !== 58) return NaN
  const ms = Date.UTC(
    digitsAt(text, s, 4),
    digitsAt(text, s + 5, 2) - 1,
    digitsAt(text, s + 8, 2),
    digitsAt(text, s + 11, 2),
    digitsAt(text, s + 14, 2),
    digitsAt(text, s + 17, 2)
  )
  let micros = 0
  const fractionEnd = end - 1
  if (fractionEnd > s + 19) {
    if (text.charCodeAt(s + 19) !== 46) return NaN
    const n = fractionEnd - (s + 20)
    if (n < 1 || n > 9) return NaN
    const fraction = digitsAt(text, s + 20, n)
    micros = n <= 6 ? fraction * 10 ** (6 - n) : Math.floor(fraction / 10 ** (n - 6))
  } else if (fractionEnd !== s + 19) {
    return NaN
  }
  return ms * 1000 + micros
}

/** Renders µs since the epoch as Kraken's RFC 3339 time with microseconds. */
export const rfc3339Text = (us: number): string => {
  const iso = new Date(Math.floor(us / 1000)).toISOString()
  return `${iso.slice(0, 23)}${String(Math.floor(us) % 1000).padStart(3, "0")}Z`
}
