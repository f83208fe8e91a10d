/**
 * Bitfinex (WebSocket v2): P0 books of 25 levels with per-connection sequence numbers
 * and CRC-32 checksums, trades de-duplicated by id.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { BITFINEX, BITFINEX_SIM_INSTRUMENTS } from "./instruments.ts"
import { BitfinexFeed } from "./session.ts"
import { startBitfinexSimulator } from "./simulator.ts"

/** The Bitfinex venue. */
export const bitfinex: Venue = {
  id: BITFINEX,
  name: "Bitfinex",
  fees: { makerPpm: 1000, takerPpm: 2000, tier: "base tier (0.10 % / 0.20 %)" },
  capabilities: {
    sequencing: "SEQ_ALL: one counter per connection on every data frame; gap → resubscribe books",
    checksum: "CRC-32 (signed) of the top 25 levels as received, `cs` frames; mismatch → resubscribe",
    snapshotSource: "first WS frame after `subscribed` (book P0, F0, len 25)",
    staleAfterMs: 30_000
  },
  endpoints: { ws: "wss://api-pub.bitfinex.com", rest: "https://api-pub.bitfinex.com" },
  makeFeed: (options) => new BitfinexFeed(options),
  startSimulator: startBitfinexSimulator,
  simulatedInstruments: BITFINEX_SIM_INSTRUMENTS
}
