import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Histogram } from "../src/histogram.ts"

/** Relative width of a bucket: 512 linear buckets per power of two. */
const PRECISION = 1 / 512

/** The nearest-rank percentile of sorted data, exact: the ⌈p·n/100⌉-th smallest (at least the first). */
const exactPercentile = (sorted: ReadonlyArray<number>, pTimes10: number): number => {
  const rank = Math.max(1, Math.ceil((pTimes10 * sorted.length) / 1000)) // integers: exact
  return sorted[rank - 1]!
}

/** `reported` is `exact` to bucket precision: never above it, and less than one bucket below. */
const expectWithinBucket = (reported: number, exact: number): void => {
  expect(reported).toBeLessThanOrEqual(exact)
  if (exact < 1024) expect(reported).toBe(exact)
  else expect((exact - reported) / exact).toBeLessThan(PRECISION)
  expect(Number.isInteger(reported)).toBe(true)
}

describe("Histogram examples", () => {
  it("is empty at first and after reset", () => {
    const h = new Histogram()
    expect(h.count).toBe(0)
    expect(h.max).toBe(0)
    expect(h.sum).toBe(0)
    expect(h.percentile(50)).toBe(0)
    expect(h.percentile(100)).toBe(0)
    h.record(5)
    h.record(5_000_000)
    expect(h.count).toBe(2)
    h.reset()
    expect(h.count).toBe(0)
    expect(h.max).toBe(0)
    expect(h.sum).toBe(0)
    expect(h.percentile(0)).toBe(0)
    expect(h.percentile(100)).toBe(0)
    h.record(7)
    expect(h.percentile(100)).toBe(7)
    expect(h.percentile(0)).toBe(7)
  })

  it("small values are exact: the p-th percentile of 1..100 is p", () => {
    const h = new Histogram()
    for (let v = 100; v >= 1; v--) h.record(v)
    expect(h.count).toBe(100)
    expect(h.max).toBe(100)
    expect(h.sum).toBe(5050)
    expect(h.percentile(0)).toBe(1)
    for (let p = 1; p <= 100; p++) expect(h.percentile(p)).toBe(p)
  })

  it("nearest rank on a small set: p50 of four values is the second", () => {
    const h = new Histogram()
    for (const v of [10, 20, 30, 40]) h.record(v)
    expect(h.percentile(25)).toBe(10)
    expect(h.percentile(26)).toBe(20)
    expect(h.percentile(50)).toBe(20)
    expect(h.percentile(51)).toBe(30)
    expect(h.percentile(75)).toBe(30)
    expect(h.percentile(99.9)).toBe(40)
  })

  it("large values report the lower bound of their bucket, within 0.2 %", () => {
    const h = new Histogram()
    h.record(1_000_000)
    const p = h.percentile(50)
    expect(p).toBeLessThanOrEqual(1_000_000)
    expect(p).toBeGreaterThan(1_000_000 * (1 - PRECISION))
    expect(h.max).toBe(1_000_000)
    // the first value past the exact range starts a bucket of width 2
    const g = new Histogram()
    g.record(1025)
    expect(g.percentile(50)).toBe(1024)
  })

  it("clamps values of 2^32 and above to the last bucket but keeps the exact max and sum", () => {
    const h = new Histogram()
    h.record(2 ** 40)
    expect(h.max).toBe(2 ** 40)
    expect(h.sum).toBe(2 ** 40)
    const p = h.percentile(50)
    expect(p).toBeLessThan(2 ** 32)
    expect(p).toBeGreaterThan((2 ** 32 - 1) * (1 - PRECISION))
  })

  it("records negative values in the first bucket", () => {
    const h = new Histogram()
    h.record(-5)
    h.record(10)
    expect(h.percentile(50)).toBe(0)
    expect(h.percentile(100)).toBe(10)
    expect(h.max).toBe(10)
    expect(h.sum).toBe(5)
  })
})

describe("Histogram properties", () => {
  const value = fc.oneof(
    fc.integer({ min: 0, max: 2_000 }),
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.constantFrom(0, 1, 1023, 1024, 1025, 2047, 2048, 2 ** 31, 2 ** 32 - 1)
  )

  it("integer percentiles are the exact nearest-rank percentiles to bucket precision", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 500 }), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 10 }), (data, ps) => {
        const h = new Histogram()
        for (const v of data) h.record(v)
        const sorted = [...data].sort((a, b) => a - b)
        expect(h.count).toBe(data.length)
        expect(h.max).toBe(sorted[sorted.length - 1])
        expect(h.sum).toBe(data.reduce((a, b) => a + b, 0))
        for (const p of [0, 50, 90, 99, 100, ...ps]) expectWithinBucket(h.percentile(p), exactPercentile(sorted, p * 10))
      }),
      { numRuns: 200 }
    )
  })

  it("fractional percentiles (p99.9) land on the nearest rank to within one rank", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 2_000 }), fc.integer({ min: 0, max: 1_000 }), (data, pTimes10) => {
        const h = new Histogram()
        for (const v of data) h.record(v)
        const sorted = [...data].sort((a, b) => a - b)
        const reported = h.percentile(pTimes10 / 10)
        // a decimal p such as 99.9 is not exact in binary: accept the neighbouring ranks
        const rank = Math.max(1, Math.ceil((pTimes10 * sorted.length) / 1000))
        const candidates = [rank - 1, rank, rank + 1].filter((r) => r >= 1 && r <= sorted.length).map((r) => sorted[r - 1]!)
        const ok = candidates.some((exact) => reported <= exact && (exact < 1024 ? reported === exact : (exact - reported) / exact < PRECISION))
        expect(ok).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  it("percentiles are monotone in p and reset forgets everything", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (data) => {
        const h = new Histogram()
        for (const v of data) h.record(v)
        let previous = -1
        for (let p = 0; p <= 100; p += 5) {
          const v = h.percentile(p)
          expect(v).toBeGreaterThanOrEqual(previous)
          expect(v).toBeLessThanOrEqual(h.max)
          previous = v
        }
        h.reset()
        expect(h.count).toBe(0)
        expect(h.percentile(100)).toBe(0)
        // recording after a reset behaves like a fresh histogram
        h.record(data[0]!)
        expectWithinBucket(h.percentile(50), data[0]!)
        expect(h.count).toBe(1)
      }),
      { numRuns: 100 }
    )
  })
})
