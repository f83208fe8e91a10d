import type { BookUpdate, Instrument, MarketListener, OrderBook, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { bitfinex } from "../src/bitfinex/index.ts"
import { startBitfinexSimulator } from "../src/bitfinex/simulator.ts"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USD"
/** 65 000 USD at Bitfinex's price scale 8. */
const MID = 6_500_000_000_000
/** Levels per side the simulator's book holds: more than the 25 the venue streams. */
const LEVELS = 40
const DEPTH = 25

interface Harness {
  readonly sim: SimulatorHandle
  readonly instrument: Instrument
  readonly session: FeedSession
  readonly incidents: Array<FeedIncident>
  readonly trades: Array<TradePrint>
  readonly invalidations: Array<string>
  readonly scope: Scope.Closeable
}

let open: Harness | undefined

afterEach(async () => {
  if (open !== undefined) {
    await Effect.runPromise(Scope.close(open.scope, Exit.void))
    await open.sim.close()
    open = undefined
  }
})

const start = async (heartbeatMs = 15_000): Promise<Harness> => {
  const sim = await startBitfinexSimulator({ pingIntervalMs: 0, heartbeatMs })
  const instrument = sim.instruments.find((i) => i.symbol === SYMBOL)!
  seedBook(sim, instrument, MID, LEVELS, prng(1))
  const scope = Effect.runSync(Scope.make())
  const incidents: Array<FeedIncident> = []
  const trades: Array<TradePrint> = []
  const invalidations: Array<string> = []
  const listener: MarketListener = {
    onBook: (_u: BookUpdate) => {},
    onTrade: (t) => void trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void invalidations.push(reason)
  }
  const session = await Effect.runPromise(
    Scope.provide(scope)(
      runSession({
        venue: bitfinex,
        symbols: [SYMBOL, "ETH/USD"],
        listener,
        endpoints: { ws: sim.wsUrl, rest: sim.restUrl },
        onIncident: (i) => void incidents.push(i),
        minBackoffMs: 20,
        maxBackoffMs: 200
      })
    )
  )
  open = { sim, instrument, session, incidents, trades, invalidations, scope }
  return open
}

/** The connector holds exactly the venue's 25-level window of the simulator's book. */
const sameWindow = (mine: OrderBook, truth: OrderBook): boolean =>
  JSON.stringify([mine.top(BID, 100), mine.top(ASK, 100)]) === JSON.stringify([truth.top(BID, DEPTH), truth.top(ASK, DEPTH)])

const synced = (h: Harness) => h.session.feed.book(SYMBOL) !== undefined
const syncedAndEqual = (h: Harness) => {
  const book = h.session.feed.book(SYMBOL)
  return book !== undefined && sameWindow(book, h.sim.book(SYMBOL))
}

const firstSync = (h: Harness, random: () => number) =>
  eventually("first sync", () => synced(h) || (randomBatch(h.sim, h.instrument, MID, LEVELS, random), false))

const resyncedAndEqual = (h: Harness, random: () => number) =>
  eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, h.instrument, MID, LEVELS, random), false))

describe("Bitfinex connector against the Bitfinex simulator over real sockets", () => {
  it("builds instruments from the venue's configuration, syncs from the snapshot and tracks the 25-level window", async () => {
    const h = await start()
    const random = prng(7)
    await firstSync(h, random)
    for (let i = 0; i < 300; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("books equal", () => syncedAndEqual(h))
    // Deletions near the touch pull deeper levels into the window: they must have been announced.
    expect(h.session.feed.book(SYMBOL)!.bids.count).toBe(Math.min(DEPTH, h.sim.book(SYMBOL).bids.count))
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, checksumFailures: 0, resyncs: 0, malformed: 0 })
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "tBTCUSD", priceScale: 8, sizeScale: 8 })
    expect(h.session.feed.instruments()?.fromVenueSymbol("tBTCUST")?.symbol).toBe("BTC/USDT")
  })

  it("detects an injected sequence gap, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(11)
    await firstSync(h, random)
    h.sim.faults.gap(SYMBOL)
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
    await resyncedAndEqual(h, random)
    expect(h.incidents.some((i) => i.kind === "gap")).toBe(true)
    expect(h.invalidations).toContain("sequence gap")
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
    expect(h.session.connects()).toBe(1)
  })

  it("detects a bad checksum, resubscribes that book, and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await firstSync(h, random)
    h.sim.faults.badChecksum(SYMBOL)
    randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("checksum failure", () => h.session.feed.stats.checksumFailures === 1)
    await resyncedAndEqual(h, random)
    expect(h.incidents.some((i) => i.kind === "checksum" && i.symbol === SYMBOL)).toBe(true)
    expect(h.invalidations).toContain("checksum mismatch")
    expect(h.session.feed.stats.gaps).toBe(0)
    expect(h.session.connects()).toBe(1)
  })

  it("counts a malformed frame, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(17)
    await firstSync(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await resyncedAndEqual(h, random)
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame")
  })

  it("reconnects after a dropped connection and ends equal", async () => {
    const h = await start()
    const random = prng(19)
    await firstSync(h, random)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await resyncedAndEqual(h, random)
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers each trade once (te, not the tu that repeats it) with the taker side from the amount's sign", async () => {
    const h = await start()
    const random = prng(23)
    await firstSync(h, random)
    h.sim.trade(SYMBOL, ASK, MID - 100_000_000, 12_345_678, 1_700_000_000_000_000)
    h.sim.trade(SYMBOL, BID, MID, 5, 1_700_000_000_001_000)
    await eventually("trades", () => h.trades.length >= 2)
    randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("books equal", () => syncedAndEqual(h))
    expect(h.trades).toHaveLength(2)
    expect(h.trades[0]).toMatchObject({ price: MID - 100_000_000, size: 12_345_678, takerSide: ASK, id: "1", exchangeUs: 1_700_000_000_000_000 })
    expect(h.trades[1]).toMatchObject({ price: MID, size: 5, takerSide: BID, id: "2" })
    expect(h.session.feed.stats.gaps).toBe(0)
  })

  it("counts heartbeats in the connection's sequence without seeing gaps", async () => {
    const h = await start(40)
    const random = prng(29)
    await firstSync(h, random)
    const frames = h.session.feed.stats.frames
    // Idle channels get `hb` frames, each with the next sequence number.
    await eventually("heartbeats", () => h.session.feed.stats.frames >= frames + 6)
    randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("books equal", () => syncedAndEqual(h))
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0 })
  })
})
