/**
 * Deribit spot over JSON-RPC 2.0: `book.{instrument}.100ms` notifications chained by
 * `change_id`/`prev_change_id` from a snapshot notification, heartbeats answered with
 * `public/test`.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { DERIBIT, DERIBIT_FEES, DERIBIT_SIM_INSTRUMENTS } from "./instruments.ts"
import { DeribitFeed } from "./session.ts"
import { startDeribitSimulator } from "./simulator.ts"

/** The Deribit spot venue. */
export const deribit: Venue = {
  id: DERIBIT,
  name: "Deribit",
  fees: DERIBIT_FEES,
  capabilities: {
    sequencing: "change_id/prev_change_id chain from a snapshot notification; mismatch → unsubscribe + subscribe",
    checksum: "none",
    snapshotSource: "first book.{instrument}.100ms notification (type snapshot)",
    // Heartbeats every 30 s (set_heartbeat): two missed ones mean a dead connection.
    staleAfterMs: 65_000
  },
  endpoints: { ws: "wss://www.deribit.com", rest: "https://www.deribit.com" },
  makeFeed: (options) => new DeribitFeed(options),
  startSimulator: startDeribitSimulator,
  simulatedInstruments: DERIBIT_SIM_INSTRUMENTS
}
