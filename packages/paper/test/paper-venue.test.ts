import { BID, ASK, isTerminal, mulDivCeil, PPM } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DEFAULT_ACK_LATENCY, DEFAULT_ENTRY_LATENCY, fixedLatency } from "../src/latency.ts"
import { Harness, TEST_INSTRUMENT } from "./harness.ts"

const fee = (price: number, size: number, ppm: number): bigint => mulDivCeil(BigInt(price * size), BigInt(ppm), PPM)

describe("taking liquidity", () => {
  it("a market order walks the levels: one fill per level, VWAP average, taker fee on each", () => {
    const h = new Harness({ takerPpm: 1000, makerPpm: 200 })
    h.book([[6_499_900, 4]], [[6_500_000, 2], [6_500_100, 3], [6_500_300, 5]])
    const o = h.submit({ side: BID, type: "market", size: 6, tif: "IOC" })
    h.run()
    const fills = h.recorder.fillsOf(o.id)
    expect(fills.map((f) => [f.price, f.size])).toEqual([[6_500_000, 2], [6_500_100, 3], [6_500_300, 1]])
    expect(fills.every((f) => f.liquidity === "taker" && f.side === BID)).toBe(true)
    expect(fills.map((f) => f.fee)).toEqual([fee(6_500_000, 2, 1000), fee(6_500_100, 3, 1000), fee(6_500_300, 1, 1000)])
    // 0.1 % of the notional, rounded up: 6_500_000 × 2 × 0.001 = 13_000 exactly.
    expect(fills[0]!.fee).toBe(13_000n)
    expect(o.status).toBe("filled")
    expect(o.filled).toBe(6)
    expect(o.filledNotional).toBe(6_500_000n * 2n + 6_500_100n * 3n + 6_500_300n)
    const vwap = Number(o.filledNotional) / o.filled
    expect(vwap).toBeCloseTo((6_500_000 * 2 + 6_500_100 * 3 + 6_500_300) / 6, 9)
    expect(h.recorder.eventsOf(o.id).map((e) => e.type)).toEqual(["accept", "fill", "fill", "fill"])
  })

  it("a market sell walks the bids downward; fees round up", () => {
    const h = new Harness({ takerPpm: 1000 })
    h.book([[101, 1], [100, 1], [99, 7]], [[102, 5]])
    const o = h.submit({ side: ASK, type: "market", size: 3, tif: "IOC" })
    h.run()
    expect(h.recorder.fillsOf(o.id).map((f) => [f.price, f.size, f.fee])).toEqual([
      [101, 1, 1n], // 101 × 0.001 = 0.101 → 1
      [100, 1, 1n],
      [99, 1, 1n]
    ])
  })

  it("a market order larger than the book fills what there is and expires the rest", () => {
    const h = new Harness()
    h.book([[99, 1]], [[100, 2], [101, 1]])
    const o = h.submit({ side: BID, type: "market", size: 5, tif: "IOC" })
    h.run()
    expect(o.filled).toBe(3)
    expect(o.status).toBe("expired")
    const empty = h.submit({ side: BID, type: "market", size: 1, tif: "IOC" })
    h.run()
    expect(empty.status).toBe("expired")
    expect(empty.reason).toBe("no liquidity")
  })

  it("IOC takes what crosses up to its limit and expires the rest", () => {
    const h = new Harness()
    h.book([[99, 3]], [[100, 2], [101, 3], [102, 5]])
    const o = h.submit({ side: BID, price: 101, size: 10, tif: "IOC" })
    h.run()
    expect(h.recorder.fillsOf(o.id).map((f) => [f.price, f.size])).toEqual([[100, 2], [101, 3]])
    expect(o.status).toBe("expired")
    expect(o.filled).toBe(5)
    expect(h.venue.restingCount()).toBe(0)
  })

  it("FOK fills in full or not at all", () => {
    const h = new Harness()
    h.book([[99, 3]], [[100, 2], [101, 3], [102, 5]])
    const tooBig = h.submit({ side: BID, price: 101, size: 6, tif: "FOK" })
    h.run()
    expect(tooBig.status).toBe("expired")
    expect(tooBig.filled).toBe(0)
    expect(h.recorder.fillsOf(tooBig.id)).toEqual([])
    // Nothing was consumed by the killed order: the whole 5 is still there.
    const fits = h.submit({ side: BID, price: 101, size: 5, tif: "FOK" })
    h.run()
    expect(fits.status).toBe("filled")
    expect(h.recorder.fillsOf(fits.id).map((f) => [f.price, f.size])).toEqual([[100, 2], [101, 3]])
  })

  it("post-only is rejected when it would take, accepted and resting when it would not", () => {
    const h = new Harness()
    h.book([[99, 3]], [[100, 2]])
    const crossing = h.submit({ side: BID, price: 100, size: 1, postOnly: true })
    const passive = h.submit({ side: BID, price: 99, size: 1, postOnly: true })
    const sell = h.submit({ side: ASK, price: 99, size: 1, postOnly: true })
    h.run()
    expect(crossing.status).toBe("rejected")
    expect(crossing.reason).toMatch(/post-only/)
    expect(passive.status).toBe("accepted")
    expect(h.venue.isResting(passive.id)).toBe(true)
    expect(sell.status).toBe("rejected")
    expect(h.recorder.fills).toEqual([])
  })

  it("a GTC limit takes what crosses and rests the remainder at its price", () => {
    const h = new Harness()
    h.book([[99, 3]], [[100, 2], [102, 5]])
    const o = h.submit({ side: BID, price: 101, size: 5 })
    h.run()
    expect(o.status).toBe("partially_filled")
    expect(o.filled).toBe(2)
    expect(h.venue.restingSize(o.id)).toBe(3)
    expect(h.venue.queueAhead(o.id)).toBe(0)
    h.trade("sell", 101, 3)
    h.run()
    expect(o.status).toBe("filled")
    expect(h.recorder.fillsOf(o.id).map((f) => [f.price, f.size, f.liquidity])).toEqual([
      [100, 2, "taker"],
      [101, 3, "maker"]
    ])
  })

  it("rejects malformed orders and orders without market data", () => {
    const h = new Harness()
    const noBook = h.submit({ side: BID, price: 100, size: 1 })
    h.run()
    expect(noBook.status).toBe("rejected")
    expect(noBook.reason).toBe("no market data")
    h.book([[99, 3]], [[100, 2]])
    const zero = h.submit({ side: BID, price: 100, size: 0 })
    const fractional = h.submit({ side: BID, price: 99.5, size: 1 })
    const otherSymbol = h.submit({ side: BID, price: 99, size: 1, symbol: "ETH/USDT" })
    const otherVenue = h.submit({ side: BID, price: 99, size: 1, venue: "elsewhere" })
    h.run()
    expect([zero, fractional, otherSymbol, otherVenue].map((o) => o.status)).toEqual(["rejected", "rejected", "rejected", "rejected"])
    const lots = new Harness({ instrument: { ...TEST_INSTRUMENT, lotSize: 5, minSize: 10, tickSize: 10, minNotional: 5_000n } })
    lots.book([[990, 100]], [[1_000, 100]])
    const offLot = lots.submit({ side: BID, type: "market", size: 12, tif: "IOC" })
    const small = lots.submit({ side: BID, type: "market", size: 5, tif: "IOC" })
    const offTick = lots.submit({ side: BID, price: 995, size: 10 })
    const tiny = lots.submit({ side: BID, price: 480, size: 10 })
    const ok = lots.submit({ side: BID, price: 500, size: 10 })
    lots.run()
    expect([offLot, small, offTick, tiny, ok].map((o) => o.reason ?? o.status)).toEqual([
      "invalid size",
      "below min size",
      "invalid price",
      "below min notional",
      "accepted"
    ])
    h.feed.invalidate("gap")
    const invalid = h.submit({ side: BID, type: "market", size: 1, tif: "IOC" })
    h.run()
    expect(invalid.status).toBe("rejected")
  })
})

