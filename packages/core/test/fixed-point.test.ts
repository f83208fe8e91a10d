import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  FixedPointError,
  formatUnits,
  formatUnitsTrimmed,
  mulDivCeil,
  mulDivFloor,
  parseAmount,
  parseUnits,
  parseUnitsAt,
  pow10,
  rescale,
  scaleOfStep
} from "../src/fixed-point.ts"

const digitString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength, maxLength })

/** A plain decimal with at most `maxFrac` fractional digits, plus its parts. */
const decimal = (maxInt: number, maxFrac: number) =>
  fc.record({
    negative: fc.boolean(),
    int: digitString(1, maxInt),
    frac: fc.option(digitString(1, maxFrac), { nil: undefined })
  })

/** A decimal exact at `scale`: at most `scale` significant fractional digits, then possibly zeros. */
const decimalWithin = (maxInt: number, scale: number) =>
  fc
    .tuple(decimal(maxInt, Math.max(scale, 1)), fc.integer({ min: 0, max: 3 }))
    .map(([d, zeros]) => {
      if (d.frac === undefined) return d
      const frac = d.frac.slice(0, scale) + "0".repeat(zeros)
      return { ...d, frac: frac.length === 0 ? undefined : frac }
    })

const textOf = (d: { negative: boolean; int: string; frac: string | undefined }): string =>
  `${d.negative ? "-" : ""}${d.int}${d.frac === undefined ? "" : `.${d.frac}`}`

/** The canonical rendering with exactly `scale` decimals, computed from the parts with strings only. */
const canonical = (d: { negative: boolean; int: string; frac: string | undefined }, scale: number): string => {
  const int = d.int.replace(/^0+(?=\d)/, "")
  const frac = (d.frac ?? "").padEnd(scale, "0").slice(0, scale)
  const body = scale === 0 ? int : `${int}.${frac}`
  const isZero = /^[0.]*$/.test(body)
  return d.negative && !isZero ? `-${body}` : body
}

/** Expect `fn` to throw a FixedPointError whose message contains `fragment`. */
const expectFixedPointError = (fn: () => unknown, fragment: string): void => {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(FixedPointError)
  expect((caught as FixedPointError)._tag).toBe("FixedPointError")
  expect((caught as FixedPointError).message).toContain(fragment)
}

