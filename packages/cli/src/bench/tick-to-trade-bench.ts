/**
 * The tick-to-trade benchmark behind `hft bench tick-to-trade`: replays a capture held in
 * memory through the venue's feed, the built-in market maker, pre-trade risk and the
 * paper venue, all in process, and measures frame receipt → order in the paper venue's
 * entry queue for every order sent while handling a frame.
 *
 * Unlike `hft demo`, frames come back to back, so this is the hot path's own cost with
 * warm code and caches; the demo's live figure adds the wake-up of an idle process per
 * frame. Venue latencies run on simulated time (the capture's), so acks and fills flow.
 *
 * @module
 */
import {
  type BookUpdate,
  type Instrument,
  type MarketListener,
  type TradePrint,
  Histogram,
  SimulatedClock,
  monoNs,
  parseAmount
} from "@hft/core"
import { OrderManager, StrategyRunner, TradingAccount } from "@hft/actors"
import { type CaptureRecord, type ReplayCursor, type Venue, makeReplayFeed, replayRecord } from "@hft/exchanges"
import { PaperVenue } from "@hft/paper"
import { marketMaker } from "@hft/strategies"

/** Result of one benchmark. */
export interface TickToTradeBenchResult {
  readonly venue: string
  readonly symbol: string
  /** WebSocket frames replayed in the measured pass. */
  readonly frames: number
  /** Orders sent while handling a frame (each one a sample). */
  readonly orders: number
  /** Fills the paper venue reported. */
  readonly fills: number
  readonly p50Ns: number
  readonly p99Ns: number
  readonly maxNs: number
}

const limitsFor = (instrument: Instrument) => ({
  maxOrderSize: Number(parseAmount("10", instrument.sizeScale)),
  maxOrderNotional: parseAmount("10000000", instrument.priceScale + instrument.sizeScale),
  maxPosition: Number(parseAmount("100", instrument.sizeScale)),
  priceBandBps: 500,
  maxOrdersPerSecond: 1_000_000
})

/** One pass over the capture with fresh objects; returns the runner's histogram and counts. */
const pass = (venue: Venue, symbol: string, records: ReadonlyArray<CaptureRecord>) => {
  const clock = new SimulatedClock(records[0]?.ts ?? 0)
  let runner: StrategyRunner | undefined
  let paper: PaperVenue | undefined
  const listener: MarketListener = {
    onBook(update: BookUpdate) {
      runner?.onBook(update)
      paper?.onBook(update)
    },
    onTrade(trade: TradePrint) {
      runner?.onTrade(trade)
      paper?.onTrade(trade)
    },
    onBookInvalid(instrument, reason) {
      paper?.onBookInvalid(instrument, reason)
    }
  }
  const feed = makeReplayFeed(venue, [symbol], listener)
  const start = (instrument: Instrument) => {
    const account = new TradingAccount({
      id: "bench",
      balances: [
        { venue: venue.id, asset: instrument.quote, amount: "1000000000" },
        { venue: venue.id, asset: instrument.base, amount: "1000" }
      ],
      limits: limitsFor
    })
    const orders = new OrderManager(account, () => clock.nowUs(), () => {})
    paper = new PaperVenue({
      venue: venue.id,
      instruments: [instrument],
      clock,
      listener: orders,
      fees: { makerPpm: venue.fees.makerPpm, takerPpm: venue.fees.takerPpm }
    })
    orders.addMarket({ instrument, venue: paper, mid: () => feed.book(symbol)?.mid() ?? NaN })
    runner = new StrategyRunner("bench-mm", marketMaker, { ...marketMaker.params, venue: venue.id, symbol }, {
      clock,
      account,
      orders,
      instrument: () => instrument,
      book: (_venue, s) => feed.book(s),
      fees: () => venue.fees,
      onFailure: (error) => {
        throw error
      },
      log: () => {}
    })
    runner.start()
    return orders
  }
  let orders: OrderManager | undefined
  let frames = 0
  const cursor: ReplayCursor = { connected: false }
  for (const record of records) {
    clock.advanceTo(record.ts)
    if (record.kind === "ws" && record.body !== "") frames++
    replayRecord(feed, record, cursor, monoNs)
    if (orders === undefined) {
      const instrument = feed.instrument(symbol)
      if (instrument !== undefined) orders = start(instrument)
    }
  }
  return { histogram: runner?.tickToTrade ?? new Histogram(), frames, fills: orders?.fills ?? 0 }
}

/** Runs a warm-up pass, then a measured pass. */
export const benchTickToTrade = (venue: Venue, records: ReadonlyArray<CaptureRecord>, symbol: string): TickToTradeBenchResult => {
  pass(venue, symbol, records)
  const { histogram, frames, fills } = pass(venue, symbol, records)
  return {
    venue: venue.id,
    symbol,
    frames,
    orders: histogram.count,
    fills,
    p50Ns: histogram.percentile(50),
    p99Ns: histogram.percentile(99),
    maxNs: histogram.max
  }
}
