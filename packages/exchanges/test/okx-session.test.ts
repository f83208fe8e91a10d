import { ASK, BID } from "@hft/core"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import type { FeedTransport, RestRequest } from "../src/feed.ts"
import { okx } from "../src/okx/index.ts"
import { OkxFeed, PING_AFTER_US } from "../src/okx/session.ts"
import { type OkxSimulatorHandle, type OkxSimulatorOptions, startOkxSimulator } from "../src/okx/simulator.ts"
import { type Harness, startHarness } from "./okx-deribit-harness.ts"
import { eventually } from "./sim-driver.ts"

const SYMBOL = "BTC/USDT"
/** 65,000.0 USDT at OKX's BTC-USDT tick of 0.1. */
const MID = 650_000

let open: Harness<OkxSimulatorHandle> | undefined

afterEach(async () => {
  await open?.close()
  open = undefined
})

const start = async (seed: number, options: OkxSimulatorOptions = {}): Promise<Harness<OkxSimulatorHandle>> => {
  open = await startHarness(okx, () => startOkxSimulator({ pingIntervalMs: 0, ...options }), SYMBOL, MID, seed)
  return open
}

describe("OKX connector against the OKX simulator over real sockets", () => {
  it("synchronises from the WS snapshot and tracks the simulator's book exactly", async () => {
    const h = await start(1)
    await h.synced()
    for (let i = 0; i < 200; i++) h.batch()
    await h.converged("books equal")
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0, checksumFailures: 0 })
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTC-USDT", base: "BTC", quote: "USDT", priceScale: 1, sizeScale: 8 })
    expect(h.incidents.some((i) => i.detail.includes("REST"))).toBe(false)
  })

  it("falls back to a REST snapshot by itself when no WS snapshot comes, and ends equal", async () => {
    const h = await start(2, { snapshotMode: "rest" })
    await h.synced()
    for (let i = 0; i < 200; i++) h.batch()
    await h.converged("books equal")
    expect(h.incidents.some((i) => i.detail === "no WS snapshot: synchronising from REST")).toBe(true)
    expect(h.session.feed.stats.gaps).toBe(0)
  })

  it("accepts idle updates (prevSeqId == seqId) and a sequence reset after maintenance without resyncing", async () => {
    const h = await start(3)
    await h.synced()
    h.sim.idleUpdate(SYMBOL)
    h.sim.resetSequence(SYMBOL)
    h.batch()
    h.sim.idleUpdate(SYMBOL)
    for (let i = 0; i < 20; i++) h.batch()
    await h.converged("books equal")
    expect(h.session.feed.stats.gaps).toBe(0)
    expect(h.session.feed.stats.resyncs).toBe(0)
  })

  for (const mode of ["ws", "rest"] as const) {
    it(`detects an injected gap, resubscribes, and ends equal (${mode} snapshots)`, async () => {
      const h = await start(4, { snapshotMode: mode })
      await h.synced()
      h.sim.faults.gap(SYMBOL)
      for (let i = 0; i < 5; i++) h.batch()
      await eventually("gap detected", () => h.session.feed.stats.gaps >= 1)
      await h.converged("resynced and equal")
      expect(h.incidents.some((i) => i.kind === "gap")).toBe(true)
      expect(h.invalidations).toContain("sequence gap")
      expect(h.session.feed.stats.resyncs).toBeGreaterThanOrEqual(1)
      expect(h.session.connects()).toBe(1)
    })
  }

  it("verifies non-zero checksums, detects a corrupted one, resubscribes, and ends equal", async () => {
    const h = await start(5, { checksums: true })
    await h.synced()
    for (let i = 0; i < 50; i++) h.batch()
    await h.converged("books equal before the fault")
    expect(h.session.feed.stats.checksumFailures).toBe(0)
    h.sim.faults.badChecksum(SYMBOL)
    h.batch()
    await eventually("checksum failure", () => h.session.feed.stats.checksumFailures === 1)
    await h.converged("resynced and equal")
    expect(h.incidents.some((i) => i.kind === "checksum")).toBe(true)
    expect(h.invalidations).toContain("checksum mismatch")
  })

  it("verifies checksums after a REST snapshot too", async () => {
    const h = await start(6, { checksums: true, snapshotMode: "rest" })
    await h.synced()
    for (let i = 0; i < 50; i++) h.batch()
    h.sim.faults.badChecksum(SYMBOL)
    h.batch()
    await eventually("checksum failure", () => h.session.feed.stats.checksumFailures === 1)
    await h.converged("resynced and equal")
  })

  it("counts a malformed frame, repairs the lost update, and ends equal", async () => {
    const h = await start(7)
    await h.synced()
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) h.batch()
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await h.converged("resynced and equal")
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.session.feed.stats.gaps).toBeGreaterThanOrEqual(1)
  })

  it("reconnects after a dropped connection and ends equal; a slow REST snapshot only delays the sync", async () => {
    const h = await start(8, { snapshotMode: "rest" })
    await h.synced()
    h.sim.faults.setSnapshotDelay(300)
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) h.batch()
    await h.converged("resynced and equal")
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers trades normalised with the taker side", async () => {
    const h = await start(9)
    await h.synced()
    h.sim.trade(SYMBOL, ASK, MID - 1, 12_345_678, 1_786_538_760_218_000)
    h.sim.trade(SYMBOL, BID, MID + 1, 1_000, 1_786_538_760_219_000)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 12_345_678, takerSide: ASK, id: "1", exchangeUs: 1_786_538_760_218_000 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 1_000, takerSide: BID, id: "2" })
  })

  it("answers a text ping with pong, and the venue rejects an unknown instrument with an error event", async () => {
    const sim = await startOkxSimulator({ pingIntervalMs: 0 })
    try {
      const ws = new WebSocket(`${sim.wsUrl}/ws/v5/public`)
      const frames: Array<string> = []
      ws.on("message", (data: Buffer) => frames.push(data.toString()))
      await new Promise((resolve) => ws.once("open", resolve))
      ws.send("ping")
      ws.send(JSON.stringify({ id: "7", op: "subscribe", args: [{ channel: "books", instId: "NOPE-USDT" }] }))
      await eventually("replies", () => frames.length >= 2)
      expect(frames[0]).toBe("pong")
      expect(JSON.parse(frames[1]!)).toMatchObject({ id: "7", event: "error", code: "60018" })
      ws.close()
    } finally {
      await sim.close()
    }
  })
})

