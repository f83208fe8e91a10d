#!/usr/bin/env node
/**
 * The `hft` command.
 *
 * @module
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { runBenchFeed, runBenchTickToTrade } from "./bench/commands.ts"
import { runCapture } from "./capture.ts"
import { DEFAULT_DEMO_VENUES, demoOptions, printSummary, runDemo } from "./demo.ts"
import { parseDurationMs } from "./duration-text.ts"
import { runVenues } from "./venues.ts"

const demo = Command.make(
  "demo",
  {
    duration: Flag.String("duration").pipe(Flag.withDefault("30s"), Flag.withDescription("how long to trade (500ms, 30s, 5m)")),
    seed: Flag.Int("seed").pipe(Flag.withDefault(1), Flag.withDescription("seed of the market model and the paper venues")),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("end with one machine-readable summary line")),
    venues: Flag.String("venues").pipe(Flag.withDefault(DEFAULT_DEMO_VENUES), Flag.withDescription("comma-separated venue ids"))
  },
  (flags) =>
    Effect.gen(function*() {
      const options = yield* Effect.try({ try: () => demoOptions(flags), catch: (e) => e as Error })
      const summary = yield* runDemo(options)
      printSummary(summary, options.json)
    })
).pipe(Command.withDescription("paper-trade the built-in market maker against local exchange simulators"))

const benchFeed = Command.make(
  "feed",
  {
    venue: Flag.String("venue").pipe(Flag.withDescription("venue id")),
    capture: Flag.String("capture").pipe(Flag.withDescription("capture file (format v1)")),
    symbol: Flag.String("symbol").pipe(Flag.optional, Flag.withDescription("canonical symbol whose book is reported")),
    runs: Flag.Int("runs").pipe(Flag.withDefault(5), Flag.withDescription("timed passes (the median is reported)")),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false))
  },
  (flags) =>
    runBenchFeed({
      venue: flags.venue,
      capture: flags.capture,
      symbol: flags.symbol._tag === "Some" ? flags.symbol.value : undefined,
      runs: flags.runs,
      json: flags.json
    }).pipe(Effect.asVoid)
).pipe(Command.withDescription("time decode + book maintenance over a capture held in memory"))

const benchTickToTrade = Command.make(
  "tick-to-trade",
  {
    venue: Flag.String("venue").pipe(Flag.withDescription("venue id")),
    capture: Flag.String("capture").pipe(Flag.withDescription("capture file (format v1)")),
    symbol: Flag.String("symbol").pipe(Flag.optional, Flag.withDescription("canonical symbol to trade")),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false))
  },
  (flags) =>
    runBenchTickToTrade({
      venue: flags.venue,
      capture: flags.capture,
      symbol: flags.symbol._tag === "Some" ? flags.symbol.value : undefined,
      json: flags.json
    }).pipe(Effect.asVoid)
).pipe(Command.withDescription("time frame receipt → order in the paper venue's entry queue, warm, over a capture"))

const bench = Command.make("bench").pipe(
  Command.withSubcommands([benchFeed, benchTickToTrade]),
  Command.withDescription("benchmarks with machine-readable results")
)

const capture = Command.make(
  "capture",
  {
    venue: Flag.String("venue").pipe(Flag.withDefault("binance")),
    out: Flag.String("out").pipe(Flag.withDescription("file to write (NDJSON, capture format v1)")),
    duration: Flag.String("duration").pipe(Flag.withDefault("10s")),
    seed: Flag.Int("seed").pipe(Flag.withDefault(1)),
    batchMs: Flag.Int("batch-ms").pipe(Flag.withDefault(20), Flag.withDescription("model time between diff frames")),
    speed: Flag.Int("speed").pipe(Flag.withDefault(1), Flag.withDescription("model time per wall time (e.g. 200)"))
  },
  (flags) =>
    Effect.gen(function*() {
      const durationMs = yield* Effect.try({ try: () => parseDurationMs(flags.duration), catch: (e) => e as Error })
      yield* runCapture({ venue: flags.venue, out: flags.out, durationMs, seed: flags.seed, batchUs: flags.batchMs * 1000, speed: flags.speed })
    })
).pipe(Command.withDescription("record a venue simulator's feed as the connector receives it"))

const venues = Command.make("venues", { json: Flag.Boolean("json").pipe(Flag.withDefault(false)) }, (flags) => runVenues(flags.json)).pipe(
  Command.withDescription("list every venue with its capabilities")
)

const hft = Command.make("hft").pipe(
  Command.withSubcommands([demo, bench, capture, venues]),
  Command.withDescription("paper trading crypto at high frequency")
)

Command.run(hft, { version: "0.1.0" }).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
