import type { BookUpdate, Instrument, MarketListener, OrderBook, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import { kucoin } from "../src/kucoin/index.ts"
import { startKucoinSimulator } from "../src/kucoin/simulator.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USDT"
/** 65 000.0 USDT at price scale 1. */
const MID = 650_000
/** Levels per side in the simulator: more than the 100 of the public snapshot. */
const LEVELS = 150

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

const start = async (clientPingIntervalMs = 18_000): Promise<Harness> => {
  const sim = await startKucoinSimulator({ pingIntervalMs: 0, clientPingIntervalMs })
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
        venue: kucoin,
        symbols: [SYMBOL, "ETH/USDT"],
        listener,
        // The WS base is never used: the token answer names the endpoint (here the simulator's own address).
        endpoints: { ws: "ws://unused.invalid", rest: sim.restUrl },
        onIncident: (i) => void incidents.push(i),
        minBackoffMs: 20,
        maxBackoffMs: 200
      })
    )
  )
  open = { sim, instrument, session, incidents, trades, invalidations, scope }
  return open
}

/**
 * What the connector maintains is exact: its levels are the simulator's best levels on
 * each side, as many as it knows — at least the levels the 100-level snapshot covered,
 * give or take the changes since.
 */
const exactKnownPart = (mine: OrderBook, truth: OrderBook): boolean => {
  for (const side of [BID, ASK] as const) {
    const n = mine.side(side).count
    if (n < 60 || JSON.stringify(mine.top(side, n)) !== JSON.stringify(truth.top(side, n))) return false
  }
  return true
}

const syncedAndExact = (h: Harness) => {
  const book = h.session.feed.book(SYMBOL)
  return book !== undefined && exactKnownPart(book, h.sim.book(SYMBOL))
}

const firstSync = (h: Harness, random: () => number) =>
  eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, h.instrument, MID, LEVELS, random), false))

const resyncedAndExact = (h: Harness, random: () => number) =>
  eventually("resynced and exact", () => syncedAndExact(h) || (randomBatch(h.sim, h.instrument, MID, LEVELS, random), false))

describe("KuCoin connector against the KuCoin simulator over real sockets", () => {
  it("gets a token, connects to the endpoint it names, syncs from the 100-level snapshot and stays exact", async () => {
    const h = await start()
    const random = prng(7)
    await firstSync(h, random)
    for (let i = 0; i < 300; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("book exact", () => syncedAndExact(h))
    const book = h.session.feed.book(SYMBOL)!
    // Levels beyond the snapshot's 100 changed too, but the connector does not pretend to know that depth.
    expect(book.bids.count).toBeLessThan(h.sim.book(SYMBOL).bids.count)
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0 })
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTC-USDT", priceScale: 1, sizeScale: 8 })
  })

  it("detects an injected gap, rebuilds from a new snapshot, and ends exact", async () => {
    const h = await start()
    const random = prng(11)
    await firstSync(h, random)
    h.sim.faults.gap(SYMBOL)
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
    await resyncedAndExact(h, random)
    expect(h.incidents.some((i) => i.kind === "gap" && i.symbol === SYMBOL)).toBe(true)
    expect(h.invalidations).toContain("sequence gap")
    expect(h.session.connects()).toBe(1)
  })

  it("counts a malformed frame, repairs the lost push, and ends exact", async () => {
    const h = await start()
    const random = prng(13)
    await firstSync(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await resyncedAndExact(h, random)
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame")
  })

  it("reconnects after a dropped connection and ends exact; a slow snapshot only delays the sync", async () => {
    const h = await start()
    const random = prng(17)
    await firstSync(h, random)
    h.sim.faults.setSnapshotDelay(300)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await resyncedAndExact(h, random)
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers matches with the taker side and exact ids; the trade's price-0 change moves the sequence without a gap", async () => {
    const h = await start()
    const random = prng(19)
    await firstSync(h, random)
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_700_000_000_000_123)
    h.sim.trade(SYMBOL, BID, MID + 1, 5, 1_700_000_000_001_000)
    await eventually("trades", () => h.trades.length === 2)
    randomBatch(h.sim, h.instrument, MID, LEVELS, random)
    await eventually("book exact", () => syncedAndExact(h))
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: "23898084682776577", exchangeUs: 1_700_000_000_000_123 })
    expect(h.trades[1]).toMatchObject({ takerSide: BID, id: "23898084682776578" })
    expect(h.session.feed.stats.gaps).toBe(0)
  })

  it("pings at the interval the token answer gives and gets pongs", async () => {
    const h = await start(1000)
    const random = prng(23)
    await firstSync(h, random)
    const frames = h.session.feed.stats.frames
    // Nothing else is published: the only frames now are pongs.
    await eventually("pongs", () => h.session.feed.stats.frames >= frames + 2, 8000)
    expect(h.session.connects()).toBe(1)
    expect(h.incidents.filter((i) => i.kind === "disconnect")).toHaveLength(0)
  })
})
