import { ASK, BID, type Instrument, OrderBook, type Side, SimulatedClock } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DirectFeed } from "../src/market-model/direct-feed.ts"
import { MarketModel, type MarketModelConfig, type MarketModelVenue, simulatedBtcUsdt } from "../src/market-model/market-model.ts"
import type { MarketSink } from "../src/market-model/market-sink.ts"

const START_US = 1_700_000_000_000_000

/** Records every emission as text and keeps its own book, applied at each flush. */
class RecordingSink implements MarketSink {
  readonly log: Array<string> = []
  readonly book = new OrderBook()
  readonly snapshots: Array<OrderBook> = []
  flushes = 0
  trades = 0
  private readonly pending: Array<[Side, number, number]> = []

  setLevel(symbol: string, side: Side, price: number, size: number): void {
    this.log.push(`L ${symbol} ${side} ${price} ${size}`)
    this.pending.push([side, price, size])
  }

  trade(symbol: string, takerSide: Side, price: number, size: number, tsUs: number): void {
    this.trades++
    this.log.push(`T ${symbol} ${takerSide} ${price} ${size} ${tsUs}`)
  }

  flush(): void {
    this.flushes++
    this.log.push("F")
    for (const [side, price, size] of this.pending) this.book.setLevel(side, price, size)
    this.pending.length = 0
  }
}

const venue = (id: string, extra: Partial<MarketModelVenue> = {}): MarketModelVenue => ({ instrument: simulatedBtcUsdt(id), ...extra })

const runModel = (config: MarketModelConfig, seconds: number, stepUs?: number): Array<RecordingSink> => {
  const clock = new SimulatedClock(START_US)
  const sinks = config.venues.map(() => new RecordingSink())
  const model = new MarketModel(clock, { ...config, venues: config.venues.map((v, i) => ({ ...v, sink: sinks[i]! })) })
  if (stepUs === undefined) {
    model.start()
    clock.advanceTo(START_US + seconds * 1_000_000)
  } else {
    for (let t = 0; t < seconds * 1_000_000; t += stepUs) model.step(stepUs)
  }
  return sinks
}

