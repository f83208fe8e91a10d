/**
 * The seam between the market model and whatever publishes its market: a venue's
 * loopback simulator (which encodes the changes in its own wire format) or an
 * in-process feed (see `direct-feed.ts`). One sink per venue.
 *
 * @module
 */
import type { Side } from "@hft/core"

/**
 * Receives one venue's market as the model produces it. Prices and sizes are integer
 * units at that venue instrument's price and size scales.
 */
export interface MarketSink {
  /** The level at `price` on `side` now holds `size` (absolute); a size of 0 deletes the level. */
  setLevel(symbol: string, side: Side, price: number, size: number): void
  /** A trade printed: `takerSide` is the aggressor's side, `tsUs` the exchange time (µs since the epoch). */
  trade(symbol: string, takerSide: Side, price: number, size: number, tsUs: number): void
  /** End of a batch: the simulator publishes the pending level changes as one diff frame. */
  flush(): void
}
