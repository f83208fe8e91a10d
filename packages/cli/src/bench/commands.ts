/**
 * `hft bench feed`: the feed benchmark over a capture file.
 *
 * @module
 */
import { parseCapture, venueById } from "@hft/exchanges"
import { benchFeed } from "./feed-bench.ts"
import { benchTickToTrade } from "./tick-to-trade-bench.ts"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"

/** Options of `hft bench feed`. */
export interface BenchFeedOptions {
  readonly venue: string
  readonly capture: string
  readonly symbol: string | undefined
  readonly runs: number
  readonly json: boolean
}

/** Loads the capture into memory, then times decode + book maintenance. */
export const runBenchFeed = (options: BenchFeedOptions) =>
  Effect.gen(function*() {
    const venue = venueById(options.venue)
    const text = yield* Effect.promise(() => readFile(options.capture, "utf8"))
    const records = parseCapture(text)
    const symbol = options.symbol ?? venue.simulatedInstruments[0]!.symbol
    const result = benchFeed(venue, records, { symbol, runs: options.runs, depth: 10 })
    if (options.json) {
      console.log(JSON.stringify(result))
    } else {
      console.log(`${venue.name} ${symbol}: ${result.frames} frames, ${result.msgsPerSec.toLocaleString("en-US")} frames/s (median of ${options.runs}; JSON.parse alone ${result.jsonParseMsgsPerSec.toLocaleString("en-US")}/s), p50 ${result.p50Ns} ns, p99 ${result.p99Ns} ns, ${result.resyncs} resyncs, ${result.gaps} gaps`)
      console.log(`best bid ${result.book.bids[0]?.join(" x ") ?? "-"}, best ask ${result.book.asks[0]?.join(" x ") ?? "-"}`)
    }
    return result
  })

/** Options of `hft bench tick-to-trade`. */
export interface BenchTickToTradeOptions {
  readonly venue: string
  readonly capture: string
  readonly symbol: string | undefined
  readonly json: boolean
}

/** Loads the capture into memory, then times frame → order in the paper venue's entry queue. */
export const runBenchTickToTrade = (options: BenchTickToTradeOptions) =>
  Effect.gen(function*() {
    const venue = venueById(options.venue)
    const records = parseCapture(yield* Effect.promise(() => readFile(options.capture, "utf8")))
    const symbol = options.symbol ?? venue.simulatedInstruments[0]!.symbol
    const result = benchTickToTrade(venue, records, symbol)
    if (options.json) console.log(JSON.stringify(result))
    else {
      console.log(`${venue.name} ${symbol}: ${result.frames} frames, ${result.orders} orders from the market maker, ${result.fills} fills; tick-to-trade p50 ${result.p50Ns} ns, p99 ${result.p99Ns} ns, max ${result.maxNs} ns`)
    }
    return result
  })
