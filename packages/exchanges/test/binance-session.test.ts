import type { BookUpdate, MarketListener, TradePrint } from "@hft/core"
import { ASK } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { binance } from "../src/binance/index.ts"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, sameBook, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USDT"
const MID = 6_500_000

interface Harness {
  readonly sim: SimulatorHandle
  readonly session: FeedSession
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

const start = async (): Promise<Harness> => {
  const sim = await binance.startSimulator({ pingIntervalMs: 0 })
  const instrument = sim.instruments.find((i) => i.symbol === SYMBOL)!
  seedBook(sim, instrument, MID, 40, prng(1))
  const scope = Effect.runSync(Scope.make())
  const harness: Omit<Harness, "session"> & { session?: FeedSession } = {
    sim,
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
        venue: binance,
        symbols: [SYMBOL],
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

const syncedAndEqual = (h: Harness) => {
  const book = h.session.feed.book(SYMBOL)
  return book !== undefined && sameBook(book, h.sim.book(SYMBOL))
}

describe("Binance connector against the Binance simulator over real sockets", () => {
  it("synchronises from REST snapshot + diffs and tracks the simulator's book exactly", async () => {
    const h = await start()
    const instrument = h.sim.instruments.find((i) => i.symbol === SYMBOL)!
    const random = prng(7)
    await eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrument, MID, 40, random), false))
    for (let i = 0; i < 200; i++) randomBatch(h.sim, instrument, MID, 40, random)
    await eventually("books equal", () => syncedAndEqual(h))
    expect(h.session.feed.stats.gaps).toBe(0)
    expect(h.session.feed.stats.resyncs).toBe(0)
    expect(h.session.feed.instrument(SYMBOL)?.venueSymbol).toBe("BTCUSDT")
  })

  it("detects an injected gap, resynchronises, and ends equal", async () => {
    const h = await start()
    const instrument = h.sim.instruments.find((i) => i.symbol === SYMBOL)!
    const random = prng(11)
    await eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrument, MID, 40, random), false))
    h.sim.faults.gap(SYMBOL)
    for (let i = 0; i < 5; i++) randomBatch(h.sim, instrument, MID, 40, random)
    await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "gap")).toBe(true)
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
    expect(h.invalidations).toContain("sequence gap")
  })

  it("counts a malformed frame, repairs the lost update, and ends equal", async () => {
    const h = await start()
    const instrument = h.sim.instruments.find((i) => i.symbol === SYMBOL)!
    const random = prng(13)
    await eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrument, MID, 40, random), false))
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, instrument, MID, 40, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
  })

  it("reconnects after a dropped connection and ends equal; a slow snapshot only delays the sync", async () => {
    const h = await start()
    const instrument = h.sim.instruments.find((i) => i.symbol === SYMBOL)!
    const random = prng(17)
    await eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrument, MID, 40, random), false))
    h.sim.faults.setSnapshotDelay(300)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, instrument, MID, 40, random)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers trades normalised with the taker side", async () => {
    const h = await start()
    const instrument = h.sim.instruments.find((i) => i.symbol === SYMBOL)!
    const random = prng(19)
    await eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrument, MID, 40, random), false))
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_700_000_000_000_000)
    await eventually("trade", () => h.trades.length === 1)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: "1", exchangeUs: 1_700_000_000_000_000 })
  })
})