describe("parseUnits", () => {
  it.each([
    ["0.00000001", 8, 1],
    ["65000.10", 2, 6500010],
    ["65000.10000000", 2, 6500010],
    ["65000.1", 2, 6500010],
    ["65000", 2, 6500000],
    ["0", 2, 0],
    ["0.0", 0, 0],
    ["-0", 2, 0],
    ["-0.00", 2, 0],
    ["-1.5", 1, -15],
    ["-0.01", 2, -1],
    ["007.50", 2, 750],
    ["1", 0, 1],
    ["12.000", 0, 12],
    ["9007199254740991", 0, Number.MAX_SAFE_INTEGER],
    ["-9007199254740991", 0, -Number.MAX_SAFE_INTEGER],
    ["90071992.54740991", 8, Number.MAX_SAFE_INTEGER],
    ["0.000000000000000001", 18, 1]
  ])("parses %j at scale %i to %i", (text, scale, expected) => {
    const units = parseUnits(text, scale)
    expect(units).toBe(expected)
    // never a negative zero
    expect(Object.is(units, -0)).toBe(false)
  })

  it.each([
    ["1e5", 2, "exponent notation is not accepted"],
    ["1.5E-3", 8, "exponent notation is not accepted"],
    ["1E5", 0, "exponent notation is not accepted"],
    [".5", 2, "not a plain decimal"],
    ["5.", 2, "not a plain decimal"],
    ["", 2, "empty text"],
    ["+1", 2, "not a plain decimal"],
    ["-", 2, "not a plain decimal"],
    [" 1", 2, "not a plain decimal"],
    ["1 ", 2, "not a plain decimal"],
    ["1,5", 2, "not a plain decimal"],
    ["1.2.3", 2, "not a plain decimal"],
    ["--1", 2, "not a plain decimal"],
    ["0x10", 2, "not a plain decimal"],
    ["NaN", 2, "not a plain decimal"],
    ["Infinity", 2, "not a plain decimal"],
    ["1.001", 2, "more than 2 significant decimal places"],
    ["0.000000001", 8, "more than 8 significant decimal places"],
    ["1.5", 0, "more than 0 significant decimal places"],
    ["9007199254740992", 0, "magnitude exceeds 2^53 units"],
    ["-9007199254740992", 0, "magnitude exceeds 2^53 units"],
    ["90071992.54740992", 8, "magnitude exceeds 2^53 units"],
    ["1", 18, "magnitude exceeds 2^53 units"],
    ["123456789012345678901234567890", 2, "magnitude exceeds 2^53 units"]
  ])("rejects %j at scale %i with %j", (text, scale, reason) => {
    expectFixedPointError(() => parseUnits(text, scale), reason)
    try {
      parseUnits(text, scale)
    } catch (e) {
      expect((e as FixedPointError).input).toBe(text)
      expect((e as FixedPointError).message).toContain(JSON.stringify(text))
    }
  })

  it("format(parse(x)) is the canonical form of any plain decimal within scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }).chain((scale) => fc.tuple(fc.constant(scale), decimalWithin(7, scale))),
        ([scale, d]) => {
        const text = textOf(d)
        expect(formatUnits(parseUnits(text, scale), scale)).toBe(canonical(d, scale))
      }),
      { numRuns: 500 }
    )
  })

  it("rejects any decimal with a non-zero digit beyond the scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        digitString(1, 6),
        digitString(0, 6),
        fc.integer({ min: 1, max: 9 }),
        digitString(0, 3),
        (scale, negative, int, within, nonZero, tail) => {
          const frac = within.slice(0, scale).padEnd(scale, "0") + String(nonZero) + tail
          const text = `${negative ? "-" : ""}${int}.${frac}`
          expectFixedPointError(() => parseUnits(text, scale), `more than ${scale} significant decimal places`)
          expectFixedPointError(() => parseAmount(text, scale), `more than ${scale} significant decimal places`)
          expect(parseUnitsAt(text, 0, text.length, scale)).toBeNaN()
        }
      ),
      { numRuns: 300 }
    )
  })

  it("parse(format(n)) === n for every safe integer at every scale", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), (n, scale) => {
        const text = formatUnits(n, scale)
        expect(parseUnits(text, scale)).toBe(n)
        expect(parseUnitsAt(text, 0, text.length, scale)).toBe(n)
        expect(parseAmount(text, scale)).toBe(BigInt(n))
      }),
      { numRuns: 500 }
    )
  })

  it("agrees with parseAmount whenever the result is a safe integer, and rejects otherwise", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }).chain((scale) => fc.tuple(fc.constant(scale), decimalWithin(18, scale))),
        ([scale, d]) => {
        const text = textOf(d)
        const exact = parseAmount(text, scale)
        const safe = exact <= BigInt(Number.MAX_SAFE_INTEGER) && exact >= -BigInt(Number.MAX_SAFE_INTEGER)
        if (safe) expect(parseUnits(text, scale)).toBe(Number(exact))
        else expectFixedPointError(() => parseUnits(text, scale), "magnitude exceeds 2^53 units")
      }),
      { numRuns: 500 }
    )
  })
})

