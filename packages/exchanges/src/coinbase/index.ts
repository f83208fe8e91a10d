/**
 * Coinbase Advanced Trade: `level2` over WebSocket, snapshot then updates, guarded by the
 * connection-wide `sequence_num`.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { COINBASE, COINBASE_SIM_INSTRUMENTS } from "./instruments.ts"
import { CoinbaseFeed } from "./session.ts"
import { startCoinbaseSimulator } from "./simulator.ts"

/** The Coinbase Advanced Trade venue. */
export const coinbase: Venue = {
  id: COINBASE,
  name: "Coinbase Advanced Trade",
  fees: { makerPpm: 6000, takerPpm: 12000, tier: "Advanced 1, $0-1k 30-day volume (0.60 % / 1.20 %)" },
  capabilities: {
    sequencing:
      "envelope sequence_num +1 per message per connection, all channels; gap or malformed frame → level2 unsubscribe + subscribe (new snapshot), reconnect if none within 10 s. market_trades side taken as the taker side (not stated by Coinbase)",
    checksum: "none",
    snapshotSource: "WS level2 snapshot event (USDC products served under their -USD alias)",
    staleAfterMs: 5_000
  },
  endpoints: { ws: "wss://advanced-trade-ws.coinbase.com", rest: "https://api.coinbase.com" },
  makeFeed: (options) => new CoinbaseFeed(options),
  startSimulator: startCoinbaseSimulator,
  simulatedInstruments: COINBASE_SIM_INSTRUMENTS
}
