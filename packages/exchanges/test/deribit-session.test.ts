import { ASK, BID } from "@hft/core"
import { afterEach, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { deribit } from "../src/deribit/index.ts"
import { type DeribitSimulatorHandle, type DeribitSimulatorOptions, startDeribitSimulator } from "../src/deribit/simulator.ts"
import { type Harness, startHarness } from "./okx-deribit-harness.ts"
import { eventually } from "./sim-driver.ts"

const SYMBOL = "BTC/USDC"
/** 65,000.00 USDC at BTC_USDC's tick of 0.01. */
const MID = 6_500_000

let open: Harness<DeribitSimulatorHandle> | undefined

afterEach(async () => {
  await open?.close()
  open = undefined
})

const start = async (seed: number, options: DeribitSimulatorOptions = {}): Promise<Harness<DeribitSimulatorHandle>> => {
  open = await startHarness(deribit, () => startDeribitSimulator({ pingIntervalMs: 0, ...options }), SYMBOL, MID, seed)
  return open
}

describe("Deribit connector against the Deribit simulator over real sockets", () => {
  it("synchronises from the snapshot notification and tracks the simulator's book exactly", async () => {
    const h = await start(1)
    await h.synced()
    for (let i = 0; i < 200; i++) h.batch()
    await h.converged("books equal")
    expect(h.session.feed.stats).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0 })
    expect(h.session.feed.instrument(SYMBOL)).toMatchObject({ venueSymbol: "BTC_USDC", base: "BTC", quote: "USDC", priceScale: 2, sizeScale: 8 })
    expect(h.incidents.filter((i) => i.kind === "rejected")).toEqual([])
  })

  it("detects an injected gap, resubscribes, and ends equal", async () => {
    const h = await start(2)
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

  it("counts a malformed frame, repairs the lost change, and ends equal", async () => {
    const h = await start(3)
    await h.synced()
    h.sim.faults.malformed()
    for (let i = 0; i < 5; i++) h.batch()
    await eventually("malformed counted", () => h.session.feed.stats.malformed >= 1)
    await h.converged("resynced and equal")
    expect(h.incidents.some((i) => i.kind === "malformed")).toBe(true)
    expect(h.session.feed.stats.gaps).toBeGreaterThanOrEqual(1)
  })

  it("reconnects after a dropped connection and ends equal", async () => {
    const h = await start(4)
    await h.synced()
    h.sim.faults.dropConnections()
    await eventually("reconnected", () => h.session.connects() >= 2)
    for (let i = 0; i < 20; i++) h.batch()
    await h.converged("resynced and equal")
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(true)
    expect(h.invalidations.some((r) => r.startsWith("disconnected"))).toBe(true)
  })

  it("delivers trades normalised with the taker side and µs exchange time from starbase_timestamp", async () => {
    const h = await start(5)
    await h.synced()
    h.sim.trade(SYMBOL, ASK, MID - 1, 4_923, 1_786_563_104_514_208)
    h.sim.trade(SYMBOL, BID, MID + 1, 30_284_909, 1_786_563_105_791_729)
    await eventually("trades", () => h.trades.length === 2)
    expect(h.trades[0]).toMatchObject({ price: MID - 1, size: 4_923, takerSide: ASK, id: "1", exchangeUs: 1_786_563_104_514_208 })
    expect(h.trades[1]).toMatchObject({ price: MID + 1, size: 30_284_909, takerSide: BID, id: "2", exchangeUs: 1_786_563_105_791_729 })
  })

  it("answers every test_request with public/test and so keeps its connection", async () => {
    // Generous interval: simulator and client share one event loop, and a stall must not look like a missed reply.
    const h = await start(6, { heartbeatMs: 200 })
    await h.synced()
    await eventually("test requests answered", () => h.sim.testResponses() >= 3)
    expect(h.session.connects()).toBe(1)
    expect(h.incidents.some((i) => i.kind === "disconnect")).toBe(false)
  })

  it("closes a connection that leaves a test_request unanswered (what the feed avoids)", async () => {
    const sim = await startDeribitSimulator({ pingIntervalMs: 0, heartbeatMs: 40 })
    try {
      const ws = new WebSocket(`${sim.wsUrl}/ws/api/v2`)
      const frames: Array<string> = []
      ws.on("message", (data: Buffer) => frames.push(data.toString()))
      const closed = new Promise((resolve) => ws.once("close", resolve))
      await new Promise((resolve) => ws.once("open", resolve))
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "public/set_heartbeat", params: { interval: 30 } }))
      await closed
      expect(JSON.parse(frames[0]!)).toMatchObject({ jsonrpc: "2.0", id: 9, result: "ok" })
      expect(typeof JSON.parse(frames[0]!).usIn).toBe("string")
      expect(frames).toContain(`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`)
    } finally {
      await sim.close()
    }
  })
})