describe("MarketModel", () => {
  it("emits the whole initial book and a flush on start, then one flush per batch", () => {
    const clock = new SimulatedClock(START_US)
    const sink = new RecordingSink()
    const model = new MarketModel(clock, { seed: 1, venues: [venue("a", { sink, levels: 50 })] })
    model.start()
    expect(sink.flushes).toBe(1)
    expect(sink.book.bids.count).toBe(50)
    expect(sink.book.asks.count).toBe(50)
    expect(sink.book.bestAsk() - sink.book.bestBid()).toBe(1)
    // Around 65 000.00 at price scale 2.
    expect(Math.abs(sink.book.mid() - 6_500_000)).toBeLessThan(100)
    clock.advanceTo(START_US + 10_000_000)
    expect(sink.flushes).toBe(1 + 100)
    expect(sink.trades).toBeGreaterThan(10)
    model.stop()
    const log = sink.log.length
    clock.advanceTo(START_US + 20_000_000)
    expect(sink.log.length).toBe(log)
  })

  it("is deterministic per seed, and different seeds give different markets", () => {
    const config: MarketModelConfig = { seed: 42, venues: [venue("a"), venue("b", { lagUs: 300_000, spreadTicks: 3 })] }
    const one = runModel(config, 5)
    const two = runModel(config, 5)
    expect(one[0]!.log.length).toBeGreaterThan(1000)
    expect(two[0]!.log).toEqual(one[0]!.log)
    expect(two[1]!.log).toEqual(one[1]!.log)
    const other = runModel({ ...config, seed: 43 }, 5)
    expect(other[0]!.log).not.toEqual(one[0]!.log)
  })

  it("gives the same market however time is stepped", () => {
    const config: MarketModelConfig = { seed: 9, venues: [venue("a"), venue("b", { lagUs: 10_000 })] }
    const onClock = runModel(config, 3)
    const fine = runModel(config, 3, 1_000)
    const coarse = runModel(config, 3, 250_000)
    expect(fine[0]!.log).toEqual(onClock[0]!.log)
    expect(coarse[0]!.log).toEqual(onClock[0]!.log)
    expect(coarse[1]!.log).toEqual(onClock[1]!.log)
  })

  it("never crosses a book; prices stay on the tick grid and sizes positive; the published book equals the truth at each flush", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom(1, 5),
        (seed, spreadTicks, levels, levelStepTicks, stickyTicks, tickSize) => {
          const clock = new SimulatedClock(START_US)
          const instrument: Instrument = { ...simulatedBtcUsdt("v"), tickSize }
          const feed = new DirectFeed(clock, instrument)
          let checks = 0
          const model = new MarketModel(clock, {
            seed,
            volatilityBps: 2,
            jumpRate: 1,
            jumpBps: 10,
            batchUs: 50_000,
            venues: [{ instrument, sink: feed, spreadTicks, levels, levelStepTicks, stickyTicks, marketRate: 20, marketSize: 0.5 }]
          })
          feed.addListener({
            onBook(update) {
              checks++
              const truth = model.book("v")
              // Plain loops, one expect per update: this runs thousands of times.
              let problem = ""
              for (const book of [update.book, truth]) {
                if (book.isCrossed()) problem ||= `crossed: ${book.bestBid()} >= ${book.bestAsk()}`
                for (const side of [BID, ASK] as const) {
                  const s = book.side(side)
                  for (let i = 0; i < s.count; i++) {
                    if (s.priceAt(i) % tickSize !== 0) problem ||= `off-grid price ${s.priceAt(i)}`
                    if (!(Number.isSafeInteger(s.sizeAt(i)) && s.sizeAt(i) > 0)) problem ||= `bad size ${s.sizeAt(i)}`
                  }
                  if (s.count !== truth.side(side).count) problem ||= "published book differs from the truth"
                  for (let i = 0; i < s.count; i++) {
                    if (s.priceAt(i) !== truth.side(side).priceAt(i) || s.sizeAt(i) !== truth.side(side).sizeAt(i)) {
                      problem ||= "published book differs from the truth"
                    }
                  }
                }
              }
              expect(problem).toBe("")
            },
            onTrade(trade) {
              expect(trade.size).toBeGreaterThan(0)
              expect(trade.price % tickSize).toBe(0)
            }
          })
          model.start()
          clock.advanceTo(START_US + 3_000_000)
          expect(checks).toBeGreaterThan(50)
        }
      ),
      { numRuns: 40 }
    )
  })

  it("keeps the configured depth and re-centres on the fair price", () => {
    const clock = new SimulatedClock(START_US)
    const model = new MarketModel(clock, { seed: 5, volatilityBps: 3, venues: [venue("a", { levels: 80 })] })
    model.start()
    for (let s = 1; s <= 60; s++) {
      clock.advanceTo(START_US + s * 1_000_000)
      const book = model.book("a")
      expect(book.bids.count).toBeGreaterThan(60)
      expect(book.bids.count).toBeLessThanOrEqual(100)
      expect(book.asks.count).toBeGreaterThan(60)
      // The touch follows the venue's reference price (within the sticky band and a few ticks).
      expect(Math.abs(book.mid() - model.referencePrice("a"))).toBeLessThan(50)
    }
    // With 3 bps/√s over a minute the price has moved far from where it started.
    expect(Math.abs(model.fairValue() - 65_000)).toBeGreaterThan(1)
    expect(model.stats("a").recenters).toBeGreaterThan(100)
  })

  it("lets prices differ across venues and converge again", () => {
    const clock = new SimulatedClock(START_US)
    // No diffusion, big jumps: between jumps the fair price stands still and the slow venue catches up.
    const model = new MarketModel(clock, {
      seed: 11,
      volatilityBps: 0,
      jumpRate: 0.2,
      jumpBps: 20,
      venues: [venue("fast", { lagUs: 0, noiseBps: 0 }), venue("slow", { lagUs: 500_000, noiseBps: 0 })]
    })
    model.start()
    let maxGap = 0
    let closedAfterGap = false
    for (let t = 1; t <= 1200; t++) {
      clock.advanceTo(START_US + t * 100_000)
      const gap = Math.abs(model.referencePrice("fast") - model.referencePrice("slow"))
      if (gap > maxGap) {
        maxGap = gap
        closedAfterGap = false
      }
      if (maxGap > 0 && gap <= 2) closedAfterGap = true
      // The fast venue (no lag, no noise) is always at the fair price.
      expect(Math.abs(model.referencePrice("fast") - model.fairValue() * 100)).toBeLessThanOrEqual(0.5)
    }
    expect(maxGap).toBeGreaterThan(1_000) // 20 bps of 65 000 is 130 USDT = 13 000 ticks on average
    expect(closedAfterGap).toBe(true)
  })

  it("takes out stale levels when the price moves, printing part of them as trades", () => {
    const clock = new SimulatedClock(START_US)
    const sink = new RecordingSink()
    // No market orders: every trade comes from re-centring.
    const model = new MarketModel(clock, {
      seed: 21,
      volatilityBps: 1,
      venues: [venue("a", { sink, marketRate: 0, sweepTradeFraction: 0.5, noiseBps: 0 })]
    })
    model.start()
    const sinkTrade = sink.trade.bind(sink)
    let checked = 0
    sink.trade = (symbol, takerSide, price, size, tsUs) => {
      const book = model.book("a")
      const ref = model.referencePrice("a")
      // A buyer lifts asks left below the new touch, a seller hits bids left above it.
      if (takerSide === BID) {
        expect(price).toBe(book.bestAsk())
        expect(price).toBeLessThan(ref + 2)
        expect(size).toBe(Math.round(book.bestAskSize() * 0.5))
      } else {
        expect(price).toBe(book.bestBid())
        expect(price).toBeGreaterThan(ref - 2)
        expect(size).toBe(Math.round(book.bestBidSize() * 0.5))
      }
      checked++
      sinkTrade(symbol, takerSide, price, size, tsUs)
    }
    clock.advanceTo(START_US + 5_000_000)
    expect(checked).toBeGreaterThan(50)
    expect(model.stats("a").trades).toBe(checked)
  })

  it("gives a late sink the whole current book", () => {
    const clock = new SimulatedClock(START_US)
    const model = new MarketModel(clock, { seed: 3, venues: [venue("a")] })
    model.start()
    clock.advanceTo(START_US + 2_345_678)
    const late = new RecordingSink()
    model.connect("a", late)
    expect(late.flushes).toBe(1)
    expect(late.book.top(BID, 1000)).toEqual(model.book("a").top(BID, 1000))
    expect(late.book.top(ASK, 1000)).toEqual(model.book("a").top(ASK, 1000))
  })

  it("prints market-order trades at the touch, with exchange times inside their batch", () => {
    const clock = new SimulatedClock(START_US)
    const sink = new RecordingSink()
    // Only market orders move the book here: no price process, no limit flow.
    const model = new MarketModel(clock, {
      seed: 8,
      volatilityBps: 0,
      jumpRate: 0,
      priceUpdateRate: 0,
      venues: [venue("a", { sink, limitRate: 0, cancelRate: 0, marketRate: 50, marketSize: 0.3, noiseBps: 0 })]
    })
    model.start()
    const before = model.book("a").top(ASK, 1)[0]!
    let lastTs = START_US
    const sinkTrade = sink.trade.bind(sink)
    sink.trade = (symbol, takerSide, price, size, tsUs) => {
      const book = model.book("a")
      // Called before the level is reduced: the trade is at the current best of the side it takes.
      expect(price).toBe(takerSide === BID ? book.bestAsk() : book.bestBid())
      expect(size).toBeLessThanOrEqual(takerSide === BID ? book.bestAskSize() : book.bestBidSize())
      expect(tsUs).toBeGreaterThanOrEqual(lastTs)
      expect(tsUs).toBe(model.timeUs())
      lastTs = tsUs
      sinkTrade(symbol, takerSide, price, size, tsUs)
    }
    clock.advanceTo(START_US + 2_000_000)
    expect(sink.trades).toBeGreaterThan(50)
    expect(model.book("a").top(ASK, 1)[0]).not.toEqual(before)
  })
})
