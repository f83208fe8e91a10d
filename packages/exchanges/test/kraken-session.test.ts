import type { BookUpdate, MarketListener, OrderBook, TradePrint } from "@hft/core"
import { ASK, BID } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import { kraken } from "../src/kraken/index.ts"
import { KrakenFeed } from "../src/kraken/session.ts"
import { KRAKEN_SIM_CONNECTION_ID_BASE } from "../src/kraken/simulator.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import type { Venue } from "../src/venue.ts"
import { eventually, prng, randomBatch, seedBook } from "./sim-driver.ts"

const SYMBOL = "BTC/USD"
const MID = 650_000

interface Harness {
  readonly sim: SimulatorHandle
  readonly session: FeedSession
  readonly depth: number
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

/** The Kraken venue with its feed subscribing at `depth` (the session has no depth option). */
const atDepth = (depth: number): Venue => ({ ...kraken, makeFeed: (options) => new KrakenFeed({ ...options, depth }) })

const start = async (depth = 10): Promise<Harness> => {
  const sim = await kraken.startSimulator({ pingIntervalMs: 0 })
  const instrument = sim.instruments.find((i) => i.symbol === SYMBOL)!
  seedBook(sim, instrument, MID, 40, prng(1))
  const scope = Effect.runSync(Scope.make())
  const harness: Omit<Harness, "session"> & { session?: FeedSession } = { sim, depth, incidents: [], trades: [], invalidations: [], scope }
  const listener: MarketListener = {
    onBook: (_u: BookUpdate) => {},
    onTrade: (t) => void harness.trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void harness.invalidations.push(reason)
  }
  harness.session = await Effect.runPromise(
    Scope.provide(scope)(
      runSession({
        venue: atDepth(depth),
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

/** The top `n` levels of both sides are identical. */
const sameTop = (a: OrderBook, b: OrderBook, n: number): boolean =>
  JSON.stringify([a.top(BID, n), a.top(ASK, n)]) === JSON.stringify([b.top(BID, n), b.top(ASK, n)])

/** The connector holds exactly the simulator's top N (N = subscribed depth) and no more. */
const syncedAndEqual = (h: Harness): boolean => {
  const book = h.session.feed.book(SYMBOL)
  return book !== undefined && book.bids.count <= h.depth && book.asks.count <= h.depth && sameTop(book, h.sim.book(SYMBOL), h.depth)
}

const instrumentOf = (h: Harness) => h.sim.instruments.find((i) => i.symbol === SYMBOL)!

/** Waits for the first sync while the market moves. */
const firstSync = (h: Harness, random: () => number) =>
  eventually("first sync", () => h.session.feed.book(SYMBOL) !== undefined || (randomBatch(h.sim, instrumentOf(h), MID, 40, random), false))

/** Moves the market until the connector's book equals the simulator's top N. */
const converge = (h: Harness, random: () => number) =>
  eventually("resynced and equal", () => syncedAndEqual(h) || (randomBatch(h.sim, instrumentOf(h), MID, 40, random), false))

describe("Kraken connector against the Kraken simulator over real sockets", () => {
  it("synchronises from the WS snapshot + checksummed updates and tracks the top 10 exactly", async () => {
    const h = await start()
    const random = prng(7)
    await firstSync(h, random)
    for (let i = 0; i < 300; i++) randomBatch(h.sim, instrumentOf(h), MID, 40, random)
    await eventually("books equal", () => syncedAndEqual(h))
    const feed = h.session.feed as KrakenFeed
    expect(feed.stats).toMatchObject({ checksumFailures: 0, resyncs: 0, malformed: 0, gaps: 0 })
    expect(feed.stats.bookUpdates).toBeGreaterThan(100)
    expect(feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTC/USD", priceScale: 1, sizeScale: 8 })
    expect(feed.connectionId()).toBe(KRAKEN_SIM_CONNECTION_ID_BASE.toString())
    expect(BigInt(feed.connectionId()) > 2n ** 53n).toBe(true)
  })

  for (const depth of [25, 100]) {
    it(`tracks the top ${depth} at depth ${depth}, levels leaving and re-entering the range included`, async () => {
      const h = await start(depth)
      const random = prng(depth)
      await firstSync(h, random)
      for (let i = 0; i < 300; i++) randomBatch(h.sim, instrumentOf(h), MID, 40, random)
      await eventually("books equal", () => syncedAndEqual(h))
      expect(h.session.feed.stats).toMatchObject({ checksumFailures: 0, resyncs: 0 })
    })
  }

  it("detects a withheld update (gap) through the next checksum, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(11)
    await firstSync(h, random)
    const truth = h.sim.book(SYMBOL)
    h.sim.faults.gap(SYMBOL)
    h.sim.setLevel(SYMBOL, BID, truth.bestBid(), truth.bestBidSize() + 1)
    h.sim.flush()
    // The next update the connector does get carries a checksum of a book it does not have.
    h.sim.setLevel(SYMBOL, ASK, truth.asks.priceAt(4), truth.asks.sizeAt(4) + 1)
    h.sim.flush()
    await eventually("checksum failure", () => h.session.feed.stats.checksumFailures >= 1)
    await converge(h, random)
    expect(h.incidents.some((i) => i.kind === "checksum")).toBe(true)
    expect(h.invalidations).toContain("checksum mismatch")
    expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
    expect(h.session.connects()).toBe(1)
  })

  it("detects a bad checksum, resubscribes, and ends equal", async () => {
    const h = await start()
    const random = prng(13)
    await firstSync(h, random)
    h.sim.faults.badChecksum(SYMBOL)
    await eventually("checksum failure", () => h.session.feed.stats.checksumFailures >= 1 || (randomBatch(h.sim, instrumentOf(h), MID, 40, random), false))
    await converge(h, random)
    expect(h.session.feed.stats.checksumFailures).toBe(1)
    expect(h.invalidations).toEqual(["checksum mismatch"])
  })

  it("counts a malformed book frame, resubscribes that book, and ends equal", async () => {
    const h = await start()
    const random = prng(17)
    await firstSync(h, random)
    const truth = h.sim.book(SYMBOL)
    h.sim.faults.malformed()
    h.sim.setLevel(SYMBOL, BID, truth.bestBid(), truth.bestBidSize() + 1)
    h.sim.flush()
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await converge(h, random)
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.invalidations).toContain("malformed frame")
  })

  it("reconnects after a dropped connection, resubscribes from the instrument list, and ends equal", async () => {
    const h = await start()
    const random = prng(19)
    await firstSync(h, random)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) randomBatch(h.sim, instrumentOf(h), MID, 40, random)
    await converge(h, random)
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
    expect((h.session.feed as KrakenFeed).connectionId()).toBe((KRAKEN_SIM_CONNECTION_ID_BASE + 1n).toString())
  })

  it("delivers trades normalised with the taker side", async () => {
    const h = await start()
    await firstSync(h, prng(23))
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_700_000_000_123_456)
    h.sim.trade(SYMBOL, BID, MID + 1, 5, 1_700_000_000_200_000)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: "1", exchangeUs: 1_700_000_000_123_456 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 5, takerSide: BID, id: "2" })
  })
})

describe("Kraken simulator wire protocol", () => {
  it("status first; per-symbol acks and errors; snapshot; pong; heartbeat when idle", async () => {
    const sim = await kraken.startSimulator({ pingIntervalMs: 0 })
    const frames: Array<Record<string, unknown>> = []
    const ws = new WebSocket(`${sim.wsUrl}/v2`)
    try {
      ws.on("message", (data: Buffer) => void frames.push(JSON.parse(data.toString()) as Record<string, unknown>))
      await new Promise((resolve) => ws.once("open", resolve))
      ws.send(JSON.stringify({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD", "ETH/USD", "XBT/EUR"], depth: 25 }, req_id: 7 }))
      ws.send(JSON.stringify({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"], depth: 20 }, req_id: 8 }))
      ws.send(JSON.stringify({ method: "ping", req_id: 9 }))
      await eventually("replies", () => frames.length >= 8)
      expect(frames[0]).toMatchObject({ channel: "status", type: "update", data: [{ system: "online", api_version: "v2" }] })
      expect(frames.slice(1, 6)).toMatchObject([
        { method: "subscribe", req_id: 7, success: true, result: { channel: "book", depth: 25, snapshot: true, symbol: "BTC/USD" } },
        { channel: "book", type: "snapshot", data: [{ symbol: "BTC/USD", bids: [], asks: [], checksum: 0 }] },
        { method: "subscribe", req_id: 7, success: true, result: { channel: "book", symbol: "ETH/USD" } },
        { channel: "book", type: "snapshot", data: [{ symbol: "ETH/USD" }] },
        { method: "subscribe", req_id: 7, success: false, symbol: "XBT/EUR", error: "Currency pair not supported" }
      ])
      expect(frames[6]).toMatchObject({ method: "subscribe", req_id: 8, success: false })
      expect(frames[7]).toMatchObject({ method: "pong", req_id: 9 })
      await eventually("heartbeat", () => frames.some((f) => f["channel"] === "heartbeat"), 5_000)
    } finally {
      ws.terminate()
      await sim.close()
    }
  })
})
