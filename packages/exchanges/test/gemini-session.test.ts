import type { BookUpdate, Instrument, MarketListener, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import { SIM_TID_BASE } from "../src/gemini/codec.ts"
import { gemini } from "../src/gemini/index.ts"
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

const start = async (): Promise<Harness> => {
  const sim = await gemini.startSimulator({ pingIntervalMs: 0 })
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
        venue: gemini,
        symbols: [SYMBOL, "ETH/USD"],
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

const firstSync = (h: Harness, random: () => number) =>
  eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, h.instrument, MID, 40, random), false))

describe("Gemini connector against the Gemini simulator over real sockets", () => {
  it("takes the book from the first l2_updates and tracks the simulator's book exactly", async () => {
    const h = await start()
    const random = prng(7)
    await firstSync(h, random)
    for (let i = 0; i < 200; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("books equal", () => syncedAndEqual(h))
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0 })
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTCUSD", priceScale: 2, sizeScale: 10, lotSize: 100 })
    expect(h.session.feed.book("ETH/USD")).toBeDefined()
  })

  it("reconnects after a malformed frame (its update is lost) and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await firstSync(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, h.instrument, MID, 40, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await eventually("reconnected", () => h.session.connects() >= 2)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, h.instrument, MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame")
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
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
  })

  it("cannot see a silently lost update (v2 has no sequence numbers); a reconnect repairs it", async () => {
    const h = await start()
    const random = prng(23)
    await firstSync(h, random)
    const lost = MID - 5 * h.instrument.tickSize
    h.sim.faults.gap(SYMBOL)
    h.sim.setLevel(SYMBOL, BID, lost, 777)
    h.sim.flush()
    const marker = MID + 60 * h.instrument.tickSize
    h.sim.setLevel(SYMBOL, ASK, marker, 4242)
    h.sim.flush()
    await eventually("later update applied", () => h.session.feed.book(SYMBOL)?.asks.sizeAtPrice(marker) === 4242)
    // The feed believes its book: it is in sync as far as it can tell, but wrong.
    expect(h.session.feed.book(SYMBOL)!.bids.sizeAtPrice(lost)).not.toBe(777)
    expect(h.sim.book(SYMBOL).bids.sizeAtPrice(lost)).toBe(777)
    expect(h.session.feed.stats.gaps).toBe(0)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    await eventually("equal after reconnect", () => syncedAndEqual(h))
  })

  it("delivers trades with the taker side and the exact trade id", async () => {
    const h = await start()
    const random = prng(19)
    await firstSync(h, random)
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_700_000_000_123_000)
    h.sim.trade(SYMBOL, BID, MID + 1, 100, 1_700_000_000_124_000)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: String(SIM_TID_BASE + 1), exchangeUs: 1_700_000_000_123_000 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 100, takerSide: BID, id: String(SIM_TID_BASE + 2) })
    // A new subscription's first frame repeats recent trades: history, not new prints.
    h.sim.faults.dropConnections()
    await eventually("resynced", () => h.session.connects() >= 2 && syncedAndEqual(h))
    expect(h.trades).toHaveLength(2)
  })
})
