/**
 * Deribit sends prices and amounts as JSON numbers, small amounts in exponent notation
 * (`4.923e-05` in a live BTC_USDC book). These read and write such number text exactly,
 * as integer units, never through a double.
 *
 * @module
 */
import { formatUnitsTrimmed, parseUnitsAt } from "@hft/core"

const D0 = 48
const D9 = 57
const MINUS = 45
const PLUS = 43
const DOT = 46

/** Largest mantissa digit count read exactly (10^15 < 2^53). */
const MAX_DIGITS = 15

/**
 * Parses the JSON number in `text[start, end)` into integer units at `scale` decimals,
 * exponent notation included. Allocation-free; `NaN` when the number is not exactly
 * representable at `scale` or not a safe integer of units.
 */
export const numberUnitsAt = (text: string, start: number, end: number, scale: number): number => {
  const plain = parseUnitsAt(text, start, end, scale)
  if (!Number.isNaN(plain)) return plain
  let i = start
  const negative = text.charCodeAt(i) === MINUS
  if (negative) i++
  let mantissa = 0
  let digits = 0
  let fraction = 0
  let seenDot = false
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === DOT && !seenDot) {
      seenDot = true
      continue
    }
    if (c < D0 || c > D9) break
    if (mantissa === 0 && c === D0) {
      if (seenDot) fraction++
      continue
    }
    if (++digits > MAX_DIGITS) return NaN
    mantissa = mantissa * 10 + (c - D0)
    if (seenDot) fraction++
  }
  const e = text.charCodeAt(i)
  if (e !== 101 && e !== 69) return NaN
  i++
  let expNegative = false
  if (text.charCodeAt(i) === MINUS || text.charCodeAt(i) === PLUS) expNegative = text.charCodeAt(i++) === MINUS
  let exponent = 0
  const expStart = i
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < D0 || c > D9 || exponent > 400) return NaN
    exponent = exponent * 10 + (c - D0)
  }
  if (i === expStart) return NaN
  const shift = scale - fraction + (expNegative ? -exponent : exponent)
  let units: number
  if (mantissa === 0) units = 0
  else if (shift >= 0) units = shift > 22 ? Infinity : mantissa * 10 ** shift
  else if (-shift > 22) return NaN
  else {
    const divisor = 10 ** -shift
    if (mantissa % divisor !== 0) return NaN
    units = mantissa / divisor
  }
  if (units > Number.MAX_SAFE_INTEGER) return NaN
  return negative && units !== 0 ? -units : units
}

/** A JSON number's text as a plain decimal (`1e-4` → `0.0001`), for the instrument list. */
export const plainDecimal = (text: string): string => {
  const m = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text)
  if (m === null) return text
  const digits = m[2]! + (m[3] ?? "")
  const point = m[2]!.length + Number(m[4])
  let out: string
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length)
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`
  out = out.replace(/^0+(?=\d)/, "")
  if (out.includes(".")) out = out.replace(/\.?0+$/, "")
  return m[1] + out
}

/**
 * Renders integer units as Deribit renders the number: a plain decimal without trailing
 * zeros, or exponent notation below 10^-4 (`4.923e-05`).
 */
export const deribitNumber = (units: number, scale: number): string => {
  const text = formatUnitsTrimmed(units, scale)
  const negative = text.startsWith("-")
  const abs = negative ? text.slice(1) : text
  // Python-style repr, as Deribit's numbers look: exponent notation only below 1e-4.
  if (!abs.startsWith("0.0000")) return text
  const firstDigit = abs.search(/[1-9]/)
  const digits = abs.slice(firstDigit)
  const exponent = -(firstDigit - 1)
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${negative ? "-" : ""}${mantissa}e-${String(-exponent).padStart(2, "0")}`
}
