/**
 * Fixed-point numbers: decimal text ⇄ integer units at a given scale, exact, with no
 * floating point on the way in.
 *
 * A price of "65000.10" at scale 2 is the integer 6500010. Hot-path values (prices and
 * sizes in a book) are JavaScript numbers holding safe integers; money that accumulates
 * (balances, notionals, fees) is a `bigint`.
 *
 * @module
 */

/** A decimal text that cannot be represented exactly at the requested scale. */
export class FixedPointError extends Error {
  readonly _tag = "FixedPointError"
  readonly input: string
  constructor(input: string, reason: string) {
    super(`cannot parse decimal ${JSON.stringify(input)}: ${reason}`)
    this.input = input
  }
}

const CH_0 = 48
const CH_9 = 57
const CH_DOT = 46
const CH_MINUS = 45

/**
 * Parses `text[start, end)` as a decimal into integer units at `scale` decimals.
 *
 * Hot-path variant for scanners: never throws, never allocates. Returns `NaN` when the
 * text is not a plain decimal (`-?digits[.digits]`, no exponent), when it has non-zero
 * digits beyond `scale`, or when the result is not a safe integer.
 */
export const parseUnitsAt = (text: string, start: number, end: number, scale: number): number => {
  let i = start
  let negative = false
  if (i < end && text.charCodeAt(i) === CH_MINUS) {
    negative = true
    i++
  }
  let value = 0
  let digits = 0
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < CH_0 || c > CH_9) break
    value = value * 10 + (c - CH_0)
    digits++
  }
  let frac = 0
  if (i < end && text.charCodeAt(i) === CH_DOT) {
    i++
    let fracDigits = 0
    for (; i < end; i++) {
      const c = text.charCodeAt(i)
      if (c < CH_0 || c > CH_9) break
      fracDigits++
      if (frac < scale) {
        value = value * 10 + (c - CH_0)
        frac++
      } else if (c !== CH_0) {
        return NaN
      }
    }
    if (fracDigits === 0) return NaN
  }
  if (i !== end || digits === 0) return NaN
  for (; frac < scale; frac++) value *= 10
  if (value > Number.MAX_SAFE_INTEGER) return NaN
  return negative && value !== 0 ? -value : value
}

const describeFailure = (text: string, scale: number): string => {
  if (text.length === 0) return "empty text"
  if (/[eE]/.test(text)) return "exponent notation is not accepted"
  if (!/^-?\d+(\.\d+)?$/.test(text)) return "not a plain decimal (expected -?digits[.digits])"
  const dot = text.indexOf(".")
  if (dot >= 0 && /[1-9]/.test(text.slice(dot + 1 + scale))) {
    return `more than ${scale} significant decimal places`
  }
  return "magnitude exceeds 2^53 units"
}

/**
 * Parses a whole decimal text into integer units at `scale` decimals.
 *
 * @throws FixedPointError with a message saying why the text was rejected.
 */
export const parseUnits = (text: string, scale: number): number => {
  const units = parseUnitsAt(text, 0, text.length, scale)
  if (Number.isNaN(units)) throw new FixedPointError(text, describeFailure(text, scale))
  return units
}

/**
 * Parses a decimal text into a `bigint` of units at `scale` decimals, for amounts that
 * may exceed 2^53 (balances, notionals, exchange ids).
 *
 * @throws FixedPointError when the text is not a plain decimal or is too precise.
 */
export const parseAmount = (text: string, scale: number): bigint => {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (m === null) throw new FixedPointError(text, describeFailure(text, scale))
  const fraction = m[3] ?? ""
  if (/[1-9]/.test(fraction.slice(scale))) {
    throw new FixedPointError(text, `more than ${scale} significant decimal places`)
  }
  const units = BigInt(m[2]! + fraction.slice(0, scale).padEnd(scale, "0"))
  return m[1] === "-" ? -units : units
}

/** Renders integer units at `scale` decimals as decimal text with exactly `scale` decimals. */
export const formatUnits = (units: number | bigint, scale: number): string => {
  const big = typeof units === "bigint" ? units : BigInt(units)
  const negative = big < 0n
  const digits = (negative ? -big : big).toString()
  if (scale === 0) return negative ? `-${digits}` : digits
  const padded = digits.padStart(scale + 1, "0")
  const text = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`
  return negative ? `-${text}` : text
}

/** Like {@link formatUnits} but without trailing fractional zeros ("65000.1", "2"). */
export const formatUnitsTrimmed = (units: number | bigint, scale: number): string => {
  const text = formatUnits(units, scale)
  if (scale === 0) return text
  const trimmed = text.replace(/0+$/, "")
  return trimmed.endsWith(".") ? trimmed.slice(0, -1) : trimmed
}

/** Number of decimal places in a decimal text ("0.01000000" → 2): the scale its step implies. */
export const scaleOfStep = (step: string): number => {
  if (!/^\d+(\.\d+)?$/.test(step)) throw new FixedPointError(step, "not a plain positive decimal")
  const dot = step.indexOf(".")
  if (dot < 0) return 0
  const fraction = step.slice(dot + 1).replace(/0+$/, "")
  return fraction.length
}

/** 10^n as a bigint. */
export const pow10 = (n: number): bigint => 10n ** BigInt(n)

/** Rescales `value` from `fromScale` to `toScale` decimals, exactly (throws if precision would be lost). */
export const rescale = (value: bigint, fromScale: number, toScale: number): bigint => {
  if (toScale >= fromScale) return value * pow10(toScale - fromScale)
  const divisor = pow10(fromScale - toScale)
  if (value % divisor !== 0n) {
    throw new FixedPointError(formatUnits(value, fromScale), `not representable at ${toScale} decimals`)
  }
  return value / divisor
}

/** `a * b / d` rounded toward +infinity, exact for bigints (fees charged to the trader round up). */
export const mulDivCeil = (a: bigint, b: bigint, d: bigint): bigint => {
  const n = a * b
  const q = n / d
  return n % d !== 0n && n > 0n === d > 0n ? q + 1n : q
}

/** `a * b / d` rounded toward -infinity, exact for bigints. */
export const mulDivFloor = (a: bigint, b: bigint, d: bigint): bigint => {
  const n = a * b
  const q = n / d
  return n % d !== 0n && n > 0n !== d > 0n ? q - 1n : q
}
