import type { BookUpdate, Instrument, MarketListener, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { coinbase } from "../src/coinbase/index.ts"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, sameBook, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USD"
const MID = 6_500_000

interface Harness {
  readonly sim: SimulatorHandle
  readonly session: FeedSession
  readonly instrument: Instrument
  readonly incidents: Array<FeedIncident>
  readonly trades: Array<TradePrint>
  readonly invalidations: Array<string>
  readonly scope: Scope.Closeable
  books: number
}

let open: Harness | undefined

afterEach(async () => {
  if (open !== undefined) {
    await Effect.runPromise(Scope.close(open.scope, Exit.void))
    await open.sim.close()
    open = undefined
  }
})

const start = async (symbols: ReadonlyArray<string> = [SYMBOL]): Promise<Harness> => {
  const sim = await coinbase.startSimulator({ pingIntervalMs: 0 })
  const instrument = sim.instruments.find((i) => i.symbol === SYMBOL)!
  seedBook(sim, instrument, MID, 40, prng(1))
  const scope = Effect.runSync(Scope.make())
  const harness: Omit<Harness, "session"> & { session?: FeedSession } = {
    sim,
    instrument,
    incidents: [],
    trades: [],
    invalidations: [],
    scope,
    books: 0
  }
  const listener: MarketListener = {
    onBook: (_u: BookUpdate) => void harness.books++,
    onTrade: (t) => void harness.trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void harness.invalidations.push(reason)
  }
  harness.session = await Effect.runPromise(
    Scope.provide(scope)(
      runSession({
        venue: coinbase,
        symbols,
        listener,
        endpoints: { ws: sim.wsUrl, rest: sim.restUrl },
        onIncident: (i) => void harness.incidents.push(i),
        minBackoffMs: 20,
        maxBackoffMs: 200
      })
    )
  )
  open = harness as Harness
  return open
}

/** The connector's book of `symbol` is in sync and equals the simulator's book of `truth`. */
const syncedAndEqual = (h: Harness, symbol = SYMBOL, truth = SYMBOL) => {
  const book = h.session.feed.book(symbol)
  return book !== undefined && sameBook(book, h.sim.book(truth))
}

const firstSync = (h: Harness, random: () => number, symbol = SYMBOL) =>
  eventually("first sync", () => h.session.feed.book(symbol) !== undefined || (randomBatch(h.sim, h.instrument, MID, 40, random), false))

describe("Coinbase connector against the Coinbase simulator over real sockets", () => {
  it("synchronises from the level2 snapshot and tracks the simulator's book exactly", async () => {
    const h = await start()
    const random = prng(7)
    await firstSync(h, random)
    for (let i = 0; i < 200; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("books equal", () => syncedAndEqual(h))
    expect(h.session.feed.stats.gaps).toBe(0)
    expect(h.session.feed.stats.resyncs).toBe(0)
    expect(h.session.feed.stats.malformed).toBe(0)
    expect(h.books).toBeGreaterThan(100)
    expect(h.session.feed.instrument(SYMBOL)?.venueSymbol).toBe("BTC-USD")
  })

  it("feeds BTC/USDC from the BTC-USD stream (the -USDC alias) and ends equal to the USD book", async () => {
    const h = await start(["BTC/USDC", SYMBOL])
    const random = prng(9)
    await firstSync(h, random, "BTC/USDC")
    for (let i = 0; i < 100; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("both books equal", () => syncedAndEqual(h, "BTC/USDC", SYMBOL) && syncedAndEqual(h, SYMBOL, SYMBOL))
    const usdc = h.session.feed.instrument("BTC/USDC")!
    expect(usdc).toMatchObject({ venueSymbol: "BTC-USDC", base: "BTC", quote: "USDC", priceScale: 2, sizeScale: 8 })
    h.sim.trade(SYMBOL, BID, MID + 1, 5_000, 1_700_000_000_000_000)
    await eventually("trade on both", () => h.trades.length === 2)
    expect(h.trades.map((t) => t.instrument.symbol).sort()).toEqual(["BTC/USD", "BTC/USDC"])
  })

  it("detects an injected sequence gap, resubscribes level2, and ends equal", async () => {
    const h = await start()
    const random = prng(11)
    await firstSync(h, random)
    h.sim.faults.gap(SYMBOL)
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, h.instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "gap")).toBe(true)
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
    expect(h.invalidations).toContain("sequence gap")
    // Repaired by resubscribing on the same connection, not by reconnecting.
    expect(h.session.connects()).toBe(1)
  })

  it("counts a malformed frame, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await firstSync(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, h.instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame")
  })

  it("reconnects after a dropped connection and ends equal", async () => {
    const h = await start()
    const random = prng(17)
    await firstSync(h, random)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, h.instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
    // A new connection restarts sequence_num at 0: that is not a gap.
    expect(h.session.feed.stats.gaps).toBe(0)
  })

  it("delivers trades normalised with the taker side, oldest first", async () => {
    const h = await start()
    const random = prng(19)
    await firstSync(h, random)
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_700_000_000_000_001)
    h.sim.trade(SYMBOL, BID, MID + 1, 1, 1_700_000_000_000_002)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: "1", exchangeUs: 1_700_000_000_000_001 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 1, takerSide: BID, id: "2", exchangeUs: 1_700_000_000_000_002 })
  })
})
