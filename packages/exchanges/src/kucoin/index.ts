/**
 * KuCoin spot (classic WebSocket): token from REST, level-2 pushes numbered per change,
 * synchronised with the public 100-level REST snapshot.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { KUCOIN, KUCOIN_SIM_INSTRUMENTS } from "./instruments.ts"
import { KucoinFeed } from "./session.ts"
import { startKucoinSimulator } from "./simulator.ts"

/** The KuCoin spot venue. */
export const kucoin: Venue = {
  id: KUCOIN,
  name: "KuCoin",
  fees: { makerPpm: 1000, takerPpm: 1000, tier: "spot level 0 (0.10 % / 0.10 %)" },
  capabilities: {
    sequencing: "sequenceStart/sequenceEnd per push, a sequence per change; REST sequence; gap → new snapshot",
    checksum: "none",
    snapshotSource: "REST /api/v1/market/orderbook/level2_100 (best 100 levels: deeper ones dropped until known)",
    staleAfterMs: 40_000
  },
  endpoints: { ws: "wss://ws-api-spot.kucoin.com", rest: "https://api.kucoin.com" },
  makeFeed: (options) => new KucoinFeed(options),
  startSimulator: startKucoinSimulator,
  simulatedInstruments: KUCOIN_SIM_INSTRUMENTS
}
