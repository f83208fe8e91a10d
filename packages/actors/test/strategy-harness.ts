/**
 * Test-only harness: runs one strategy on simulated time through the real runtime
 * pieces, wired as the trading node wires them (`trading-node.ts`), with a seeded
 * {@link MarketModel} in place of the market hub's exchange sessions.
 *
 * Per venue: model → {@link DirectFeed} (the "line" of the hub: it keeps the published
 * book and dispatches synchronously, listeners in registration order) → first the
 * {@link PaperVenue} (whose listener is the account's {@link OrderManager}), then the
 * {@link StrategyRunner}. The order manager gets each market with `addMarket` and the
 * book's mid as its reference price; the runner gets the same deps as on the node
 * (clock, account, order manager, instruments of its subscriptions, books, venue fees,
 * failure and log sinks). Nothing of ours is mocked.
 *
 * Observation goes through a wrapping strategy ({@link observe}): the definition's own
 * handlers run unchanged, with a context whose `submit` and `cancel` record what was
 * asked and what every subscribed book, position and balance showed at that moment.
 *
 * {@link StrategyHarness.calm} swaps the market for a calm one (the model's defaults, no
 * jumps) on the same feeds, to watch what a strategy does once opportunities are gone.
 *
 * @module
 */
import {
  type AnyStrategy,
  ASK,
  BID,
  type Fill,
  type Instrument,
  type MarketListener,
  type Order,
  type OrderBook,
  type OrderRequest,
  type Position,
  type RiskLimits,
  type Side,
  type StrategyContext,
  type StrategyDefinition,
  type Subscription,
  type SubmitResult,
  SimulatedClock,
  subscriptionsOf
} from "@hft/core"
import type { PaperFees } from "@hft/paper/fees"
import type { LatencyLeg } from "@hft/paper/latency"
import { DirectFeed, MarketModel, type MarketModelConfig, type MarketModelVenue } from "@hft/exchanges"
import { PaperVenue } from "@hft/paper/paper-venue"
import { type OrderIncident, OrderManager } from "../src/order-manager.ts"
import { StrategyRunner } from "../src/strategy-runner.ts"
import { type OpeningBalance, TradingAccount } from "../src/trading-account.ts"

/** 2023-11-14T22:13:20Z, µs: any fixed start keeps runs reproducible. */
export const START_US = 1_700_000_000_000_000

/** Microseconds in a second. */
export const SECOND_US = 1_000_000

/** Best prices and sizes of a book at one moment (NaN / 0 for an empty side). */
export interface Touch {
  readonly bid: number
  readonly bidSize: number
  readonly ask: number
  readonly askSize: number
}

/** The touch of a book now. */
export const touchOf = (book: OrderBook): Touch => ({
  bid: book.bestBid(),
  bidSize: book.bestBidSize(),
  ask: book.bestAsk(),
  askSize: book.bestAskSize()
})

/** `venue:SYMBOL`, the key of a market in the records (the arbitrage's leg notation); `venue:ASSET` keys a balance. */
export const marketKey = (venue: string, symbol: string): string => `${venue}:${symbol}`

/** What a strategy could see of its markets and account at one moment. */
export interface MarketView {
  /** Touch of every subscribed book, by {@link marketKey}; absent while a book is not in sync. */
  readonly touches: ReadonlyMap<string, Touch>
  /** Position (size units) in every subscribed market, by {@link marketKey}. */
  readonly positions: ReadonlyMap<string, number>
  /** Balance (ledger units) of the base and quote of every subscribed market, by {@link marketKey}`(venue, asset)`. */
  readonly balances: ReadonlyMap<string, bigint>
}

/** The view of `subscriptions` through the given readers. */
const viewOf = (
  subscriptions: ReadonlyArray<Subscription>,
  instrument: (venue: string, symbol: string) => Instrument,
  book: (venue: string, symbol: string) => OrderBook | undefined,
  position: (venue: string, symbol: string) => Position,
  balance: (venue: string, asset: string) => bigint
): MarketView => {
  const touches = new Map<string, Touch>()
  const positions = new Map<string, number>()
  const balances = new Map<string, bigint>()
  for (const { venue, symbol } of subscriptions) {
    const b = book(venue, symbol)
    if (b !== undefined) touches.set(marketKey(venue, symbol), touchOf(b))
    positions.set(marketKey(venue, symbol), position(venue, symbol).size)
    const i = instrument(venue, symbol)
    for (const asset of [i.base, i.quote]) balances.set(marketKey(venue, asset), balance(venue, asset))
  }
  return { touches, positions, balances }
}

