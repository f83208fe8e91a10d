/**
 * `hft capture`: records what a venue's connector receives from the simulator (driven
 * by the market model) into a capture file, format v1.
 *
 * @module
 */
import type { MarketListener } from "@hft/core"
import { runSession, venueById } from "@hft/exchanges"
import { recordingVenue, startSimulatedMarket } from "@hft/exchanges"
import { Duration, Effect } from "effect"
import { createWriteStream } from "node:fs"
import { demoSymbol } from "./demo.ts"

/** Options of `hft capture`. */
export interface CaptureOptions {
  readonly venue: string
  readonly out: string
  readonly durationMs: number
  readonly seed: number
  /** Simulated µs between diff frames: small values give many small frames, as a benchmark wants. */
  readonly batchUs: number
  /** Model time advanced per wall millisecond (speeds up the market to collect frames faster). */
  readonly speed: number
}

const NOOP: MarketListener = { onBook() {}, onTrade() {} }

/** Records a capture; returns the number of lines written. */
export const runCapture = (options: CaptureOptions) =>
  Effect.gen(function*() {
    const venue = venueById(options.venue)
    const symbol = demoSymbol(venue.id)
    const market = yield* Effect.acquireRelease(
      Effect.promise(() => startSimulatedMarket({ venues: [venue.id], symbolFor: demoSymbol, seed: options.seed, batchUs: options.batchUs })),
      (m) => Effect.promise(() => m.close())
    )
    const out = createWriteStream(options.out)
    let lines = 0
    yield* Effect.addFinalizer(() => Effect.promise(() => new Promise<void>((resolve) => out.end(resolve))))
    const recording = recordingVenue(venue, (line) => {
      lines++
      out.write(`${line}\n`)
    })
    const session = yield* runSession({ venue: recording, symbols: [symbol], listener: NOOP, endpoints: market.endpoints.get(venue.id)! })
    if (options.speed > 1) {
      market.model.stop()
      const stepUs = 1000 * options.speed
      yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(Duration.millis(1)), Effect.sync(() => market.model.step(stepUs)))))
    }
    yield* Effect.sleep(Duration.millis(options.durationMs))
    console.error(`captured ${lines} records (${session.feed.stats.frames} frames, ${session.feed.stats.resyncs} resyncs) from the ${venue.name} simulator into ${options.out}`)
    return lines
  }).pipe(Effect.scoped)
