/**
 * Runs one strategy's synchronous handlers on the hot path: market data in, orders out
 * through the account's order manager, acks and fills back.
 *
 * A handler that throws stops the strategy's handlers at once and reports the failure;
 * its supervisor restarts it with backoff ({@link StrategyRunner.restart}): the state is
 * created anew by `init`, while positions and open orders — kept by the account and the
 * order manager, not the strategy — carry over.
 *
 * @module
 */
import {
  type AnyStrategy,
  type BookUpdate,
  type Clock,
  type Fill,
  type Instrument,
  type MarketListener,
  type Order,
  type OrderBook,
  type OrderRequest,
  type StrategyContext,
  type SubmitResult,
  type TimerHandle,
  type TradePrint,
  Histogram,
  monoNs
} from "@hft/core"
import type { OrderManager, OrderOwner } from "./order-manager.ts"
import type { TradingAccount } from "./trading-account.ts"

/** What a runner needs from the node. */
export interface StrategyRunnerDeps {
  /** Time for handlers and timers. */
  readonly clock: Clock
  /** The account the strategy trades for. */
  readonly account: TradingAccount
  /** The account's order manager. */
  readonly orders: OrderManager
  /** Instruments of the strategy's subscriptions. */
  readonly instrument: (venue: string, symbol: string) => Instrument
  /** Fee rates of a venue. */
  readonly fees: (venue: string) => { readonly makerPpm: number; readonly takerPpm: number }
  /** Live books. */
  readonly book: (venue: string, symbol: string) => OrderBook | undefined
  /** Called once when a handler throws; the runner is stopped until restarted. */
  readonly onFailure: (error: unknown) => void
  /** Strategy log lines. */
  readonly log: (message: string) => void
}

/** A strategy instance bound to this node's market data and account. */
export class StrategyRunner implements MarketListener, OrderOwner {
  /** Strategy id. */
  readonly id: string
  /** Frame receipt → order in the venue's entry queue, ns. */
  readonly tickToTrade = new Histogram()
  /** Handler failures so far. */
  failures = 0
  private readonly definition: AnyStrategy
  private readonly params: unknown
  private readonly deps: StrategyRunnerDeps
  private running = false
  private context: StrategyContext<unknown, unknown> | undefined
  private readonly timers = new Map<string, TimerHandle>()
  /** Monotonic receive time of the frame being handled, 0 outside market-data handlers. */
  private tickNs = 0

  constructor(id: string, definition: AnyStrategy, params: unknown, deps: StrategyRunnerDeps) {
    this.id = id
    this.definition = definition
    this.params = params
    this.deps = deps
  }

  /** Whether handlers are being called. */
  isRunning(): boolean {
    return this.running
  }

  /**
   * Creates fresh state and calls `onStart`. Throws what `init` throws (the runner then
   * stays stopped); a throwing `onStart` is reported like any handler failure.
   */
  start(): void {
    const runner = this
    const { deps, id } = this
    const state = this.definition.init(this.params)
    this.context = {
      strategyId: id,
      params: this.params,
      state,
      now: () => deps.clock.nowUs(),
      instrument: (venue, symbol) => deps.instrument(venue, symbol),
      book: (venue, symbol) => deps.book(venue, symbol),
      position: (venue, symbol) => deps.account.portfolio.position(deps.instrument(venue, symbol)),
      balance: (venue, asset) => deps.account.portfolio.balance(venue, asset),
      tradingState: () => deps.account.tradingState(),
      fees: (venue) => deps.fees(venue),
      order: (orderId) => deps.orders.openOrder(id, orderId),
      openOrders: (venue, symbol) => deps.orders.openOrders(id, venue, symbol),
      submit: (request: OrderRequest): SubmitResult => {
        const result = deps.orders.submit(id, request)
        if (result.ok && runner.tickNs > 0) runner.tickToTrade.record(monoNs() - runner.tickNs)
        return result
      },
      cancel: (orderId) => deps.orders.cancel(id, orderId),
      every: (name, intervalMs) => runner.every(name, intervalMs),
      log: (message) => deps.log(message)
    }
    this.deps.orders.setOwner(id, this)
    this.running = true
    this.call(() => this.definition.onStart?.(this.context!))
  }

  /** Calls `onStop` and stops handlers and timers. */
  stop(): void {
    if (this.running) this.call(() => this.definition.onStop?.(this.context!))
    this.halt()
  }

  /**
   * Starts again after a failure: new state, `onStart`, same positions and open orders.
   * An `init` that throws is reported through `onFailure` like a handler failure.
   */
  restart(): void {
    this.halt()
    try {
      this.start()
    } catch (error) {
      this.failures++
      this.deps.onFailure(error)
    }
  }

  onBook(update: BookUpdate): void {
    if (!this.running || this.definition.onBook === undefined) return
    this.tickNs = update.recvMonoNs
    this.call(() => this.definition.onBook!(this.context!, update))
    this.tickNs = 0
  }

  onTrade(trade: TradePrint): void {
    if (!this.running || this.definition.onTrade === undefined) return
    this.call(() => this.definition.onTrade!(this.context!, trade))
  }

  onOrder(order: Order): void {
    if (!this.running || this.definition.onOrder === undefined) return
    this.call(() => this.definition.onOrder!(this.context!, order))
  }

  onFill(fill: Fill): void {
    if (!this.running || this.definition.onFill === undefined) return
    this.call(() => this.definition.onFill!(this.context!, fill))
  }

  private every(name: string, intervalMs: number): void {
    this.timers.get(name)?.cancel()
    const tick = () => {
      if (!this.running) return
      this.call(() => this.definition.onTimer?.(this.context!, name))
      if (this.running) this.timers.set(name, this.deps.clock.schedule(intervalMs * 1000, tick))
    }
    this.timers.set(name, this.deps.clock.schedule(intervalMs * 1000, tick))
  }

  private call(handler: () => void): void {
    try {
      handler()
    } catch (error) {
      this.failures++
      this.halt()
      this.deps.onFailure(error)
    }
  }

  private halt(): void {
    this.running = false
    this.tickNs = 0
    for (const timer of this.timers.values()) timer.cancel()
    this.timers.clear()
  }
}
