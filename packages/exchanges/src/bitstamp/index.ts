/**
 * Bitstamp (WebSocket v2): full-depth diffs ordered by `microtimestamp`, joined to a REST
 * snapshot; no sequence numbers and no checksum.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { BITSTAMP, BITSTAMP_SIM_INSTRUMENTS } from "./instruments.ts"
import { BitstampFeed } from "./session.ts"
import { startBitstampSimulator } from "./simulator.ts"

/** The Bitstamp venue. */
export const bitstamp: Venue = {
  id: BITSTAMP,
  name: "Bitstamp",
  fees: { makerPpm: 4000, takerPpm: 4000, tier: "lowest tier, ccxt default (0.40 % / 0.40 %; unverified)" },
  capabilities: {
    sequencing: "none (microtimestamp only): a lost diff is undetectable; resync on reconnect, request_reconnect, malformed frame, crossed book",
    checksum: "none",
    snapshotSource: "REST /api/v2/order_book/{pair}/ (microtimestamp)",
    maxConnectionAgeMs: 90 * 24 * 60 * 60 * 1000,
    staleAfterMs: 30_000
  },
  endpoints: { ws: "wss://ws.bitstamp.net", rest: "https://www.bitstamp.net" },
  makeFeed: (options) => new BitstampFeed(options),
  startSimulator: startBitstampSimulator,
  simulatedInstruments: BITSTAMP_SIM_INSTRUMENTS
}