describe("parseUnitsAt", () => {
  it("parses a substring of a frame without copying it", () => {
    const frame = `{"p":"65000.10","q":"0.00000001"}`
    const pStart = frame.indexOf("65000")
    const pEnd = frame.indexOf(`"`, pStart)
    const qStart = frame.indexOf("0.0000")
    const qEnd = frame.indexOf(`"`, qStart)
    expect(parseUnitsAt(frame, pStart, pEnd, 2)).toBe(6500010)
    expect(parseUnitsAt(frame, qStart, qEnd, 8)).toBe(1)
    // one character too far includes the closing quote
    expect(parseUnitsAt(frame, pStart, pEnd + 1, 2)).toBeNaN()
    // one character too early includes the opening quote
    expect(parseUnitsAt(frame, pStart - 1, pEnd, 2)).toBeNaN()
    // a prefix is a valid shorter number
    expect(parseUnitsAt(frame, pStart, pStart + 3, 2)).toBe(65000)
  })

  it.each([
    ["1e5", 2],
    ["1.5E-3", 8],
    [".5", 2],
    ["5.", 2],
    ["", 2],
    ["+1", 2],
    ["-", 2],
    ["1.001", 2],
    ["9007199254740992", 0],
    ["abc", 2]
  ])("returns NaN for %j at scale %i", (text, scale) => {
    expect(parseUnitsAt(text, 0, text.length, scale)).toBeNaN()
  })

  it("returns NaN for empty and inverted ranges and out-of-bounds ranges", () => {
    expect(parseUnitsAt("123", 1, 1, 0)).toBeNaN()
    expect(parseUnitsAt("123", 2, 1, 0)).toBeNaN()
    expect(parseUnitsAt("123", 0, 10, 0)).toBeNaN()
    expect(parseUnitsAt("123", -2, 3, 0)).toBeNaN()
  })

  it("never throws and returns a safe integer or NaN for arbitrary text and ranges", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789.-+eE x"), maxLength: 24 }),
        fc.integer({ min: -3, max: 30 }),
        fc.integer({ min: -3, max: 30 }),
        fc.integer({ min: 0, max: 18 }),
        (text, start, end, scale) => {
          const units = parseUnitsAt(text, start, end, scale)
          expect(Number.isNaN(units) || Number.isSafeInteger(units)).toBe(true)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("on any in-bounds substring, agrees with parseUnits on the sliced text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789.-e"), maxLength: 20 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 8 }),
        (text, a, b, scale) => {
          const start = text.length === 0 ? 0 : a % (text.length + 1)
          const end = start + (text.length - start === 0 ? 0 : b % (text.length - start + 1))
          const slice = text.slice(start, end)
          const units = parseUnitsAt(text, start, end, scale)
          let expected: number
          try {
            expected = parseUnits(slice, scale)
          } catch (e) {
            expect(e).toBeInstanceOf(FixedPointError)
            expected = NaN
          }
          expect(units).toBe(expected)
        }
      ),
      { numRuns: 1000 }
    )
  })
})

describe("parseAmount", () => {
  it.each([
    ["0.00000001", 8, 1n],
    ["65000.10", 2, 6500010n],
    ["65000.10000000", 2, 6500010n],
    ["-0", 2, 0n],
    ["-12.5", 3, -12500n],
    ["9007199254740992", 0, 9007199254740992n],
    ["123456789012345678901234567890.123", 3, 123456789012345678901234567890123n],
    ["1", 18, 1_000_000_000_000_000_000n],
    ["-99999999999999999999.99", 2, -9999999999999999999999n]
  ])("parses %j at scale %i to %s", (text, scale, expected) => {
    expect(parseAmount(text, scale)).toBe(expected)
  })

  it.each([
    ["1e5", 2, "exponent notation is not accepted"],
    ["1.5E-3", 8, "exponent notation is not accepted"],
    [".5", 2, "not a plain decimal"],
    ["5.", 2, "not a plain decimal"],
    ["", 2, "empty text"],
    ["+1", 2, "not a plain decimal"],
    ["1.001", 2, "more than 2 significant decimal places"]
  ])("rejects %j at scale %i with %j", (text, scale, reason) => {
    expectFixedPointError(() => parseAmount(text, scale), reason)
  })

  it("parse(format(n)) === n for arbitrary bigints at every scale", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 24 }), (n, scale) => {
        expect(parseAmount(formatUnits(n, scale), scale)).toBe(n)
        expect(parseAmount(formatUnitsTrimmed(n, scale), scale)).toBe(n)
      }),
      { numRuns: 500 }
    )
  })

  it("format(parse(x)) is the canonical form for long decimals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }).chain((scale) => fc.tuple(fc.constant(scale), decimalWithin(30, scale))),
        ([scale, d]) => {
        expect(formatUnits(parseAmount(textOf(d), scale), scale)).toBe(canonical(d, scale))
      }),
      { numRuns: 500 }
    )
  })
})