/** Which handler of the definition was running. */
export type HandlerName = "onStart" | "onBook" | "onTrade" | "onOrder" | "onFill" | "onTimer" | "onStop"

/** The handler invocation running: its number, name, and the strategy's start it belongs to. */
export interface HandlerCall {
  /** Invocation number, from 1 (orders of one decision share it). */
  readonly call: number
  readonly handler: HandlerName
  /** Number of the start (1 + restarts before it) whose state the handler runs with. */
  readonly start: number
}

/** One `ctx.submit` of the strategy, with what the strategy could see just before it (a {@link MarketView}). */
export interface SubmitRecord extends HandlerCall, MarketView {
  readonly atUs: number
  readonly request: OrderRequest
  readonly result: SubmitResult
  /** Ids of the strategy's open orders just before the submit. */
  readonly openBefore: ReadonlyArray<string>
  /** The strategy's position (size units) in the request's market just before the submit. */
  readonly positionBefore: number
}

/** One `ctx.cancel` of the strategy. */
export interface CancelRecord {
  readonly call: number
  readonly handler: HandlerName
  readonly atUs: number
  readonly orderId: string
  readonly accepted: boolean
}

/** What the wrapping strategy calls after the real handler has run. */
export interface ObserverHooks {
  /** Before a handler runs (throw here to inject a handler failure). */
  readonly before?: (handler: HandlerName, ctx: StrategyContext<unknown, unknown>) => void
  /** After `onFill` ran: the fill is booked in the portfolio. */
  readonly afterFill?: (fill: Fill) => void
  /** After `onOrder` ran for a change of the order's status. */
  readonly afterOrder?: (order: Order) => void
  /** After `onBook` ran for a market. */
  readonly afterBook?: (key: string) => void
  /** After `onStart` ran (first start and every restart). */
  readonly afterStart?: () => void
}

/** Everything the wrapping strategy saw and did. */
export class StrategyRecord {
  readonly submits: Array<SubmitRecord> = []
  readonly cancels: Array<CancelRecord> = []
  readonly fills: Array<Fill & { readonly atUs: number }> = []
  /**
   * Every order the strategy sent, by id: the order manager's own objects, so their
   * status and filled size stay current even while the runner is stopped.
   */
  readonly orders = new Map<string, Order>()
  /** Ids of orders the strategy asked to cancel. */
  readonly cancelRequested = new Set<string>()
  /** Number of `onStart` calls (1 + restarts). */
  starts = 0
  /** The strategy's state object as of the latest handler call. */
  state: unknown = undefined
  private calls = 0
  private current: HandlerCall = { call: 0, handler: "onStart", start: 0 }

  /** Marks the start of a handler invocation (an `onStart` counts as a new start). */
  enter(handler: HandlerName): void {
    if (handler === "onStart") this.starts++
    this.current = { call: ++this.calls, handler, start: this.starts }
  }

  /** The running handler invocation. */
  get now(): HandlerCall {
    return this.current
  }
}

/**
 * Wraps a definition: same name, parameters, subscriptions and `init`; each handler runs
 * the original with a context that records submits (with the touch of every subscribed
 * book) and cancels into `record`.
 */
