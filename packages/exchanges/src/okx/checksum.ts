/**
 * OKX's order-book checksum: the shared interleaved top-N checksum over the level texts
 * as received (see `level-texts.ts`), over the top 25 levels.
 *
 * OKX deprecated the field (always 0 from 2026-06-23); a 0 means "no checksum".
 *
 * @module
 */
import type { OrderBook } from "@hft/core"
import { type LevelTexts, interleavedChecksum } from "../level-texts.ts"

/** Levels that enter the checksum. */
export const CHECKSUM_DEPTH = 25

/**
 * The checksum of `book` with level texts from `texts`. Returns undefined when a level
 * of the top 25 has no recorded text (the book and the texts disagree).
 */
export const okxChecksum = (book: OrderBook, texts: LevelTexts): number | undefined => interleavedChecksum(book, texts, CHECKSUM_DEPTH)