describe("formatUnits", () => {
  it.each([
    [6500010, 2, "65000.10"],
    [1, 8, "0.00000001"],
    [-1, 8, "-0.00000001"],
    [0, 2, "0.00"],
    [0, 0, "0"],
    [-5, 0, "-5"],
    [-150, 2, "-1.50"],
    [123, 3, "0.123"],
    [Number.MAX_SAFE_INTEGER, 8, "90071992.54740991"],
    [10n ** 30n, 18, "1000000000000.000000000000000000"],
    [-(10n ** 18n) - 1n, 18, "-1.000000000000000001"]
  ])("formats %s at scale %i as %j", (units, scale, expected) => {
    expect(formatUnits(units, scale)).toBe(expected)
  })

  it("formats numbers and bigints identically", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), (n, scale) => {
        expect(formatUnits(n, scale)).toBe(formatUnits(BigInt(n), scale))
      }),
      { numRuns: 200 }
    )
  })

  it("always has exactly `scale` decimals and agrees with the exact rational value", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (n, scale) => {
        const text = formatUnits(n, scale)
        const dot = text.indexOf(".")
        if (scale === 0) expect(dot).toBe(-1)
        else expect(text.length - dot - 1).toBe(scale)
        // digits without the dot are n itself (modulo leading zeros)
        expect(BigInt(text.replace(".", ""))).toBe(n)
      }),
      { numRuns: 300 }
    )
  })
})

describe("formatUnitsTrimmed", () => {
  it.each([
    [6500010, 2, "65000.1"],
    [200, 2, "2"],
    [0, 2, "0"],
    [0, 0, "0"],
    [1000, 0, "1000"],
    [-10, 2, "-0.1"],
    [1, 8, "0.00000001"],
    [10n ** 20n, 18, "100"]
  ])("formats %s at scale %i as %j", (units, scale, expected) => {
    expect(formatUnitsTrimmed(units, scale)).toBe(expected)
  })

  it("never ends in a dot or a fractional zero", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 1, max: 12 }), (n, scale) => {
        const text = formatUnitsTrimmed(n, scale)
        expect(text.endsWith(".")).toBe(false)
        if (text.includes(".")) expect(text.endsWith("0")).toBe(false)
      }),
      { numRuns: 200 }
    )
  })
})

describe("scaleOfStep", () => {
  it.each([
    ["0.01000000", 2],
    ["0.01", 2],
    ["1", 0],
    ["10", 0],
    ["1.0", 0],
    ["0.00000001", 8],
    ["0.5", 1],
    ["5.25", 2],
    ["100.000", 0]
  ])("scale of %j is %i", (step, scale) => {
    expect(scaleOfStep(step)).toBe(scale)
  })

  it.each(["-0.01", "1e-8", "", ".01", "0.", "abc"])("rejects %j", (step) => {
    expectFixedPointError(() => scaleOfStep(step), "not a plain positive decimal")
  })

  it("a step parses exactly at its own scale and not at one less", () => {
    fc.assert(
      fc.property(digitString(1, 4), digitString(0, 6), fc.integer({ min: 1, max: 9 }), digitString(0, 3), (int, mid, last, zeros) => {
        const step = `${int}.${mid}${last}${"0".repeat(zeros.length)}`
        const scale = scaleOfStep(step)
        expect(scale).toBe(mid.length + 1)
        expect(() => parseAmount(step, scale)).not.toThrow()
        expectFixedPointError(() => parseAmount(step, scale - 1), "significant decimal places")
      }),
      { numRuns: 200 }
    )
  })
})