export const observe = <P, S>(
  definition: StrategyDefinition<P, S>,
  record: StrategyRecord,
  hooks: ObserverHooks = {}
): StrategyDefinition<P, S> => {
  const wrapped = new WeakMap<StrategyContext<P, S>, StrategyContext<P, S>>()
  const wrap = (ctx: StrategyContext<P, S>): StrategyContext<P, S> => {
    const existing = wrapped.get(ctx)
    if (existing !== undefined) return existing
    const subscriptions = subscriptionsOf(definition, ctx.params)
    const proxy: StrategyContext<P, S> = Object.create(ctx)
    Object.defineProperty(proxy, "submit", {
      value: (request: OrderRequest): SubmitResult => {
        const view = viewOf(
          subscriptions,
          (venue, symbol) => ctx.instrument(venue, symbol),
          (venue, symbol) => ctx.book(venue, symbol),
          (venue, symbol) => ctx.position(venue, symbol),
          (venue, asset) => ctx.balance(venue, asset)
        )
        const openBefore = ctx.openOrders().map((o) => o.id)
        const positionBefore = ctx.position(request.venue, request.symbol).size
        const result = ctx.submit(request)
        if (result.ok) {
          const order = ctx.openOrders(request.venue, request.symbol).find((o) => o.id === result.orderId)
          if (order !== undefined) record.orders.set(order.id, order)
        }
        record.submits.push({ ...record.now, ...view, atUs: ctx.now(), request: { ...request }, result, openBefore, positionBefore })
        return result
      }
    })
    Object.defineProperty(proxy, "cancel", {
      value: (orderId: string): boolean => {
        const accepted = ctx.cancel(orderId)
        record.cancels.push({ ...record.now, atUs: ctx.now(), orderId, accepted })
        if (accepted) record.cancelRequested.add(orderId)
        return accepted
      }
    })
    wrapped.set(ctx, proxy)
    return proxy
  }
  const run = (handler: HandlerName, ctx: StrategyContext<P, S>, body: (c: StrategyContext<P, S>) => void): void => {
    record.enter(handler)
    record.state = ctx.state
    hooks.before?.(handler, ctx as StrategyContext<unknown, unknown>)
    body(wrap(ctx))
  }
  return {
    name: definition.name,
    params: definition.params,
    subscriptions: definition.subscriptions,
    init: definition.init,
    onStart: (ctx) => {
      run("onStart", ctx, (c) => definition.onStart?.(c))
      hooks.afterStart?.()
    },
    onBook: (ctx, update) => {
      run("onBook", ctx, (c) => definition.onBook?.(c, update))
      hooks.afterBook?.(marketKey(update.instrument.venue, update.instrument.symbol))
    },
    onTrade: (ctx, trade) => run("onTrade", ctx, (c) => definition.onTrade?.(c, trade)),
    onOrder: (ctx, order) => {
      run("onOrder", ctx, (c) => definition.onOrder?.(c, order))
      hooks.afterOrder?.(order)
    },
    onFill: (ctx, fill) => {
      run("onFill", ctx, (c) => definition.onFill?.(c, fill))
      record.fills.push({ ...fill, atUs: ctx.now() })
      hooks.afterFill?.(fill)
    },
    onTimer: (ctx, name) => run("onTimer", ctx, (c) => definition.onTimer?.(c, name)),
    onStop: (ctx) => run("onStop", ctx, (c) => definition.onStop?.(c))
  }
}

/** One venue of the simulated market. */
export interface HarnessVenue {
  /** Its instrument (its `venue` field is the venue id). */
  readonly instrument: Instrument
  /** Fee rates of the paper venue, also what `ctx.fees(venue)` reports. */
  readonly fees: PaperFees
  /** Overrides of the model's defaults for this venue (noise, lag, spread, rates). */
  readonly tune?: Partial<Omit<MarketModelVenue, "instrument" | "sink">>
}

/** How a harness is set up. */
export interface HarnessConfig {
  /** Seed of the market model. */
  readonly seed: number
  /** The model's global parameters (volatility, jumps, batching). */
  readonly model?: Partial<Omit<MarketModelConfig, "seed" | "venues">>
  /** The venues sharing the model's fair price. */
  readonly venues: ReadonlyArray<HarnessVenue>
  /** Opening balances of the account. */
  readonly balances: ReadonlyArray<OpeningBalance>
  /** Risk limits per instrument; default {@link looseLimits}. */
  readonly limits?: (instrument: Instrument) => RiskLimits
  /** Paper venue latency legs and seed (as `TradingNodeConfig.paper`); defaults are the paper venue's. */
  readonly paper?: { readonly entryLatency?: LatencyLeg; readonly ackLatency?: LatencyLeg; readonly seed?: number }
  /** The strategy (wrapped by {@link observe}) and its parameters. */
  readonly strategy: AnyStrategy
  readonly params: unknown
  /** Hooks of the wrapping strategy. */
  readonly hooks?: ObserverHooks
  /** Restart a failed strategy after this long on the simulated clock (the node's supervisor); default: never. */
  readonly restartAfterUs?: number
}

