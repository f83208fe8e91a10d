/**
 * Market events delivered to strategies and paper venues on the hot path.
 *
 * Feeds reuse one event object per instrument and overwrite it per update, so handlers
 * must copy what they keep.
 *
 * @module
 */
import type { Instrument } from "./instrument.ts"
import type { OrderBook, Side } from "./order-book.ts"

/** A book changed: it is consistent (synchronised) when delivered. */
export interface BookUpdate {
  /** The instrument whose book changed. */
  readonly instrument: Instrument
  /** The live book (read it; never write it). */
  readonly book: OrderBook
  /** Local receive time of the frame that changed it, µs since the epoch. */
  recvUs: number
  /** Monotonic receive time of that frame in ns, for tick-to-trade measurement. */
  recvMonoNs: number
}

/** A public trade, normalised: the side is the taker's. */
export interface TradePrint {
  /** The instrument traded. */
  readonly instrument: Instrument
  /** Trade price in price units. */
  price: number
  /** Trade size in size units. */
  size: number
  /** Taker side: 0 = buyer took the offer, 1 = seller hit the bid. */
  takerSide: Side
  /** Venue trade id as text (ids may exceed 2^53). */
  id: string
  /** Exchange time, µs since the epoch. */
  exchangeUs: number
  /** Local receive time, µs since the epoch. */
  recvUs: number
}

/** Receives market events synchronously on the hot path. */
export interface MarketListener {
  /** A book changed and is consistent. */
  onBook(update: BookUpdate): void
  /** A trade printed. */
  onTrade(trade: TradePrint): void
  /** The book is no longer trustworthy (gap, checksum, disconnect) until the next onBook. */
  onBookInvalid?(instrument: Instrument, reason: string): void
}
