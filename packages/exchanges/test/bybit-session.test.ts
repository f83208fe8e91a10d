import type { BookUpdate, MarketListener, OrderBook, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { bybit } from "../src/bybit/index.ts"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USDT"
/** 65,000.0 USDT at Bybit's BTCUSDT tick of 0.1. */
const MID = 650_000
/** The feed subscribes orderbook.50: only the top 50 levels are Bybit's book. */
const DEPTH = 50
/** The simulated book is deeper than the window, so levels leave and enter it. */
const LEVELS = 80

interface Harness {
  readonly sim: SimulatorHandle
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

const start = async (symbols: ReadonlyArray<string> = [SYMBOL]): Promise<Harness> => {
  const sim = await bybit.startSimulator({ pingIntervalMs: 0 })
  for (const symbol of symbols) {
    const instrument = sim.instruments.find((i) => i.symbol === symbol)!
    seedBook(sim, instrument, symbol === SYMBOL ? MID : 350_000, LEVELS, prng(1))
  }
  const scope = Effect.runSync(Scope.make())
  const harness: Omit<Harness, "session"> & { session?: FeedSession } = { sim, incidents: [], trades: [], invalidations: [], scope }
  const listener: MarketListener = {
    onBook: (_u: BookUpdate) => {},
    onTrade: (t) => void harness.trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void harness.invalidations.push(reason)
  }
  harness.session = await Effect.runPromise(
    Scope.provide(scope)(
      runSession({
        venue: bybit,
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

const sameTop = (a: OrderBook, b: OrderBook, n: number): boolean =>
  JSON.stringify([a.top(BID, n), a.top(ASK, n)]) === JSON.stringify([b.top(BID, n), b.top(ASK, n)])

const syncedAndEqual = (h: Harness, symbol = SYMBOL) => {
  const book = h.session.feed.book(symbol)
  return book !== undefined && book.bids.count <= DEPTH && book.asks.count <= DEPTH && sameTop(book, h.sim.book(symbol), DEPTH)
}

const btc = (h: Harness) => h.sim.instruments.find((i) => i.symbol === SYMBOL)!

const synced = (h: Harness, random: () => number) =>
  eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, btc(h), MID, LEVELS, random), false))

describe("Bybit connector against the Bybit simulator over real sockets", () => {
  it("synchronises from the WS snapshot + deltas and tracks the top 50 of a deeper book exactly, for two symbols", async () => {
    const h = await start([SYMBOL, "ETH/USDT"])
    const eth = h.sim.instruments.find((i) => i.symbol === "ETH/USDT")!
    const random = prng(7)
    await synced(h, random)
    await eventually("ETH sync", () => h.session.feed.book("ETH/USDT") !== undefined)
    for (let i = 0; i < 300; i++) {
      randomBatch(h.sim, btc(h), MID, LEVELS, random)
      randomBatch(h.sim, eth, 350_000, LEVELS, random)
    }
    await eventually("books equal", () => syncedAndEqual(h) && syncedAndEqual(h, "ETH/USDT"))
    expect(h.sim.book(SYMBOL).bids.count).toBeGreaterThan(DEPTH)
    expect(h.session.feed.stats.gaps).toBe(0)
    expect(h.session.feed.stats.resyncs).toBe(0)
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTCUSDT", base: "BTC", quote: "USDT", priceScale: 1, sizeScale: 6 })
  })

  it("detects an injected gap in u, resubscribes for a fresh snapshot, and ends equal", async () => {
    const h = await start()
    const random = prng(11)
    await synced(h, random)
    h.sim.faults.gap(SYMBOL)
    for (let i = 0; i < 5; i++) randomBatch(h.sim, btc(h), MID, LEVELS, random)
    await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, btc(h), MID, LEVELS, random), false))
    expect(h.incidents.some((i) => i.kind === "gap" && /skips 1 update/.test(i.detail))).toBe(true)
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
    expect(h.invalidations).toContain("sequence gap")
    expect(h.session.connects()).toBe(1)
  })

  it("counts a malformed frame, catches the lost delta by its u, and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await synced(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, btc(h), MID, LEVELS, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, btc(h), MID, LEVELS, random), false))
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.session.feed.stats.gaps).toBeGreaterThanOrEqual(1)
  })

  it("reconnects after a dropped connection, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(17)
    await synced(h, random)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, btc(h), MID, LEVELS, random)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, btc(h), MID, LEVELS, random), false))
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers trades normalised with the taker side and the id kept exact beyond 2^53", async () => {
    const h = await start()
    await synced(h, prng(19))
    h.sim.trade(SYMBOL, ASK, MID - 1, 3_250, 1_786_538_700_833_000)
    h.sim.trade(SYMBOL, BID, MID + 1, 7_799, 1_786_538_700_834_000)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 3_250, takerSide: ASK, id: "2290000000000000001", exchangeUs: 1_786_538_700_833_000 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 7_799, takerSide: BID, id: "2290000000000000002" })
  })
})