/** Risk limits that never bind in these tests: the strategies' own limits are what is tested. */
export const looseLimits = (instrument: Instrument): RiskLimits => ({
  maxOrderSize: 100 * 10 ** instrument.sizeScale,
  maxOrderNotional: 10n ** 30n,
  maxPosition: 1000 * 10 ** instrument.sizeScale,
  priceBandBps: 500,
  maxOrdersPerSecond: 10_000
})

/** Marks a line in sync on its first published book and out of sync when invalidated (the hub's `book()` contract). */
class LineState implements MarketListener {
  synced = false
  onBook(): void {
    this.synced = true
  }
  onTrade(): void {}
  onBookInvalid(): void {
    this.synced = false
  }
}

/** A strategy, its account and paper venues, and a seeded market, on one simulated clock. */
export class StrategyHarness {
  readonly clock = new SimulatedClock(START_US)
  readonly account: TradingAccount
  readonly orders: OrderManager
  /** The model publishing to the feeds (replaced by {@link calm}). */
  model: MarketModel
  readonly runner: StrategyRunner
  readonly record = new StrategyRecord()
  /** Feeds (the hub's lines) by venue. */
  readonly feeds = new Map<string, DirectFeed>()
  /** Paper venues by venue. */
  readonly paper = new Map<string, PaperVenue>()
  /** Order-manager incidents (illegal transitions, unknown orders): none expected. */
  readonly incidents: Array<OrderIncident> = []
  /** Handler failures reported by the runner. */
  readonly failures: Array<unknown> = []
  /** Restarts done by the harness's supervisor. */
  restarts = 0
  readonly strategyId = "strategy-under-test"
  private readonly lines = new Map<string, LineState>()
  private readonly fees = new Map<string, PaperFees>()
  private readonly strategy: AnyStrategy
  private readonly params: unknown

  constructor(config: HarnessConfig) {
    const clock = this.clock
    this.strategy = config.strategy
    this.params = config.params
    this.account = new TradingAccount({ id: "main", balances: config.balances, limits: config.limits ?? looseLimits })
    this.orders = new OrderManager(this.account, () => clock.nowUs(), (incident) => this.incidents.push(incident))

    // The market: one feed per venue, all driven by one model.
    const modelVenues: Array<MarketModelVenue> = []
    for (const v of config.venues) {
      const id = v.instrument.venue
      const line = new LineState()
      const feed = new DirectFeed(clock, v.instrument, [line])
      this.lines.set(marketKey(id, v.instrument.symbol), line)
      this.feeds.set(id, feed)
      this.fees.set(id, v.fees)
      modelVenues.push({ ...v.tune, instrument: v.instrument, sink: feed })
    }
    this.model = new MarketModel(clock, { ...config.model, seed: config.seed, venues: modelVenues })

    const definition = observe(config.strategy, this.record, config.hooks)
    const instruments = new Map<string, Instrument>()
    this.runner = new StrategyRunner(this.strategyId, definition, config.params, {
      clock,
      account: this.account,
      orders: this.orders,
      instrument: (venue, symbol) => {
        const instrument = instruments.get(marketKey(venue, symbol))
        if (instrument === undefined) throw new Error(`${venue} ${symbol} is not among the strategy's subscriptions`)
        return instrument
      },
      book: (venue, symbol) => this.book(venue, symbol),
      fees: (venue) => {
        const fees = this.fees.get(venue)
        if (fees === undefined) throw new Error(`no venue ${venue}`)
        return fees
      },
      onFailure: (error) => {
        this.failures.push(error)
        if (config.restartAfterUs !== undefined) {
          clock.schedule(config.restartAfterUs, () => {
            this.runner.restart()
            this.restarts++
          })
        }
      },
      log: () => {}
    })

    // As the node does per subscription: the paper venue first (listener of the feed
    // before the strategy, the order manager as its listener, `addMarket`), then the runner.
    for (const sub of subscriptionsOf(config.strategy, config.params)) {
      const feed = this.feeds.get(sub.venue)
      if (feed === undefined || feed.instrument.symbol !== sub.symbol) throw new Error(`the model has no ${sub.venue} ${sub.symbol}`)
      const instrument = feed.instrument
      if (!this.paper.has(sub.venue)) {
        const paper = new PaperVenue({
          venue: sub.venue,
          instruments: [instrument],
          clock,
          listener: this.orders,
          fees: this.fees.get(sub.venue)!,
          seed: config.paper?.seed ?? 1,
          fillIdPrefix: `${this.account.id}-${sub.venue}-`,
          ...(config.paper?.entryLatency === undefined ? {} : { entryLatency: config.paper.entryLatency }),
          ...(config.paper?.ackLatency === undefined ? {} : { ackLatency: config.paper.ackLatency })
        })
        feed.addListener(paper)
        this.paper.set(sub.venue, paper)
        this.orders.addMarket({ instrument, venue: paper, mid: () => this.book(sub.venue, sub.symbol)?.mid() ?? NaN })
      }
      feed.addListener(this.runner)
      instruments.set(marketKey(sub.venue, sub.symbol), instrument)
    }
  }

