/**
 * Kraken spot: WebSocket v2 books with CRC32 checksums, trades, and instrument metadata,
 * all over one socket.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { KRAKEN, KRAKEN_SIM_INSTRUMENTS } from "./instruments.ts"
import { KrakenFeed } from "./session.ts"
import { startKrakenSimulator } from "./simulator.ts"

/** The Kraken spot venue. */
export const kraken: Venue = {
  id: KRAKEN,
  name: "Kraken",
  // Kraken Pro's published schedule for $0–10k 30-day volume; ccxt still defaults to the older 0.16 % / 0.26 %.
  fees: { makerPpm: 2500, takerPpm: 4000, tier: "Kraken Pro $0–10k 30-day volume (0.25 % / 0.40 %)" },
  capabilities: {
    sequencing: "none: CRC32 on every book message detects lost updates → unsubscribe + resubscribe",
    checksum: "CRC32 (unsigned) of top 10 asks + top 10 bids at the pair's precisions",
    snapshotSource: "WS book subscription (snapshot:true); instruments from the WS instrument channel",
    staleAfterMs: 10_000
  },
  endpoints: { ws: "wss://ws.kraken.com", rest: "https://api.kraken.com" },
  makeFeed: (options) => new KrakenFeed(options),
  startSimulator: startKrakenSimulator,
  simulatedInstruments: KRAKEN_SIM_INSTRUMENTS
}
