/**
 * The strategy API: a strategy is a set of synchronous handlers over a context that
 * reads books, positions and balances and submits and cancels orders.
 *
 * @example
 * ```ts
 * export default defineStrategy({
 *   name: "touch-joiner",
 *   params: { size: 1000 },
 *   subscriptions: [{ venue: "binance", symbol: "BTC/USDT" }],
 *   init: () => ({ quotes: 0 }),
 *   onBook(ctx, update) { ... ctx.submit({ ... }) }
 * })
 * ```
 *
 * @module
 */
import type { Instrument } from "./instrument.ts"
import type { BookUpdate, TradePrint } from "./market-event.ts"
import type { Order, OrderRequest } from "./order.ts"
import type { OrderBook, Side } from "./order-book.ts"
import type { Position } from "./portfolio.ts"
import type { DenialReason, TradingState } from "./risk.ts"

/** A market-data subscription of a strategy. */
export interface Subscription {
  /** Venue id. */
  readonly venue: string
  /** Canonical symbol. */
  readonly symbol: string
}

/** A fill reported to the strategy that owns the order. */
export interface Fill {
  /** Order id. */
  readonly orderId: string
  /** Fill id, unique per venue. */
  readonly fillId: string
  /** Instrument filled. */
  readonly instrument: Instrument
  /** Side of our order. */
  readonly side: Side
  /** Fill price in price units. */
  readonly price: number
  /** Fill size in size units. */
  readonly size: number
  /** Fee charged, at notional scale. */
  readonly fee: bigint
  /** Whether our order added or took liquidity. */
  readonly liquidity: "maker" | "taker"
  /** Time of the fill at the venue, µs since the epoch. */
  readonly tsUs: number
}

/** Outcome of submitting an order. */
export type SubmitResult =
  | { readonly ok: true; readonly orderId: string }
  | { readonly ok: false; readonly reason: DenialReason }

/** What a handler can see and do. */
export interface StrategyContext<P, S> {
  /** The strategy's id (an instance of a definition). */
  readonly strategyId: string
  /** The parameters it runs with. */
  readonly params: P
  /** Its mutable state, created by `init`. */
  readonly state: S
  /** Current time, µs since the epoch. */
  now(): number
  /** The instrument for a subscription. */
  instrument(venue: string, symbol: string): Instrument
  /** The live book, or undefined while it is not synchronised. */
  book(venue: string, symbol: string): OrderBook | undefined
  /** The strategy's position on a venue. */
  position(venue: string, symbol: string): Position
  /** Balance of an asset on a venue in ledger units (18 decimals). */
  balance(venue: string, asset: string): bigint
  /** The account's trading state. */
  tradingState(): TradingState
  /** Fee rates the venue charges, in ppm of the notional. */
  fees(venue: string): { readonly makerPpm: number; readonly takerPpm: number }
  /** One of this strategy's open orders by id, or undefined once it is finished. */
  order(orderId: string): Order | undefined
  /** Open orders of this strategy, optionally for one venue and symbol. */
  openOrders(venue?: string, symbol?: string): ReadonlyArray<Order>
  /** Submits an order through pre-trade risk; the result says whether it was sent. */
  submit(request: OrderRequest): SubmitResult
  /** Requests cancellation of an open order; false when it is not open. */
  cancel(orderId: string): boolean
  /** Calls `onTimer(name)` every `intervalMs` until the strategy stops. */
  every(name: string, intervalMs: number): void
  /** Logs a line attributed to the strategy. */
  log(message: string): void
}

/** A strategy definition: parameters, subscriptions and synchronous handlers. */
export interface StrategyDefinition<P, S> {
  /** Name of the strategy kind. */
  readonly name: string
  /** Default parameters. */
  readonly params: P
  /** Market data it needs, fixed or derived from the parameters. */
  readonly subscriptions: ReadonlyArray<Subscription> | ((params: P) => ReadonlyArray<Subscription>)
  /** Creates its mutable state (again after a restart). */
  readonly init: (params: P) => S
  /** Called once when started (and after every restart). */
  readonly onStart?: (ctx: StrategyContext<P, S>) => void
  /** Called when a subscribed book changed. */
  readonly onBook?: (ctx: StrategyContext<P, S>, update: BookUpdate) => void
  /** Called on a public trade of a subscribed instrument. */
  readonly onTrade?: (ctx: StrategyContext<P, S>, trade: TradePrint) => void
  /** Called when one of its orders changed status. */
  readonly onOrder?: (ctx: StrategyContext<P, S>, order: Order) => void
  /** Called when one of its orders filled (partly or fully). */
  readonly onFill?: (ctx: StrategyContext<P, S>, fill: Fill) => void
  /** Called by timers set with `ctx.every`. */
  readonly onTimer?: (ctx: StrategyContext<P, S>, name: string) => void
  /** Called when the strategy stops. */
  readonly onStop?: (ctx: StrategyContext<P, S>) => void
}

/** Any strategy definition, whatever its parameter and state types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = StrategyDefinition<any, any>

/** Declares a strategy; identity at runtime, it gives the handlers their types. */
export const defineStrategy = <P, S>(definition: StrategyDefinition<P, S>): StrategyDefinition<P, S> => definition

/** The subscriptions of a definition for the given parameters. */
export const subscriptionsOf = <P, S>(definition: StrategyDefinition<P, S>, params: P): ReadonlyArray<Subscription> =>
  typeof definition.subscriptions === "function" ? definition.subscriptions(params) : definition.subscriptions