  /** The published book of a market, undefined until it is in sync (as the hub's `book`). */
  book(venue: string, symbol: string): OrderBook | undefined {
    const feed = this.feeds.get(venue)
    if (feed === undefined || feed.instrument.symbol !== symbol) return undefined
    return this.lines.get(marketKey(venue, symbol))?.synced === true ? feed.book : undefined
  }

  /** Starts the market (initial books) and the strategy. */
  start(): this {
    this.model.start()
    this.runner.start()
    return this
  }

  /**
   * Replaces the market by a calm one on the same feeds: a model with the defaults (venue
   * prices within ~160 ppm of each other, below any two taker fees) and no jumps, from
   * the current fair price. Its first frame deletes every level the old market left.
   */
  calm(seed: number): void {
    const startPrice = this.model.fairValue()
    this.model.stop()
    const venues: Array<MarketModelVenue> = []
    for (const feed of this.feeds.values()) {
      const { book, instrument } = feed
      for (const side of [BID, ASK] as const) {
        const levels = book.side(side)
        for (let i = 0; i < levels.count; i++) feed.setLevel(instrument.symbol, side, levels.priceAt(i), 0)
      }
      venues.push({ instrument, sink: feed })
    }
    this.model = new MarketModel(this.clock, { seed, startPrice, jumpRate: 0, venues })
    this.model.start()
  }

  /** What the strategy can see now (the view its submits record). */
  view(): MarketView {
    const instrument = (venue: string): Instrument => this.feeds.get(venue)!.instrument
    return viewOf(
      subscriptionsOf(this.strategy, this.params),
      instrument,
      (venue, symbol) => this.book(venue, symbol),
      (venue) => this.account.portfolio.position(instrument(venue)),
      (venue, asset) => this.account.portfolio.balance(venue, asset)
    )
  }

  /** Advances simulated time by `us`, running the market, latencies and the strategy. */
  run(us: number): void {
    this.clock.advanceTo(this.clock.nowUs() + us)
  }

  /** Runs until `atUs` (absolute). */
  runUntil(atUs: number): void {
    this.clock.advanceTo(atUs)
  }

  /** Adds a listener to a venue's feed after everything registered so far. */
  listen(venue: string, listener: MarketListener): void {
    this.feeds.get(venue)!.addListener(listener)
  }

  /** Open orders of the strategy (from the order manager). */
  openOrders(venue?: string, symbol?: string): Array<Order> {
    return this.orders.openOrders(this.strategyId, venue, symbol)
  }

  /** Open orders of the strategy on one side that it has not asked to cancel. */
  liveQuotes(venue: string, symbol: string, side: Side): Array<Order> {
    return this.openOrders(venue, symbol).filter((o) => o.side === side && !this.record.cancelRequested.has(o.id))
  }
}