/** A feed driven by hand, as a capture replay drives it: frames and REST answers in receive order. */
const replayFeed = () => {
  const sent: Array<string> = []
  const requests: Array<RestRequest> = []
  const reconnects: Array<string> = []
  const books: Array<ReadonlyArray<readonly [number, number]>> = []
  const transport: FeedTransport = {
    request: (r) => void requests.push(r),
    connect: () => {},
    send: (text) => void sent.push(text),
    reconnect: (reason) => void reconnects.push(reason)
  }
  const feed = new OkxFeed({ symbols: [SYMBOL], listener: { onBook: (u) => void books.push(u.book.top(BID, 10)), onTrade: () => {} }, transport })
  feed.start()
  feed.onRest(requests[0]!, 200, `{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","state":"live"}]}`, 0)
  feed.onOpen()
  feed.onFrame(`{"id":"1","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}`, 0, 0)
  const update = (prev: number, seq: number, bid: string) =>
    feed.onFrame(`{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["${bid}","1","0","1"]],"ts":"1","checksum":0,"prevSeqId":${prev},"seqId":${seq}}]}`, 0, 0)
  const rest = (seq: number) =>
    feed.onRest(requests.at(-1)!, 200, `{"code":"0","msg":"","data":[{"asks":[["65000.5","1","0","1"]],"bids":[["64990","2","0","1"]],"ts":"1","seqId":${seq}}]}`, 0)
  return { feed, sent, requests, reconnects, books, update, rest }
}

