/**
 * Test harness for the paper venue: a scripted market (a DirectFeed driven by hand),
 * a venue on a simulated clock, and a listener that applies every event to the
 * order with the core state machine (an illegal transition throws).
 */
import {
  applyOrderEvent,
  ASK,
  BID,
  type Fill,
  type Instrument,
  newOrder,
  type Order,
  type OrderEvent,
  type OrderRequest,
  SimulatedClock
} from "@hft/core"
import { DirectFeed } from "@hft/exchanges"
import { type LatencyLeg, ZERO_LATENCY } from "../src/latency.ts"
import { PaperVenue, type PaperVenueListener } from "../src/paper-venue.ts"

/** A readable instrument: prices in cents (tick 1), sizes in whole units (lot 1). */
export const TEST_INSTRUMENT: Instrument = {
  venue: "paper",
  symbol: "BTC/USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  priceScale: 2,
  sizeScale: 0,
  tickSize: 1,
  lotSize: 1,
  minSize: 1,
  minNotional: 0n
}

/** One delivered event, with the clock time it was delivered at. */
export interface Delivered {
  readonly atUs: number
  readonly orderId: string
  readonly event: OrderEvent
}

/** Applies events to tracked orders and records everything. */
export class Recorder implements PaperVenueListener {
  readonly orders = new Map<string, Order>()
  readonly events: Array<Delivered> = []
  readonly fills: Array<Fill> = []
  readonly fillTimes: Array<number> = []
  readonly cancelRejects: Array<{ orderId: string; reason: string }> = []
  private readonly clock: SimulatedClock

  constructor(clock: SimulatedClock) {
    this.clock = clock
  }

  track(order: Order): void {
    this.orders.set(order.id, order)
  }

  onOrderEvent(orderId: string, event: OrderEvent): void {
    const order = this.orders.get(orderId)
    if (order === undefined) throw new Error(`event for untracked order ${orderId}`)
    const illegal = applyOrderEvent(order, event)
    if (illegal !== undefined) throw illegal
    this.events.push({ atUs: this.clock.nowUs(), orderId, event })
  }

  onFill(fill: Fill): void {
    this.fills.push(fill)
    this.fillTimes.push(this.clock.nowUs())
  }

  onCancelRejected(orderId: string, reason: string): void {
    this.cancelRejects.push({ orderId, reason })
  }

  fillsOf(orderId: string): Array<Fill> {
    return this.fills.filter((f) => f.orderId === orderId)
  }

  eventsOf(orderId: string): Array<OrderEvent> {
    return this.events.filter((e) => e.orderId === orderId).map((e) => e.event)
  }
}

/** Options of {@link Harness}. */
export interface HarnessOptions {
  readonly entryLatency?: LatencyLeg
  readonly ackLatency?: LatencyLeg
  readonly seed?: number
  readonly makerPpm?: number
  readonly takerPpm?: number
  readonly instrument?: Instrument
}

/** A scripted market, a paper venue and a recorder on one simulated clock. */
export class Harness {
  readonly clock = new SimulatedClock(1_000_000)
  readonly recorder = new Recorder(this.clock)
  readonly instrument: Instrument
  readonly feed: DirectFeed
  readonly venue: PaperVenue
  readonly enqueued: Array<{ orderId: string; atUs: number }> = []
  private nextId = 0

  constructor(options: HarnessOptions = {}) {
    this.instrument = options.instrument ?? TEST_INSTRUMENT
    this.venue = new PaperVenue({
      venue: "paper",
      instruments: [this.instrument],
      clock: this.clock,
      listener: this.recorder,
      fees: { makerPpm: options.makerPpm ?? 1000, takerPpm: options.takerPpm ?? 1000 },
      entryLatency: options.entryLatency ?? ZERO_LATENCY,
      ackLatency: options.ackLatency ?? ZERO_LATENCY,
      seed: options.seed ?? 7,
      onEnqueue: (order) => this.enqueued.push({ orderId: order.id, atUs: this.clock.nowUs() })
    })
    this.feed = new DirectFeed(this.clock, this.instrument, [this.venue])
  }

  /** Sets levels (absolute sizes; 0 deletes) and publishes them as one book update. */
  book(bids: ReadonlyArray<readonly [number, number]>, asks: ReadonlyArray<readonly [number, number]>): void {
    for (const [p, s] of bids) this.feed.setLevel(this.instrument.symbol, BID, p, s)
    for (const [p, s] of asks) this.feed.setLevel(this.instrument.symbol, ASK, p, s)
    this.feed.flush()
  }

  /** A public trade: `takerSide` "sell" hits bids, "buy" lifts asks. */
  trade(takerSide: "buy" | "sell", price: number, size: number): void {
    this.feed.trade(this.instrument.symbol, takerSide === "buy" ? BID : ASK, price, size, this.clock.nowUs())
  }

  /** Creates, tracks and submits an order. */
  submit(request: Partial<OrderRequest> & Pick<OrderRequest, "side" | "size">): Order {
    const order = newOrder(
      {
        venue: "paper",
        symbol: this.instrument.symbol,
        type: "limit",
        price: 0,
        tif: "GTC",
        postOnly: false,
        ...request
      },
      `o${++this.nextId}`,
      "test"
    )
    this.recorder.track(order)
    this.venue.submit(order)
    return order
  }

  /** Advances the clock by `us` (0 runs what is due now). */
  run(us = 0): void {
    this.clock.advanceTo(this.clock.nowUs() + us)
  }
}
