/**
 * Level texts and the interleaved top-N checksum of OKX and Bitfinex: each level's price
 * and size exactly as the venue rendered them, kept next to the integer book, and the
 * CRC-32 (read as a signed 32-bit integer) over the best `depth` bids and asks
 * interleaved as `bidPrice:bidSize:askPrice:askSize:…`, a side that runs out skipped.
 * What a "size" text is belongs to the venue (Bitfinex's are its signed amounts,
 * negative on asks).
 *
 * @module
 */
import { type BookSide, type OrderBook, type Side, BID } from "@hft/core"
import { crc32Update } from "./crc32.ts"

/** A price's home slot in a table of 2^bits slots (Fibonacci hashing of both 32-bit halves; prices are integers). */
const home = (price: number, shift: number): number => Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) >>> shift

/**
 * The price and size texts of the levels of one book side, by price: an open-addressing
 * table over typed arrays, so lookups stay O(1) on a 400-level OKX side as on a 25-level
 * Bitfinex one, and nothing is allocated per update beyond the texts themselves (the
 * table only grows).
 */
export class SideTexts {
  /** Levels with texts. */
  count = 0
  private prices = new Float64Array(64)
  /** 1 where a slot holds a level. */
  private used = new Uint8Array(64)
  private priceTexts: Array<string> = new Array<string>(64).fill("")
  private sizeTexts: Array<string> = new Array<string>(64).fill("")
  /** 32 − log2(slots). */
  private shift = 26

  /** Slot of `price`, −1 when it has no texts. */
  indexOf(price: number): number {
    const slot = this.slot(price)
    return this.used[slot] === 1 ? slot : -1
  }

  /** Records the texts of a level. */
  set(price: number, priceText: string, sizeText: string): void {
    let slot = this.slot(price)
    if (this.used[slot] === 0) {
      if ((this.count + 1) * 2 > this.prices.length) {
        this.grow()
        slot = this.slot(price)
      }
      this.used[slot] = 1
      this.prices[slot] = price
      this.count++
    }
    this.priceTexts[slot] = priceText
    this.sizeTexts[slot] = sizeText
  }

  /** Forgets a level. */
  delete(price: number): void {
    let hole = this.slot(price)
    if (this.used[hole] === 0) return
    // Backward-shift deletion: move later entries of the probe run into the hole when their home allows.
    const mask = this.prices.length - 1
    for (let i = (hole + 1) & mask; this.used[i] === 1; i = (i + 1) & mask) {
      const h = home(this.prices[i]!, this.shift)
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        this.prices[hole] = this.prices[i]!
        this.priceTexts[hole] = this.priceTexts[i]!
        this.sizeTexts[hole] = this.sizeTexts[i]!
        hole = i
      }
    }
    this.used[hole] = 0
    this.priceTexts[hole] = ""
    this.sizeTexts[hole] = ""
    this.count--
  }

  /** The price text at slot `i` of {@link indexOf}. */
  priceText(i: number): string {
    return this.priceTexts[i]!
  }

  /** The size text at slot `i` of {@link indexOf}. */
  sizeText(i: number): string {
    return this.sizeTexts[i]!
  }

  /** Forgets every level. */
  clear(): void {
    this.used.fill(0)
    this.priceTexts.fill("")
    this.sizeTexts.fill("")
    this.count = 0
  }

  /** The slot holding `price`, or the empty slot where it would go. */
  private slot(price: number): number {
    const mask = this.prices.length - 1
    let i = home(price, this.shift)
    while (this.used[i] === 1 && this.prices[i] !== price) i = (i + 1) & mask
    return i
  }

  private grow(): void {
    const prices = this.prices
    const used = this.used
    const priceTexts = this.priceTexts
    const sizeTexts = this.sizeTexts
    const slots = prices.length * 2
    this.prices = new Float64Array(slots)
    this.used = new Uint8Array(slots)
    this.priceTexts = new Array<string>(slots).fill("")
    this.sizeTexts = new Array<string>(slots).fill("")
    this.shift--
    for (let i = 0; i < prices.length; i++) {
      if (used[i] === 0) continue
      const slot = this.slot(prices[i]!)
      this.used[slot] = 1
      this.prices[slot] = prices[i]!
      this.priceTexts[slot] = priceTexts[i]!
      this.sizeTexts[slot] = sizeTexts[i]!
    }
  }
}

/** The texts of both sides of a book. */
export class LevelTexts {
  /** Bid texts. */
  readonly bids = new SideTexts()
  /** Ask texts. */
  readonly asks = new SideTexts()

  /** The texts of one side. */
  side(side: Side): SideTexts {
    return side === BID ? this.bids : this.asks
  }

  /** Records the texts of a level as a book update carries them: a size of 0 forgets the level. */
  set(side: Side, price: number, size: number, priceText: string, sizeText: string): void {
    if (size === 0) this.side(side).delete(price)
    else this.side(side).set(price, priceText, sizeText)
  }

  /** Forgets every level. */
  clear(): void {
    this.bids.clear()
    this.asks.clear()
  }
}

/**
 * Keeps the best `depth` levels of one side of `book`, forgetting the texts of the levels
 * it drops (a windowed book, such as Bitfinex's `len 25`, never announces levels that
 * fall out of its window).
 */
export const truncateSide = (side: BookSide, texts: SideTexts, depth: number): void => {
  while (side.count > depth) {
    // The worst level sits at index 0 (keys ascend to the touch).
    texts.delete(side.priceAt(side.count - 1))
    side.removeAt(0)
  }
}

/**
 * The checksum of the best `depth` levels of `book` with texts from `texts`; undefined
 * when one of those levels has no recorded text (the book and its texts disagree).
 */
export const interleavedChecksum = (book: OrderBook, texts: LevelTexts, depth: number): number | undefined => {
  let crc = 0
  let first = true
  for (let i = 0; i < depth; i++) {
    for (let side = 0; side < 2; side++) {
      const levels = side === BID ? book.bids : book.asks
      if (i >= levels.count) continue
      const sideTexts = side === BID ? texts.bids : texts.asks
      const at = sideTexts.indexOf(levels.priceAt(i))
      if (at < 0) return undefined
      if (!first) crc = crc32Update(crc, ":")
      crc = crc32Update(crc32Update(crc32Update(crc, sideTexts.priceText(at)), ":"), sideTexts.sizeText(at))
      first = false
    }
  }
  return crc | 0
}