describe("pow10 and rescale", () => {
  it("pow10", () => {
    expect(pow10(0)).toBe(1n)
    expect(pow10(1)).toBe(10n)
    expect(pow10(18)).toBe(1_000_000_000_000_000_000n)
  })

  it.each([
    [123n, 2, 5, 123000n],
    [123000n, 5, 2, 123n],
    [-123000n, 5, 2, -123n],
    [7n, 3, 3, 7n],
    [0n, 8, 0, 0n]
  ])("rescale(%s, %i, %i) = %s", (value, from, to, expected) => {
    expect(rescale(value, from, to)).toBe(expected)
  })

  it("rejects a rescale that would lose precision, naming the value", () => {
    expectFixedPointError(() => rescale(123n, 2, 1), "not representable at 1 decimals")
    expectFixedPointError(() => rescale(-1n, 8, 0), "\"-0.00000001\"")
  })

  it("up then down is the identity; down succeeds exactly when divisible", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }),
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 0, max: 18 }),
        (value, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const up = rescale(value, lo, hi)
          expect(up).toBe(value * 10n ** BigInt(hi - lo))
          expect(rescale(up, hi, lo)).toBe(value)
          // same decimal text at both scales
          expect(parseAmount(formatUnits(up, hi), lo)).toBe(value)
          const divisor = 10n ** BigInt(hi - lo)
          if (value % divisor === 0n) expect(rescale(value, hi, lo) * divisor).toBe(value)
          else expect(() => rescale(value, hi, lo)).toThrow(FixedPointError)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("mulDivCeil and mulDivFloor", () => {
  const big = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
  const nonZero = fc.oneof(
    fc.bigInt({ min: 1n, max: 10n ** 12n }),
    fc.bigInt({ min: -(10n ** 12n), max: -1n }),
    fc.constantFrom(1n, -1n, 2n, -2n, 1_000_000n, -1_000_000n)
  )

  it.each([
    [7n, 1n, 2n, 4n, 3n],
    [-7n, 1n, 2n, -3n, -4n],
    [7n, 1n, -2n, -3n, -4n],
    [-7n, 1n, -2n, 4n, 3n],
    [6n, 1n, 2n, 3n, 3n],
    [0n, 5n, 3n, 0n, 0n],
    [-6n, 1n, 3n, -2n, -2n],
    [100n, 1000n, 1_000_000n, 1n, 0n],
    [-100n, 1000n, 1_000_000n, 0n, -1n]
  ])("a=%s b=%s d=%s → ceil %s, floor %s", (a, b, d, ceil, floor) => {
    expect(mulDivCeil(a, b, d)).toBe(ceil)
    expect(mulDivFloor(a, b, d)).toBe(floor)
  })

  it("mulDivCeil is the least integer ≥ a·b/d (exact rational comparison)", () => {
    fc.assert(
      fc.property(big, big, nonZero, (a, b, d) => {
        const n = a * b
        const r = mulDivCeil(a, b, d)
        // r ≥ n/d and r − 1 < n/d, compared without division (the sign of d flips inequalities)
        if (d > 0n) {
          expect(r * d >= n).toBe(true)
          expect((r - 1n) * d < n).toBe(true)
        } else {
          expect(r * d <= n).toBe(true)
          expect((r - 1n) * d > n).toBe(true)
        }
      }),
      { numRuns: 1000 }
    )
  })

  it("mulDivFloor is the greatest integer ≤ a·b/d (exact rational comparison)", () => {
    fc.assert(
      fc.property(big, big, nonZero, (a, b, d) => {
        const n = a * b
        const r = mulDivFloor(a, b, d)
        if (d > 0n) {
          expect(r * d <= n).toBe(true)
          expect((r + 1n) * d > n).toBe(true)
        } else {
          expect(r * d >= n).toBe(true)
          expect((r + 1n) * d < n).toBe(true)
        }
      }),
      { numRuns: 1000 }
    )
  })

  it("ceil and floor agree exactly when d divides a·b and differ by one otherwise; floor(x) = −ceil(−x)", () => {
    fc.assert(
      fc.property(big, big, nonZero, (a, b, d) => {
        const ceil = mulDivCeil(a, b, d)
        const floor = mulDivFloor(a, b, d)
        if ((a * b) % d === 0n) expect(ceil).toBe(floor)
        else expect(ceil - floor).toBe(1n)
        expect(floor).toBe(-mulDivCeil(-a, b, d))
      }),
      { numRuns: 500 }
    )
  })
})
