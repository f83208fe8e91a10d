/**
 * A latency histogram for the hot path: fixed log-linear buckets (about 0.2 % relative
 * precision), recording is a few integer operations and allocates nothing.
 *
 * @module
 */

const SUB_BITS = 9
const SUB_COUNT = 1 << SUB_BITS // 512 linear buckets per power of two
const MAX_EXPONENT = 32 - SUB_BITS

const bucketOf = (value: number): number => {
  if (value < SUB_COUNT * 2) return value < 0 ? 0 : value | 0
  const v = value >= 0xffffffff ? 0xffffffff : value >>> 0
  const e = 31 - Math.clz32(v) - SUB_BITS // ≥ 1 here
  return e * SUB_COUNT + (v >>> e)
}

const lowerBoundOf = (bucket: number): number => {
  if (bucket < SUB_COUNT * 2) return bucket
  const e = Math.floor(bucket / SUB_COUNT) - 1
  const m = bucket - e * SUB_COUNT
  return m * 2 ** e
}

/** Records non-negative integer values (nanoseconds, by convention) and reports percentiles. */
export class Histogram {
  private readonly counts = new Float64Array((MAX_EXPONENT + 2) * SUB_COUNT)
  /** Number of recorded values. */
  count = 0
  /** Largest recorded value. */
  max = 0
  /** Sum of recorded values. */
  sum = 0

  /** Records one value (clamped to [0, 2^32)). */
  record(value: number): void {
    this.counts[bucketOf(value)]!++
    this.count++
    this.sum += value
    if (value > this.max) this.max = value
  }

  /**
   * The value at percentile `p` (0-100) by nearest rank (the ⌈p·count/100⌉-th smallest,
   * at least the first), as the lower bound of its bucket; 0 when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return 0
    // Multiply before dividing: (7 / 100) * 100 is 7.000000000000001, whose ceiling is one rank too high.
    const rank = Math.max(1, Math.ceil((p * this.count) / 100))
    let seen = 0
    const counts = this.counts
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!
      if (seen >= rank) return lowerBoundOf(i)
    }
    return this.max
  }

  /** Adds everything recorded by `other` into this histogram. */
  add(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!
    this.count += other.count
    this.sum += other.sum
    if (other.max > this.max) this.max = other.max
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.max = 0
    this.sum = 0
  }
}
