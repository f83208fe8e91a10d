/**
 * Gemini market data v2: the book from the first `l2_updates` of a subscription, then
 * change frames; no sequence numbers, so resynchronisation is by reconnecting.
 *
 * @module
 */
import type { Venue } from "../venue.ts"
import { GEMINI, GEMINI_SIM_INSTRUMENTS } from "./instruments.ts"
import { GeminiFeed } from "./session.ts"
import { startGeminiSimulator } from "./simulator.ts"

/** The Gemini venue (market data v2). */
export const gemini: Venue = {
  id: GEMINI,
  name: "Gemini",
  fees: { makerPpm: 2000, takerPpm: 4000, tier: "API base tier per ccxt, unverified (0.20 % / 0.40 %)" },
  capabilities: {
    sequencing:
      "none in v2: a silently lost update cannot be detected; malformed frame, crossed book or disconnect → reconnect and take the whole book again",
    checksum: "none",
    snapshotSource: "first WS l2_updates of the subscription (whole book + last trades)",
    staleAfterMs: 15_000
  },
  endpoints: { ws: "wss://api.gemini.com", rest: "https://api.gemini.com" },
  makeFeed: (options) => new GeminiFeed(options),
  startSimulator: startGeminiSimulator,
  simulatedInstruments: GEMINI_SIM_INSTRUMENTS
}
