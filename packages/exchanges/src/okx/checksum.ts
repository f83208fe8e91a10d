/**
 * OKX's order-book checksum: the top 25 bid and ask levels interleaved as
 * `bidPx:bidSz:askPx:askSz:…` (a side that runs out is skipped), with the price and size
 * strings exactly as the venue sent them, CRC-32 read as a signed 32-bit integer.
 *
 * OKX deprecated the field (always 0 from 2026-06-23); a 0 means "no checksum".
 *
 * @module
 */
import { type OrderBook, type Side, BID } from "@hft/core"
import { crc32Update } from "../crc32.ts"

/** Levels that enter the checksum. */
export const CHECKSUM_DEPTH = 25

/** The `price:size` text of every level of a book, as received, keyed by price units. */
export class LevelTexts {
  /** Bid texts. */
  readonly bids = new Map<number, string>()
  /** Ask texts. */
  readonly asks = new Map<number, string>()

  /** Records the text of a level; a size of 0 forgets it. */
  set(side: Side, price: number, size: number, priceText: string, sizeText: string): void {
    const map = side === BID ? this.bids : this.asks
    if (size === 0) map.delete(price)
    else map.set(price, `${priceText}:${sizeText}`)
  }

  /** Forgets every level. */
  clear(): void {
    this.bids.clear()
    this.asks.clear()
  }
}

/**
 * The checksum of `book` with level texts from `texts`. Returns undefined when a level
 * of the top 25 has no recorded text (the book and the texts disagree).
 */
export const okxChecksum = (book: OrderBook, texts: LevelTexts): number | undefined => {
  let crc = 0
  let first = true
  for (let i = 0; i < CHECKSUM_DEPTH; i++) {
    for (let side = 0; side < 2; side++) {
      const bookSide = side === BID ? book.bids : book.asks
      if (i >= bookSide.count) continue
      const text = (side === BID ? texts.bids : texts.asks).get(bookSide.priceAt(i))
      if (text === undefined) return undefined
      if (!first) crc = crc32Update(crc, ":")
      crc = crc32Update(crc, text)
      first = false
    }
  }
  return crc | 0
}