describe("liquidity consumed by our own orders", () => {
  it("is not available to the next order until the venue updates that level", () => {
    const h = new Harness()
    h.book([[99, 5]], [[100, 5], [101, 5]])
    const a = h.submit({ side: BID, type: "market", size: 3, tif: "IOC" })
    const b = h.submit({ side: BID, type: "market", size: 3, tif: "IOC" })
    h.run()
    expect(h.recorder.fillsOf(a.id).map((f) => [f.price, f.size])).toEqual([[100, 3]])
    expect(h.recorder.fillsOf(b.id).map((f) => [f.price, f.size])).toEqual([[100, 2], [101, 1]])
    // A book update elsewhere leaves the overlay in place …
    h.book([[98, 1]], [])
    const c = h.submit({ side: BID, price: 100, size: 1, tif: "IOC" })
    h.run()
    expect(c.status).toBe("expired")
    expect(c.filled).toBe(0)
    // … while an update of the level itself is the venue's new word.
    h.book([], [[100, 4]])
    const d = h.submit({ side: BID, price: 100, size: 9, tif: "IOC" })
    h.run()
    expect(h.recorder.fillsOf(d.id).map((f) => [f.price, f.size])).toEqual([[100, 4]])
  })

  it("a sell side taker does not use liquidity consumed on the bid", () => {
    const h = new Harness()
    h.book([[99, 2]], [[100, 5]])
    h.submit({ side: ASK, price: 99, size: 2, tif: "IOC" })
    const second = h.submit({ side: ASK, price: 99, size: 1, tif: "IOC" })
    h.run()
    expect(second.filled).toBe(0)
  })
})

