/**
 * The Bitfinex book checksum (P-precision books): the best 25 bids and asks interleaved
 * as `bidPrice:bidAmount:askPrice:askAmount:…`, a side that runs out skipped, ask amounts
 * negative as on the wire, each number as the venue rendered it; CRC-32 read as a signed
 * 32-bit integer. Bitfinex's reference is `OrderBook.checksum()` in bfx-api-node-models.
 *
 * The feed keeps each level's text as received next to its integer book, so it hashes
 * the venue's own rendering; the simulator keeps the text it sent.
 *
 * @module
 */
import { type BookSide, type OrderBook, BID, type Side } from "@hft/core"
import { crc32Update } from "../crc32.ts"

/** Levels per side that enter the checksum, and the depth of a `len 25` book. */
export const BITFINEX_BOOK_DEPTH = 25

/**
 * The price and amount texts of the levels of one book side, as received. A `len 25` book
 * side holds at most 26 levels at any time, so a linear search over a small typed array
 * beats a hash map, and nothing is allocated per update beyond the texts themselves.
 */
export class SideTexts {
  /** Prices (units) of the levels with texts; the first `count` are in use. */
  private prices = new Float64Array(32)
  /** Price texts, aligned with `prices`. */
  private readonly priceTexts: Array<string> = []
  /** Amount texts, aligned with `prices`. */
  private readonly amountTexts: Array<string> = []
  /** Levels with texts. */
  count = 0

  /** Index of `price`, −1 when it has no texts. */
  indexOf(price: number): number {
    const prices = this.prices
    for (let i = 0; i < this.count; i++) if (prices[i] === price) return i
    return -1
  }

  /** Records the texts of a level. */
  set(price: number, priceText: string, amountText: string): void {
    let i = this.indexOf(price)
    if (i < 0) {
      if (this.count === this.prices.length) {
        const wider = new Float64Array(this.prices.length * 2)
        wider.set(this.prices)
        this.prices = wider
      }
      i = this.count++
      this.prices[i] = price
    }
    this.priceTexts[i] = priceText
    this.amountTexts[i] = amountText
  }

  /** Forgets a level. */
  delete(price: number): void {
    const i = this.indexOf(price)
    if (i < 0) return
    const last = --this.count
    this.prices[i] = this.prices[last]!
    this.priceTexts[i] = this.priceTexts[last]!
    this.amountTexts[i] = this.amountTexts[last]!
  }

  /** The price text at index `i` of {@link indexOf}. */
  priceText(i: number): string {
    return this.priceTexts[i]!
  }

  /** The amount text at index `i` of {@link indexOf}. */
  amountText(i: number): string {
    return this.amountTexts[i]!
  }

  /** Forgets every level. */
  clear(): void {
    this.count = 0
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

  /** Forgets every level. */
  clear(): void {
    this.bids.clear()
    this.asks.clear()
  }
}

/**
 * Keeps the best `depth` levels of one side of `book`, forgetting the texts of the
 * levels it drops (a `len 25` book never announces levels that fall out of its window).
 */
export const truncateSide = (side: BookSide, texts: SideTexts, depth: number): void => {
  while (side.count > depth) {
    // The worst level sits at index 0 (keys ascend to the touch).
    texts.delete(side.priceAt(side.count - 1))
    side.removeAt(0)
  }
}

/**
 * The checksum of the top 25 levels of `book` with texts from `texts`; undefined when a
 * level has no recorded text (the book and its texts disagree).
 */
export const bitfinexChecksum = (book: OrderBook, texts: LevelTexts): number | undefined => {
  let crc = 0
  let first = true
  for (let i = 0; i < BITFINEX_BOOK_DEPTH; i++) {
    for (let side = 0; side < 2; side++) {
      const levels = side === BID ? book.bids : book.asks
      if (i >= levels.count) continue
      const sideTexts = side === BID ? texts.bids : texts.asks
      const at = sideTexts.indexOf(levels.priceAt(i))
      if (at < 0) return undefined
      if (!first) crc = crc32Update(crc, ":")
      crc = crc32Update(crc32Update(crc32Update(crc, sideTexts.priceText(at)), ":"), sideTexts.amountText(at))
      first = false
    }
  }
  return crc | 0
}
