/**
 * The L2 order book for the hot path: integer prices and sizes, flat typed arrays,
 * no allocation per update.
 *
 * Each side is one ascending array of keys with the best level at the highest index
 * (bids keep `price`, asks keep `-price`), so the touch is O(1) to read and updates
 * near the touch move only a few elements.
 *
 * @module
 */

/** Moves of up to this many levels are done in a loop; a native copy costs more below it. */
const SMALL_MOVE = 32

/** Side of a book or an order: 0 = bid / buy, 1 = ask / sell. */
export type Side = 0 | 1
/** Bid side (buy). */
export const BID: Side = 0
/** Ask side (sell). */
export const ASK: Side = 1

/** The opposite side. */
export const otherSide = (side: Side): Side => (side === BID ? ASK : BID)

/** One side of a book: levels kept ascending by key, best level last. */
export class BookSide {
  /** Sort keys: price for bids, −price for asks. */
  keys: Float64Array
  /** Sizes aligned with `keys`. */
  sizes: Float64Array
  /** Number of levels. */
  count = 0
  /** +1 for bids, −1 for asks: key = price × sign. */
  readonly sign: 1 | -1

  constructor(sign: 1 | -1, capacity: number) {
    this.sign = sign
    this.keys = new Float64Array(capacity)
    this.sizes = new Float64Array(capacity)
  }

  /** Index of `key`, or `-(insertion point) - 1` when absent. Searches the touch first. */
  find(key: number): number {
    const keys = this.keys
    let hi = this.count - 1
    // Most updates land within a few levels of the touch.
    for (let n = 0; n < 4 && hi >= 0; n++, hi--) {
      const k = keys[hi]!
      if (k === key) return hi
      if (k < key) return -(hi + 1) - 1
    }
    let lo = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const k = keys[mid]!
      if (k < key) lo = mid + 1
      else if (k > key) hi = mid - 1
      else return mid
    }
    return -lo - 1
  }

  /** Sets the absolute size at `price`; a size of 0 removes the level (absent levels are ignored). */
  set(price: number, size: number): void {
    const key = price * this.sign
    const at = this.find(key)
    if (at >= 0) {
      if (size === 0) this.removeAt(at)
      else this.sizes[at] = size
      return
    }
    if (size === 0) return
    this.insertAt(-at - 1, key, size)
  }

  private insertAt(index: number, key: number, size: number): void {
    if (this.count === this.keys.length) this.grow()
    const keys = this.keys
    const sizes = this.sizes
    const tail = this.count - index
    if (tail > SMALL_MOVE) {
      keys.copyWithin(index + 1, index, this.count)
      sizes.copyWithin(index + 1, index, this.count)
    } else {
      for (let j = this.count; j > index; j--) {
        keys[j] = keys[j - 1]!
        sizes[j] = sizes[j - 1]!
      }
    }
    keys[index] = key
    sizes[index] = size
    this.count++
  }

  /** Removes the level at array index `index`. */
  removeAt(index: number): void {
    const last = this.count - 1
    if (last - index > SMALL_MOVE) {
      this.keys.copyWithin(index, index + 1, this.count)
      this.sizes.copyWithin(index, index + 1, this.count)
    } else {
      const keys = this.keys
      const sizes = this.sizes
      for (let j = index; j < last; j++) {
        keys[j] = keys[j + 1]!
        sizes[j] = sizes[j + 1]!
      }
    }
    this.count = last
  }

  private grow(): void {
    // At least one slot more, or a side created with capacity 0 would never grow.
    const capacity = Math.max(8, this.keys.length * 2)
    const keys = new Float64Array(capacity)
    const sizes = new Float64Array(capacity)
    keys.set(this.keys)
    sizes.set(this.sizes)
    this.keys = keys
    this.sizes = sizes
  }

  /** Price of the `depth`-th level from the touch (0 = best); NaN past the end. */
  priceAt(depth: number): number {
    const i = this.count - 1 - depth
    return i >= 0 ? this.keys[i]! * this.sign : NaN
  }

  /** Size of the `depth`-th level from the touch (0 = best); 0 past the end. */
  sizeAt(depth: number): number {
    const i = this.count - 1 - depth
    return i >= 0 ? this.sizes[i]! : 0
  }

  /** Size resting at `price`, 0 when there is no level. */
  sizeAtPrice(price: number): number {
    const at = this.find(price * this.sign)
    return at >= 0 ? this.sizes[at]! : 0
  }

  /** Keeps only the best `depth` levels. */
  truncate(depth: number): void {
    if (this.count <= depth) return
    const drop = this.count - depth
    this.keys.copyWithin(0, drop, this.count)
    this.sizes.copyWithin(0, drop, this.count)
    this.count = depth
  }

  /** Removes every level. */
  clear(): void {
    this.count = 0
  }
}

/** A level as `[price, size]` in integer units. */
export type Level = readonly [price: number, size: number]

/** An L2 order book of integer prices and sizes. */
export class OrderBook {
  /** Bid side (best = highest price). */
  readonly bids: BookSide
  /** Ask side (best = lowest price). */
  readonly asks: BookSide

  constructor(capacity = 1024) {
    this.bids = new BookSide(1, capacity)
    this.asks = new BookSide(-1, capacity)
  }

  /** The side object for `side`. */
  side(side: Side): BookSide {
    return side === BID ? this.bids : this.asks
  }

  /** Sets the absolute size at a price; 0 removes the level. */
  setLevel(side: Side, price: number, size: number): void {
    ;(side === BID ? this.bids : this.asks).set(price, size)
  }

  /** Best bid price, NaN when the side is empty. */
  bestBid(): number {
    return this.bids.priceAt(0)
  }

  /** Best ask price, NaN when the side is empty. */
  bestAsk(): number {
    return this.asks.priceAt(0)
  }

  /** Size at the best bid, 0 when empty. */
  bestBidSize(): number {
    return this.bids.sizeAt(0)
  }

  /** Size at the best ask, 0 when empty. */
  bestAskSize(): number {
    return this.asks.sizeAt(0)
  }

  /** Mid price in price units (may be a half unit), NaN unless both sides have levels. */
  mid(): number {
    return (this.bids.priceAt(0) + this.asks.priceAt(0)) / 2
  }

  /** True when the best bid is at or above the best ask: a book that cannot be right. */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.priceAt(0) >= this.asks.priceAt(0)
  }

  /** The best `n` levels of a side as `[price, size]` pairs (allocates: not for the hot path). */
  top(side: Side, n: number): Array<Level> {
    const s = this.side(side)
    const out: Array<Level> = []
    for (let i = 0; i < n && i < s.count; i++) out.push([s.priceAt(i), s.sizeAt(i)])
    return out
  }

  /** Keeps only the best `depth` levels on each side. */
  truncate(depth: number): void {
    this.bids.truncate(depth)
    this.asks.truncate(depth)
  }

  /** Removes every level. */
  clear(): void {
    this.bids.clear()
    this.asks.clear()
  }
}
