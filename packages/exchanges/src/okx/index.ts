/**
 * OKX v5 spot: `books` pushes chained by `seqId`/`prevSeqId`, from a WS snapshot or (once
 * OKX removes it) a REST snapshot, with the deprecated CRC-32 checksum verified when sent.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { OKX, OKX_SIM_INSTRUMENTS } from "./instruments.ts"
import { OkxFeed } from "./session.ts"
import { startOkxSimulator } from "./simulator.ts"

/** The OKX spot venue. */
export const okx: Venue = {
  id: OKX,
  name: "OKX",
  fees: { makerPpm: 800, takerPpm: 1000, tier: "spot Lv1 (0.080 % / 0.100 %)" },
  capabilities: {
    sequencing: "seqId/prevSeqId chain (ids not contiguous; idle and reset updates accepted); mismatch → unsubscribe + subscribe",
    checksum: "CRC-32 (signed) of the top 25 bid/ask px:sz, verified when non-zero (deprecated: 0 since 2026-06-23)",
    snapshotSource: "WS snapshot push; REST /api/v5/market/books?source=0 (seqId) when no WS snapshot comes",
    staleAfterMs: 30_000
  },
  endpoints: { ws: "wss://ws.okx.com:8443", rest: "https://www.okx.com" },
  makeFeed: (options) => new OkxFeed(options),
  startSimulator: startOkxSimulator,
  simulatedInstruments: OKX_SIM_INSTRUMENTS
}
