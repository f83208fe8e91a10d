/**
 * Kraken's v2 book checksum: CRC32 (unsigned) over the top 10 asks (best first) then the
 * top 10 bids (best first), each level contributing its price then its quantity written
 * at the pair's precision (`price_precision`, `qty_precision`, zero-padded) with the `.`
 * and leading zeros removed.
 *
 * A value padded to its precision with the point removed is exactly its integer units at
 * that scale, so the string of a level is the decimal digits of its units — as long as
 * the instrument's scales are the pair's precisions, which `instruments.ts` guarantees.
 *
 * @module
 */
import type { BookSide, OrderBook } from "@hft/core"
import { crc32Update } from "../crc32.ts"

/** Levels per side the checksum covers, whatever the subscribed depth. */
const CHECKSUM_LEVELS = 10

const sideChecksum = (crc: number, side: BookSide): number => {
  const n = Math.min(CHECKSUM_LEVELS, side.count)
  for (let i = 0; i < n; i++) {
    crc = crc32Update(crc, String(side.priceAt(i)))
    crc = crc32Update(crc, String(side.sizeAt(i)))
  }
  return crc
}

/** The checksum Kraken sends for `book` (unsigned 32-bit). */
export const bookChecksum = (book: OrderBook): number => sideChecksum(sideChecksum(0, book.asks), book.bids)

/** Checksummed levels: the top 10 asks, then the top 10 bids. */
const SLOTS = 2 * CHECKSUM_LEVELS

/**
 * {@link bookChecksum} for a book that changes a few levels at a time: it remembers the
 * levels it last covered and the CRC before each, and resumes from the first level that
 * differs (an update deep in the bids leaves the whole ask half as it was). One per book.
 */
export class ChecksumCache {
  /** Price and size of each slot last covered; -1 where the book had no level. */
  private readonly values = new Float64Array(2 * SLOTS).fill(-1)
  /** CRC before each slot; the last entry is the checksum. All zero: the empty book. */
  private readonly states = new Float64Array(SLOTS + 1)

  /** The checksum of `book`. */
  of(book: OrderBook): number {
    const values = this.values
    let slot = 0
    for (; slot < SLOTS; slot++) {
      const side = slot < CHECKSUM_LEVELS ? book.asks : book.bids
      const i = slot < CHECKSUM_LEVELS ? slot : slot - CHECKSUM_LEVELS
      const present = i < side.count
      if (values[2 * slot] !== (present ? side.priceAt(i) : -1) || values[2 * slot + 1] !== (present ? side.sizeAt(i) : -1)) break
    }
    const states = this.states
    let crc = states[slot]!
    for (; slot < SLOTS; slot++) {
      const side = slot < CHECKSUM_LEVELS ? book.asks : book.bids
      const i = slot < CHECKSUM_LEVELS ? slot : slot - CHECKSUM_LEVELS
      states[slot] = crc
      if (i < side.count) {
        const price = side.priceAt(i)
        const size = side.sizeAt(i)
        values[2 * slot] = price
        values[2 * slot + 1] = size
        crc = crc32Update(crc32Update(crc, String(price)), String(size))
      } else {
        values[2 * slot] = -1
        values[2 * slot + 1] = -1
      }
    }
    states[SLOTS] = crc
    return crc
  }
}
