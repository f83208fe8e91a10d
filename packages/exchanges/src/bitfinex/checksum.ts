/**
 * The Bitfinex book checksum (P-precision books): the shared interleaved top-N checksum
 * over the level texts as received (see `level-texts.ts`), over the best 25 bids and
 * asks, the "size" texts being Bitfinex's amounts (negative on asks, as on the wire).
 * Bitfinex's reference is `OrderBook.checksum()` in bfx-api-node-models.
 *
 * The feed keeps each level's text as received next to its integer book, so it hashes
 * the venue's own rendering; the simulator keeps the text it sent.
 *
 * @module
 */
import type { OrderBook } from "@hft/core"
import { type LevelTexts, interleavedChecksum } from "../level-texts.ts"

/** Levels per side that enter the checksum, and the depth of a `len 25` book. */
export const BITFINEX_BOOK_DEPTH = 25

/**
 * The checksum of the top 25 levels of `book` with texts from `texts`; undefined when a
 * level has no recorded text (the book and its texts disagree).
 */
export const bitfinexChecksum = (book: OrderBook, texts: LevelTexts): number | undefined => interleavedChecksum(book, texts, BITFINEX_BOOK_DEPTH)
