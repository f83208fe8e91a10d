/**
 * Record and replay for every venue: a live session against the venue's simulator
 * (driven by the market model) is recorded in capture format v1; replaying the capture
 * without any network must rebuild exactly the book the live connector held when the
 * recording stopped, and the feed benchmark must run over it.
 */
import { type MarketListener, ASK, BID, formatUnits } from "@hft/core"
import { VENUES, runSession } from "@hft/exchanges"
import { parseCapture, recordingVenue, startSimulatedMarket } from "@hft/exchanges"
import { benchFeed } from "../src/bench/feed-bench.ts"
import { Duration, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { demoSymbol } from "../src/demo.ts"

const NOOP: MarketListener = { onBook() {}, onTrade() {} }

describe("capture and replay, every venue", () => {
  for (const venue of VENUES) {
    it(`${venue.id}: the replayed book equals the live book at the end of the recording`, async () => {
      const symbol = demoSymbol(venue.id)
      const lines: Array<string> = []
      let recording = true
      const live = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function*() {
            const market = yield* Effect.acquireRelease(
              Effect.promise(() => startSimulatedMarket({ venues: [venue.id], symbolFor: demoSymbol, seed: 3, batchUs: 20_000 })),
              (m) => Effect.promise(() => m.close())
            )
            const recorder = recordingVenue(venue, (line) => {
              if (recording) lines.push(line)
            })
            const session = yield* runSession({ venue: recorder, symbols: [symbol], listener: NOOP, endpoints: market.endpoints.get(venue.id)! })
            const deadline = Date.now() + 15_000
            while (Date.now() < deadline && (session.feed.book(symbol) === undefined || session.feed.stats.bookUpdates < 30)) {
              yield* Effect.sleep(Duration.millis(20))
            }
            // Stop recording and read the live book in the same synchronous step: every
            // frame recorded has been applied, and none after it.
            recording = false
            const book = session.feed.book(symbol)
            const instrument = session.feed.instrument(symbol)
            if (book === undefined || instrument === undefined) return undefined
            const side = (s: 0 | 1) => book.top(s, 10).map(([p, q]) => [formatUnits(p, instrument.priceScale), formatUnits(q, instrument.sizeScale)])
            return { bids: side(BID), asks: side(ASK), updates: session.feed.stats.bookUpdates }
          })
        )
      )
      expect(live, "the live session synchronised a book").toBeDefined()
      const records = parseCapture(lines.join("\n"))
      expect(records.some((r) => r.kind === "ws" && r.body === "")).toBe(true)
      const result = benchFeed(venue, records, { symbol, runs: 1, depth: 10 })
      expect(result.frames).toBeGreaterThan(10)
      expect(result.book).toEqual({ bids: live!.bids, asks: live!.asks })
      expect(Number(result.book.bids[0]![0])).toBeLessThan(Number(result.book.asks[0]![0]))
    })
  }
})
