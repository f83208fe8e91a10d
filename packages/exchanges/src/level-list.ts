/**
 * One side's price levels of a decoded message, in integer units, reused from frame to
 * frame: what a scanner and its reference decoder write levels into without allocating.
 *
 * @module
 */

/** Price levels of one side of a message, in integer units, reused from frame to frame. */
export class LevelList {
  /** Number of levels. */
  count = 0
  /** Prices (price units). */
  prices = new Float64Array(64)
  /** Sizes (size units; 0 = delete). */
  sizes = new Float64Array(64)

  /** Appends a level, growing the arrays when full. */
  push(price: number, size: number): void {
    if (this.count === this.prices.length) {
      const prices = new Float64Array(this.count * 2)
      const sizes = new Float64Array(this.count * 2)
      prices.set(this.prices)
      sizes.set(this.sizes)
      this.prices = prices
      this.sizes = sizes
    }
    this.prices[this.count] = price
    this.sizes[this.count] = size
    this.count++
  }
}
