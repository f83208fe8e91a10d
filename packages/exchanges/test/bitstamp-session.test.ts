import type { BookUpdate, MarketListener, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { bitstamp } from "../src/bitstamp/index.ts"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import { eventually, prng, randomBatch, sameBook, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USD"
/** 65,000 USD; BTC/USD trades in whole dollars (tick 100 units at scale 2). */
const MID = 6_500_000
const ETH_MID = 350_000

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
  const sim = await bitstamp.startSimulator({ pingIntervalMs: 0 })
  for (const symbol of symbols) {
    const instrument = sim.instruments.find((i) => i.symbol === symbol)!
    seedBook(sim, instrument, symbol === SYMBOL ? MID : ETH_MID, 40, prng(1))
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
        venue: bitstamp,
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

const btc = (h: Harness) => h.sim.instruments.find((i) => i.symbol === SYMBOL)!

const syncedAndEqual = (h: Harness, symbol = SYMBOL) => {
  const book = h.session.feed.book(symbol)
  return book !== undefined && sameBook(book, h.sim.book(symbol))
}

const synced = (h: Harness, random: () => number) =>
  eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, btc(h), MID, 40, random), false))

describe("Bitstamp connector against the Bitstamp simulator over real sockets", () => {
  it("synchronises from the REST snapshot + buffered diffs and tracks the full book exactly, for two pairs", async () => {
    const h = await start([SYMBOL, "ETH/USD"])
    const eth = h.sim.instruments.find((i) => i.symbol === "ETH/USD")!
    const random = prng(7)
    await synced(h, random)
    await eventually("ETH sync", () => h.session.feed.book("ETH/USD") !== undefined || (randomBatch(h.sim, eth, ETH_MID, 40, random), false))
    for (let i = 0; i < 300; i++) {
      randomBatch(h.sim, btc(h), MID, 40, random)
      randomBatch(h.sim, eth, ETH_MID, 40, random)
    }
    await eventually("books equal", () => syncedAndEqual(h) && syncedAndEqual(h, "ETH/USD"))
    expect(h.session.feed.stats.resyncs).toBe(0)
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "btcusd", base: "BTC", quote: "USD", priceScale: 2, tickSize: 100, sizeScale: 8 })
  })

  it("counts a malformed frame, resynchronises from a new snapshot (its diff is lost), and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await synced(h, random)
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) randomBatch(h.sim, btc(h), MID, 40, random)
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, btc(h), MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame: a diff may be lost")
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
  })

  it("reconnects after a dropped connection, resynchronises, and ends equal; a slow snapshot only delays the sync", async () => {
    const h = await start()
    const random = prng(17)
    await synced(h, random)
    h.sim.faults.setSnapshotDelay(300)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, btc(h), MID, 40, random)
    await eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, btc(h), MID, 40, random), false))
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("cannot detect a withheld diff (no sequence numbers, no checksum): the book silently diverges until a reconnect resyncs it", async () => {
    const h = await start()
    const random = prng(23)
    await synced(h, random)
    const lost = MID - 45 * btc(h).tickSize // outside the levels randomBatch touches, so nothing later overwrites it
    h.sim.setLevel(SYMBOL, BID, lost, 123_456_789)
    h.sim.faults.gap(SYMBOL)
    h.sim.flush()
    const applied = h.session.feed.stats.bookUpdates
    for (let i = 0; i < 10; i++) randomBatch(h.sim, btc(h), MID, 40, random)
    await eventually("later diffs applied", () => h.session.feed.stats.bookUpdates >= applied + 10)
    const book = h.session.feed.book(SYMBOL)!
    expect(book).toBeDefined()
    expect(book.bids.sizeAtPrice(lost)).toBe(0)
    expect(h.sim.book(SYMBOL).bids.sizeAtPrice(lost)).toBe(123_456_789)
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0 })
    h.sim.faults.dropConnections()
    await eventually("resynced and equal", () => (h.session.connects() >= 2 && syncedAndEqual(h)) || (randomBatch(h.sim, btc(h), MID, 40, random), false))
  })

  it("delivers trades normalised with the taker side (type 0 buy / 1 sell) and the exact id text", async () => {
    const h = await start()
    await synced(h, prng(19))
    h.sim.trade(SYMBOL, ASK, MID - 100, 14_406_384, 1_583_691_851_934_000)
    h.sim.trade(SYMBOL, BID, MID, 108_000_000, 1_583_691_852_000_000)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 100, size: 14_406_384, takerSide: ASK, id: "450000001", exchangeUs: 1_583_691_851_934_000 })
    expect(h.trades[1]).toMatchObject({ price: MID, size: 108_000_000, takerSide: BID, id: "450000002" })
  })
})
