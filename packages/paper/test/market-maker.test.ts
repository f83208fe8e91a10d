import { ASK, BID, type BookUpdate, isTerminal, type MarketListener, newOrder, type Side, SimulatedClock } from "@hft/core"
import { DirectFeed, MarketModel, simulatedBtcUsdt } from "@hft/exchanges"
import { describe, expect, it } from "vitest"
import { PaperVenue } from "../src/paper-venue.ts"
import { Recorder } from "./harness.ts"

const START_US = 1_700_000_000_000_000
const SIZE = 1_000_000 // 0.01 BTC

/** Quotes one post-only order at the touch on each side; cancels a quote that is more than `maxAway` ticks off the touch. */
class TouchQuoter implements MarketListener {
  readonly quotes: [string | undefined, string | undefined] = [undefined, undefined]
  private readonly cancelRequested = new Set<string>()
  private seq = 0
  private readonly venue: PaperVenue
  private readonly recorder: Recorder
  private readonly maxAway: number

  constructor(venue: PaperVenue, recorder: Recorder, maxAway: number) {
    this.venue = venue
    this.recorder = recorder
    this.maxAway = maxAway
  }

  onBook(update: BookUpdate): void {
    for (const side of [BID, ASK] as const) this.quote(side, side === BID ? update.book.bestBid() : update.book.bestAsk())
  }

  onTrade(): void {}

  private quote(side: Side, touch: number): void {
    if (Number.isNaN(touch)) return
    const id = this.quotes[side]
    if (id !== undefined) {
      const order = this.recorder.orders.get(id)!
      if (!isTerminal(order.status)) {
        if (Math.abs(order.price - touch) > this.maxAway && !this.cancelRequested.has(id)) {
          this.cancelRequested.add(id)
          this.venue.cancel(id)
        }
        return
      }
    }
    const order = newOrder(
      { venue: "sim", symbol: "BTC/USDT", side, type: "limit", price: touch, size: SIZE, tif: "GTC", postOnly: true },
      `mm${++this.seq}`,
      "mm"
    )
    this.recorder.track(order)
    this.quotes[side] = order.id
    this.venue.submit(order)
  }
}

describe("a market maker quoting at the touch of the model's market", () => {
  it("gets filled on both sides, and loses on a good share of its fills (adverse selection)", () => {
    const clock = new SimulatedClock(START_US)
    const instrument = simulatedBtcUsdt("sim")
    const recorder = new Recorder(clock)
    const venue = new PaperVenue({ venue: "sim", instruments: [instrument], clock, listener: recorder, seed: 3 })
    const quoter = new TouchQuoter(venue, recorder, 3)
    const feed = new DirectFeed(clock, instrument, [venue, quoter])
    const model = new MarketModel(clock, { seed: 2024, venues: [{ instrument, sink: feed }] })
    const mids: Array<[number, number]> = []
    feed.addListener({ onBook: (u) => void mids.push([clock.nowUs(), u.book.mid()]), onTrade: () => {} })
    model.start()
    clock.advanceTo(START_US + 10 * 60 * 1_000_000)

    const fills = recorder.fills
    const buys = fills.filter((f) => f.side === BID)
    const sells = fills.filter((f) => f.side === ASK)
    expect(buys.length).toBeGreaterThan(20)
    expect(sells.length).toBeGreaterThan(20)
    expect(fills.every((f) => f.liquidity === "maker")).toBe(true)
    // Every fill is at the order's own price and reported after its accept (the recorder enforces the order).
    for (const f of fills) expect(f.price).toBe(recorder.orders.get(f.orderId)!.price)

    // Mark each fill out against the mid one second later.
    const midAt = (us: number): number => {
      let lo = 0
      let hi = mids.length - 1
      while (lo < hi) {
        const m = (lo + hi) >> 1
        if (mids[m]![0] < us) lo = m + 1
        else hi = m
      }
      return mids[lo]![1]
    }
    const markouts = fills
      .filter((f) => f.tsUs + 1_000_000 <= clock.nowUs())
      .map((f) => (f.side === BID ? 1 : -1) * (midAt(f.tsUs + 1_000_000) - f.price))
    const losing = markouts.filter((m) => m < 0).length
    const mean = markouts.reduce((s, m) => s + m, 0) / markouts.length
    // A fill at the touch earns half the 1-tick spread if the price does not move; adverse
    // selection means the market has moved against a large share of the fills a second later,
    // and the average fill is worth less than that half tick.
    expect(losing / markouts.length).toBeGreaterThan(0.3)
    expect(mean).toBeLessThan(0.5)
  })
})
