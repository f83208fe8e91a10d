/**
 * A small seeded pseudo-random generator for the market model and the paper venue:
 * xoshiro128** seeded through splitmix32. Deterministic per seed on every platform,
 * allocation-free, and never touches `Math.random`.
 *
 * @module
 */

const TWO_POW_32 = 4294967296

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
const splitmix32 = (state: number): number => {
  let z = (state + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** A seeded xoshiro128** generator with the distributions the simulators need. */
export class Prng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private spareNormal = 0
  private hasSpare = false

  /** Seeds the generator; any integer (or float, truncated) seed is accepted. */
  constructor(seed: number) {
    let x = Math.trunc(seed) | 0
    // Fold the high bits of large seeds in so 2^32 + k and k differ.
    x ^= Math.trunc(seed / TWO_POW_32) | 0
    x = splitmix32(x)
    this.s0 = x
    x = splitmix32(x)
    this.s1 = x
    x = splitmix32(x)
    this.s2 = x
    x = splitmix32(x)
    this.s3 = x
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const s0 = this.s0
    const s1 = this.s1
    const s2 = this.s2
    const s3 = this.s3
    const m = Math.imul(s1, 5)
    const result = Math.imul((m << 7) | (m >>> 25), 9)
    const t = s1 << 9
    const n2 = s2 ^ s0
    const n3 = s3 ^ s1
    this.s1 = s1 ^ n2
    this.s0 = s0 ^ n3
    this.s2 = n2 ^ t
    this.s3 = (n3 << 11) | (n3 >>> 21)
    return result >>> 0
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_POW_32
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  /** A uniform integer in [0, n) for n ≥ 1. */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** A standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false
      return this.spareNormal
    }
    let u = this.next()
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    const theta = 2 * Math.PI * v
    this.spareNormal = r * Math.sin(theta)
    this.hasSpare = true
    return r * Math.cos(theta)
  }

  /** An exponential draw with the given mean (0 for a mean ≤ 0). */
  exponential(mean: number): number {
    if (!(mean > 0)) return 0
    return -Math.log(1 - this.next()) * mean
  }

  /** A geometric draw on {0, 1, 2, …}: failures before the first success of probability `p` (0 < p ≤ 1). */
  geometric(p: number): number {
    if (p >= 1) return 0
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p))
  }
}
