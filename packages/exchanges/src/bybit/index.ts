/**
 * Bybit v5 spot: in-band order-book snapshots and deltas sequenced by update id `u`.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { BYBIT, BYBIT_SIM_INSTRUMENTS } from "./instruments.ts"
import { BybitFeed } from "./session.ts"
import { startBybitSimulator } from "./simulator.ts"

/** The Bybit spot venue. */
export const bybit: Venue = {
  id: BYBIT,
  name: "Bybit",
  fees: { makerPpm: 1000, takerPpm: 1000, tier: "spot VIP 0 (0.10 % / 0.10 %)" },
  capabilities: {
    sequencing: "update id u, +1 per delta; any other u → resubscribe; snapshot replaces the book (u=1: venue restart)",
    checksum: "none",
    snapshotSource: "WS snapshot after subscribe (orderbook.{depth}.{symbol})",
    staleAfterMs: 30_000
  },
  endpoints: { ws: "wss://stream.bybit.com", rest: "https://api.bybit.com" },
  makeFeed: (options) => new BybitFeed(options),
  startSimulator: startBybitSimulator,
  simulatedInstruments: BYBIT_SIM_INSTRUMENTS
}
