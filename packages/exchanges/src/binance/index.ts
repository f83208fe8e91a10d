/**
 * Binance spot: diff depth over WebSocket synchronised with REST snapshots.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { BINANCE, BINANCE_SIM_INSTRUMENTS } from "./instruments.ts"
import { BinanceFeed } from "./session.ts"
import { startBinanceSimulator } from "./simulator.ts"

/** The Binance spot venue. */
export const binance: Venue = {
  id: BINANCE,
  name: "Binance",
  fees: { makerPpm: 1000, takerPpm: 1000, tier: "spot base tier (0.10 % / 0.10 %)" },
  capabilities: {
    sequencing: "U/u update ids; REST lastUpdateId; gap → new snapshot",
    checksum: "none",
    snapshotSource: "REST /api/v3/depth",
    maxConnectionAgeMs: 24 * 60 * 60 * 1000,
    staleAfterMs: 10_000
  },
  endpoints: { ws: "wss://stream.binance.com:9443", rest: "https://api.binance.com" },
  makeFeed: (options) => new BinanceFeed(options),
  startSimulator: startBinanceSimulator,
  simulatedInstruments: BINANCE_SIM_INSTRUMENTS
}