describe("OKX REST snapshot synchronisation (replayed)", () => {
  it("buffers updates, drops those the snapshot contains, and applies the one straddling it", () => {
    const r = replayFeed()
    r.update(10, 15, "64991")
    expect(r.requests.at(-1)!.path).toBe("/api/v5/market/books?instId=BTC-USDT&sz=400&source=0")
    r.update(15, 18, "64992")
    r.update(18, 20, "64993")
    r.rest(18)
    // 15 and 18 are in the snapshot; 20 straddles it (prevSeqId 18 <= 18 < 20).
    expect(r.feed.book(SYMBOL)?.top(BID, 10)).toEqual([[649930, 100_000_000], [649900, 200_000_000]])
    r.update(20, 22, "64994")
    expect(r.feed.book(SYMBOL)?.bestBid()).toBe(649940)
    expect(r.feed.stats.gaps).toBe(0)
  })

  it("after a snapshot newer than every buffered update, requires the next update to straddle it", () => {
    const r = replayFeed()
    r.update(10, 15, "64991")
    r.rest(17)
    expect(r.feed.book(SYMBOL)?.bestBid()).toBe(649900)
    r.update(15, 17, "64992") // already in the snapshot: dropped
    r.update(17, 21, "64995") // prevSeqId 17 <= 17 < 21: applied
    expect(r.feed.book(SYMBOL)?.bestBid()).toBe(649950)
    expect(r.feed.stats.gaps).toBe(0)
    r.update(22, 23, "64996") // prevSeqId must now be 21
    expect(r.feed.stats.gaps).toBe(1)
    expect(r.feed.book(SYMBOL)).toBeUndefined()
    expect(r.sent.slice(-2).map((t) => JSON.parse(t).op)).toEqual(["unsubscribe", "subscribe"])
  })

  it("asks again when the snapshot is older than the first buffered update", () => {
    const r = replayFeed()
    r.update(10, 15, "64991")
    const asked = r.requests.length
    r.rest(9)
    expect(r.feed.book(SYMBOL)).toBeUndefined()
    expect(r.requests.length).toBe(asked + 1)
    r.rest(12)
    expect(r.feed.book(SYMBOL)?.bestBid()).toBe(649910)
  })

  it("reconnects on the documented 64008 service-upgrade notice", () => {
    const r = replayFeed()
    r.feed.onFrame(`{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}`, 0, 0)
    expect(r.reconnects).toHaveLength(1)
  })
})

describe("OKX feed keep-alive", () => {
  it("sends a text ping from onTick once nothing arrived for 20 s, and not before", () => {
    const sent: Array<string> = []
    const requests: Array<RestRequest> = []
    const transport: FeedTransport = {
      request: (r) => void requests.push(r),
      connect: () => {},
      send: (text) => void sent.push(text),
      reconnect: () => {}
    }
    const feed = new OkxFeed({ symbols: [SYMBOL], listener: { onBook: () => {}, onTrade: () => {} }, transport })
    feed.start()
    feed.onRest(requests[0]!, 200, `{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","state":"live"}]}`, 0)
    const t0 = 1_800_000_000_000_000
    feed.onTick(t0)
    feed.onOpen()
    feed.onFrame(`{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}`, t0, 0)
    sent.length = 0
    feed.onTick(t0 + PING_AFTER_US - 1_000_000)
    expect(sent).toEqual([])
    feed.onTick(t0 + PING_AFTER_US)
    expect(sent).toEqual(["ping"])
    feed.onTick(t0 + PING_AFTER_US + 1_000_000)
    expect(sent).toEqual(["ping"])
    feed.onFrame("pong", t0 + PING_AFTER_US + 1_000_000, 0)
    expect(feed.stats.malformed).toBe(0)
  })
})