describe("queue position", () => {
  it("an order behind 5 units fills only after 5 units trade at its price", () => {
    const h = new Harness()
    h.book([[100, 5], [99, 10]], [[101, 5]])
    const o = h.submit({ side: BID, price: 100, size: 2 })
    h.run()
    expect(h.venue.queueAhead(o.id)).toBe(5)
    h.trade("sell", 100, 3)
    expect(o.filled).toBe(0)
    expect(h.venue.queueAhead(o.id)).toBe(2)
    h.trade("buy", 100, 4) // the other side of the tape does not move our queue
    expect(h.venue.queueAhead(o.id)).toBe(2)
    h.trade("sell", 100, 2)
    h.run()
    expect(o.filled).toBe(0)
    expect(h.venue.queueAhead(o.id)).toBe(0)
    h.trade("sell", 100, 1)
    h.run()
    expect(o.filled).toBe(1)
    expect(h.recorder.fills.at(-1)).toMatchObject({ price: 100, size: 1, liquidity: "maker" })
    h.trade("sell", 100, 7) // more than we have left: we fill only our remainder
    h.run()
    expect(o.status).toBe("filled")
    expect(o.filled).toBe(2)
  })

  it("one trade larger than the queue fills only what reaches past it", () => {
    const h = new Harness()
    h.book([[100, 5]], [[101, 5]])
    const o = h.submit({ side: BID, price: 100, size: 4 })
    h.run()
    h.trade("sell", 100, 6)
    h.run()
    expect(o.filled).toBe(1)
  })

  it("cancellations ahead shrink the queue proportionally; trades are not counted twice", () => {
    const h = new Harness()
    h.book([[100, 100]], [[101, 5]])
    const ask = h.submit({ side: ASK, price: 101, size: 1 })
    const bid = h.submit({ side: BID, price: 100, size: 5 })
    h.run()
    expect(h.venue.queueAhead(bid.id)).toBe(100)
    expect(h.venue.queueAhead(ask.id)).toBe(5)
    // 40 of 100 cancelled with no trade: 40 % of the queue ahead is gone.
    h.book([[100, 60]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(60)
    // A trade of 20, then the book shows the level 20 smaller: explained by the trade, no further shrink.
    h.trade("sell", 100, 20)
    expect(h.venue.queueAhead(bid.id)).toBe(40)
    h.book([[100, 40]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(40)
    // Orders joining behind us change nothing.
    h.book([[100, 400]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(40)
    // Half of the level cancelled (200 of 400): half of our queue ahead goes.
    h.book([[100, 200]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(20)
    // A trade of 5 while 2 joined behind us: the level shows only 3 less; nothing was cancelled.
    h.trade("sell", 100, 5)
    expect(h.venue.queueAhead(bid.id)).toBe(15)
    h.book([[100, 197]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(15)
    // 1 of 197 cancelled: 15 × 1/197 rounds to nothing (in our disfavour).
    h.book([[100, 196]], [])
    expect(h.venue.queueAhead(bid.id)).toBe(15)
    h.trade("sell", 100, 15)
    h.run()
    expect(bid.filled).toBe(0)
    h.trade("sell", 100, 1)
    h.run()
    expect(bid.filled).toBe(1)
    expect(h.venue.queueAhead(ask.id)).toBe(5)
  })

  it("our own earlier order at the same price stays ahead of a later one", () => {
    const h = new Harness()
    h.book([[100, 2]], [[101, 5]])
    const first = h.submit({ side: BID, price: 100, size: 3 })
    const second = h.submit({ side: BID, price: 100, size: 3 })
    h.run()
    h.trade("sell", 100, 4) // 2 public ahead, then 2 of ours
    h.run()
    expect(first.filled).toBe(2)
    expect(second.filled).toBe(0)
    h.trade("sell", 100, 3) // 1 more for the first, then 2 for the second
    h.run()
    expect(first.filled).toBe(3)
    expect(second.filled).toBe(2)
    // A single trade never fills more than its own size across our orders.
    expect(h.recorder.fills.reduce((s, f) => s + f.size, 0)).toBeLessThanOrEqual(7 - 2)
  })

  it("a trade through our price fills us at our price, up to the trade's size, at the maker fee", () => {
    const h = new Harness({ makerPpm: 200, takerPpm: 1000 })
    h.book([[6_500_000, 5], [6_499_900, 5]], [[6_500_100, 5]])
    const o = h.submit({ side: BID, price: 6_500_000, size: 4 })
    h.run()
    h.trade("sell", 6_499_900, 3)
    h.run()
    expect(o.filled).toBe(3)
    expect(h.recorder.fills.at(-1)).toMatchObject({ price: 6_500_000, size: 3, liquidity: "maker", fee: 3_900n })
    expect(h.venue.queueAhead(o.id)).toBe(0)
  })

  it("one public trade never fills more than its size across our orders", () => {
    const h = new Harness()
    h.book([[99, 5]], [[102, 5]])
    const high = h.submit({ side: BID, price: 101, size: 5 })
    const low = h.submit({ side: BID, price: 100, size: 5 })
    h.run()
    // A seller at 100: it went through our bid at 101 (first in line) and reached our bid at 100.
    h.trade("sell", 100, 3)
    h.run()
    expect(high.filled).toBe(3)
    expect(low.filled).toBe(0)
    h.trade("sell", 100, 4)
    h.run()
    expect(high.filled).toBe(5)
    expect(low.filled).toBe(2)
  })

  it("the book moving through our price fills us as maker for the size it shows, once", () => {
    const h = new Harness()
    h.book([[100, 5]], [[102, 5]])
    const o = h.submit({ side: BID, price: 101, size: 5 })
    h.run()
    expect(o.filled).toBe(0)
    h.book([[100, 0], [99, 5]], [[102, 0], [101, 2], [100, 1]]) // asks move down through our bid at 101
    h.run()
    expect(o.filled).toBe(3)
    expect(h.recorder.fillsOf(o.id).map((f) => [f.price, f.size, f.liquidity])).toEqual([[101, 3, "maker"]])
    // The same displayed liquidity does not fill us again, nor another order.
    h.book([[99, 6]], [])
    expect(o.filled).toBe(3)
    const taker = h.submit({ side: BID, price: 101, size: 1, tif: "IOC" })
    h.run()
    expect(taker.filled).toBe(0)
  })
})

describe("latency", () => {
  it("the venue sees an order only after the entry latency and answers after the ack latency", () => {
    const h = new Harness({ entryLatency: fixedLatency(5_000), ackLatency: fixedLatency(3_000) })
    const t0 = h.clock.nowUs()
    h.book([[99, 5]], [[100, 5]])
    const o = h.submit({ side: BID, type: "market", size: 1, tif: "IOC" })
    expect(h.venue.entryQueueDepth()).toBe(1)
    expect(h.enqueued).toEqual([{ orderId: o.id, atUs: t0 }])
    h.run(2_000)
    h.book([], [[100, 0], [105, 5]]) // the book moves while the order travels
    h.run(2_999)
    expect(h.venue.entryQueueDepth()).toBe(1)
    expect(h.recorder.events).toEqual([])
    h.run(1)
    expect(h.venue.entryQueueDepth()).toBe(0)
    expect(h.venue.responseQueueDepth()).toBe(2)
    expect(o.status).toBe("new")
    h.run(2_999)
    expect(h.recorder.events).toEqual([])
    h.run(1)
    expect(h.recorder.events.map((e) => [e.event.type, e.atUs - t0])).toEqual([["accept", 8_000], ["fill", 8_000]])
    // The fill happened at the venue when the order arrived, at the book it saw then.
    expect(h.recorder.fills[0]).toMatchObject({ price: 105, size: 1, tsUs: t0 + 5_000 })
  })

  it("a cancel pays the entry latency: the order can fill while the cancel travels", () => {
    const h = new Harness({ entryLatency: fixedLatency(5_000), ackLatency: fixedLatency(1_000) })
    h.book([[99, 0], [100, 0]], [[101, 5]])
    const o = h.submit({ side: BID, price: 100, size: 2 })
    h.run(10_000)
    expect(o.status).toBe("accepted")
    h.venue.cancel(o.id)
    h.run(1_000)
    h.trade("sell", 100, 2)
    h.run(10_000)
    expect(o.status).toBe("filled")
    expect(h.recorder.cancelRejects).toEqual([{ orderId: o.id, reason: "order not open" }])
    const p = h.submit({ side: BID, price: 100, size: 2 })
    h.run(10_000)
    h.venue.cancel(p.id)
    h.run(4_999)
    expect(h.venue.isResting(p.id)).toBe(true)
    h.run(1)
    expect(h.venue.isResting(p.id)).toBe(false)
    h.run(1_000)
    expect(p.status).toBe("canceled")
  })

  it("with jitter and spikes, no event comes before both legs' base latency and events never overtake", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 30 }), (seed, gaps) => {
        const h = new Harness({ entryLatency: DEFAULT_ENTRY_LATENCY, ackLatency: DEFAULT_ACK_LATENCY, seed })
        h.book([[99, 1_000]], [[100, 1_000]])
        const submittedAt = new Map<string, number>()
        for (const gap of gaps) {
          h.run(gap)
          const o = h.submit({ side: BID, type: "market", size: 1, tif: "IOC" })
          submittedAt.set(o.id, h.clock.nowUs())
        }
        h.run(10_000_000)
        // The recorder throws on any out-of-order event (e.g. a fill before its accept).
        expect(h.recorder.events.length).toBe(2 * gaps.length)
        for (const e of h.recorder.events) {
          expect(e.atUs - submittedAt.get(e.orderId)!).toBeGreaterThanOrEqual(DEFAULT_ENTRY_LATENCY.baseUs + DEFAULT_ACK_LATENCY.baseUs)
        }
        for (const f of h.recorder.fills) {
          expect(f.tsUs - submittedAt.get(f.orderId)!).toBeGreaterThanOrEqual(DEFAULT_ENTRY_LATENCY.baseUs)
        }
        const times = h.recorder.events.map((e) => e.atUs)
        expect(times).toEqual([...times].sort((a, b) => a - b))
      }),
      { numRuns: 50 }
    )
  })
})

describe("self-trade prevention", () => {
  it("a taker trades only at prices better than our own resting order, then expires", () => {
    const h = new Harness()
    h.book([[99, 5]], [[100, 2], [101, 3], [103, 5]])
    const ask = h.submit({ side: ASK, price: 102, size: 1 })
    const buy = h.submit({ side: BID, type: "market", size: 10, tif: "IOC" })
    h.run()
    expect(h.recorder.fillsOf(buy.id).map((f) => [f.price, f.size])).toEqual([[100, 2], [101, 3]])
    expect(buy.status).toBe("expired")
    expect(buy.reason).toBe("self-trade prevention")
    expect(ask.status).toBe("accepted")
    expect(h.venue.isResting(ask.id)).toBe(true)
  })

  it("a GTC limit that would cross our own order expires instead of resting; post-only is rejected", () => {
    const h = new Harness()
    h.book([[99, 5]], [[105, 5]])
    const ask = h.submit({ side: ASK, price: 102, size: 1 })
    const bid = h.submit({ side: BID, price: 103, size: 1 })
    const post = h.submit({ side: BID, price: 102, size: 1, postOnly: true })
    const below = h.submit({ side: BID, price: 101, size: 1 })
    h.run()
    expect(bid.status).toBe("expired")
    expect(bid.reason).toBe("self-trade prevention")
    expect(post.status).toBe("rejected")
    expect(post.reason).toBe("self-trade prevention")
    expect(below.status).toBe("accepted")
    expect(ask.status).toBe("accepted")
  })
})

describe("invariants under random markets and orders", () => {
  type Action =
    | { kind: "level"; side: 0 | 1; price: number; size: number }
    | { kind: "flush" }
    | { kind: "trade"; taker: "buy" | "sell"; price: number; size: number }
    | { kind: "order"; side: 0 | 1; type: "limit" | "market"; price: number; size: number; tif: "GTC" | "IOC" | "FOK"; postOnly: boolean }
    | { kind: "cancel"; pick: number }
    | { kind: "wait"; us: number }

  const side = fc.constantFrom<0 | 1>(0, 1)
  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ kind: fc.constant("level" as const), side, price: fc.integer({ min: 90, max: 110 }), size: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant("flush" as const) }),
    fc.record({ kind: fc.constant("trade" as const), taker: fc.constantFrom<"buy" | "sell">("buy", "sell"), price: fc.integer({ min: 90, max: 110 }), size: fc.integer({ min: 1, max: 15 }) }),
    fc.record({
      kind: fc.constant("order" as const),
      side,
      type: fc.constantFrom<"limit" | "market">("limit", "limit", "market"),
      price: fc.integer({ min: 90, max: 110 }),
      size: fc.integer({ min: 1, max: 12 }),
      tif: fc.constantFrom<"GTC" | "IOC" | "FOK">("GTC", "GTC", "IOC", "FOK"),
      postOnly: fc.boolean()
    }),
    fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("wait" as const), us: fc.integer({ min: 0, max: 20_000 }) })
  )

  it("fills never exceed the order, sum to order.filled, respect the limit, and every order ends terminal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(action, { minLength: 1, maxLength: 120 }), (seed, actions) => {
        const h = new Harness({ entryLatency: DEFAULT_ENTRY_LATENCY, ackLatency: DEFAULT_ACK_LATENCY, seed })
        // Start from a sane book: bids 95..99, asks 101..105.
        h.book([[99, 5], [98, 5], [97, 5], [96, 5], [95, 5]], [[101, 5], [102, 5], [103, 5], [104, 5], [105, 5]])
        const ids: Array<string> = []
        for (const a of actions) {
          switch (a.kind) {
            case "level":
              h.feed.setLevel("BTC/USDT", a.side, a.price, a.size)
              break
            case "flush":
              h.feed.flush()
              break
            case "trade":
              h.trade(a.taker, a.price, a.size)
              break
            case "order":
              ids.push(h.submit({ side: a.side, type: a.type, price: a.price, size: a.size, tif: a.tif, postOnly: a.postOnly && a.type === "limit" }).id)
              break
            case "cancel":
              if (ids.length > 0) h.venue.cancel(ids[a.pick % ids.length]!)
              break
            case "wait":
              h.run(a.us)
              break
          }
        }
        h.feed.flush()
        h.run(1_000_000)
        h.venue.cancelAll()
        h.run(10_000_000)
        expect(h.venue.entryQueueDepth()).toBe(0)
        expect(h.venue.responseQueueDepth()).toBe(0)
        expect(h.venue.restingCount()).toBe(0)
        const fillIds = new Set(h.recorder.fills.map((f) => f.fillId))
        expect(fillIds.size).toBe(h.recorder.fills.length)
        for (const order of h.recorder.orders.values()) {
          expect(isTerminal(order.status)).toBe(true)
          expect(order.filled).toBeLessThanOrEqual(order.size)
          const fills = h.recorder.fillsOf(order.id)
          expect(fills.reduce((s, f) => s + f.size, 0)).toBe(order.filled)
          expect(fills.reduce((s, f) => s + BigInt(f.price) * BigInt(f.size), 0n)).toBe(order.filledNotional)
          for (const f of fills) {
            expect(f.size).toBeGreaterThan(0)
            if (order.type === "limit") expect(order.side === BID ? f.price <= order.price : f.price >= order.price).toBe(true)
            if (order.postOnly) expect(f.liquidity).toBe("maker")
          }
          if (order.status === "filled") expect(order.filled).toBe(order.size)
        }
      }),
      { numRuns: 200 }
    )
  })

  it("when the market trades through every resting order, all of them fill", () => {
    const h = new Harness()
    h.book([[100, 3], [99, 3], [98, 3]], [[101, 3], [102, 3], [103, 3]])
    const bids = [100, 99, 98].map((price) => h.submit({ side: BID, price, size: 2 }))
    const asks = [101, 102, 103].map((price) => h.submit({ side: ASK, price, size: 2 }))
    h.run()
    // Drain the bids: a seller walks all the way down to 97; then the asks: a buyer up to 104.
    for (const p of [100, 99, 98]) h.trade("sell", p, 3)
    h.trade("sell", 97, 6)
    for (const p of [101, 102, 103]) h.trade("buy", p, 3)
    h.trade("buy", 104, 6)
    h.run()
    for (const o of [...bids, ...asks]) expect(o.status).toBe("filled")
    expect(h.venue.restingCount()).toBe(0)
  })
})
