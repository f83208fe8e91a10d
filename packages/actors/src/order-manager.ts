/**
 * The order manager of one account: pre-trade risk, the order state machine, routing to
 * the paper venue of each instrument, exposure for risk, and booking fills into the
 * portfolio. Acks and fills go back to the strategy that owns the order.
 *
 * Synchronous: it runs on the hot path between a strategy's decision and the venue.
 *
 * @module
 */
import {
  type Exposure,
  type Fill,
  type Instrument,
  type Order,
  type OrderEvent,
  type OrderRequest,
  type SubmitResult,
  BID,
  IllegalTransition,
  VenueSymbolMap,
  applyOrderEvent,
  isTerminal,
  newOrder
} from "@hft/core"
import type { PaperVenueListener } from "@hft/paper"
import type { TradingAccount } from "./trading-account.ts"

/** Who receives an order's events: the strategy that sent it. */
export interface OrderOwner {
  /** An order changed status. */
  onOrder(order: Order): void
  /** An order filled. */
  onFill(fill: Fill): void
}

/** Where orders go: the paper venue of an instrument. */
export interface OrderVenue {
  /** Sends an order (status `new`). */
  submit(order: Order): void
  /** Requests a cancel. */
  cancel(orderId: string): void
}

/** A market the manager can trade: its instrument, venue, and reference price. */
export interface TradableMarket {
  readonly instrument: Instrument
  readonly venue: OrderVenue
  /** Mid price in price units, NaN when the book is not in sync. */
  mid(): number
}

/** Something that went wrong that the caller should log and count. */
export interface OrderIncident {
  readonly orderId: string
  readonly detail: string
}

/** Finished orders remembered for late events (cancel rejects, duplicate deliveries). */
const FINISHED_KEPT = 10_000


/** The order manager of one account. */
export class OrderManager implements PaperVenueListener {
  /** Fills booked. */
  fills = 0
  /** Orders refused by pre-trade risk. */
  denials = 0
  private readonly account: TradingAccount
  private readonly now: () => number
  /** Open orders by id. */
  private readonly open = new Map<string, Order>()
  /** Recently finished orders by id, oldest first, so late events are recognised; bounded. */
  private readonly finished = new Map<string, Order>()
  private readonly owners = new Map<string, OrderOwner>()
  private readonly markets = new VenueSymbolMap<TradableMarket>()
  private readonly exposures = new VenueSymbolMap<Exposure>()
  private readonly onIncident: (incident: OrderIncident) => void
  private seq = 0

  constructor(account: TradingAccount, now: () => number, onIncident: (incident: OrderIncident) => void) {
    this.account = account
    this.now = now
    this.onIncident = onIncident
  }

  /** Makes an instrument tradable through its venue. */
  addMarket(market: TradableMarket): void {
    this.markets.set(market.instrument.venue, market.instrument.symbol, market)
  }

  /** Registers the receiver of events for orders owned by `owner`. */
  setOwner(owner: string, receiver: OrderOwner): void {
    this.owners.set(owner, receiver)
  }

  /** Checks an order against pre-trade risk and, if allowed, sends it. */
  submit(owner: string, request: OrderRequest): SubmitResult {
    const market = this.markets.get(request.venue, request.symbol)
    if (market === undefined) return { ok: false, reason: "NO_REFERENCE_PRICE" }
    const instrument = market.instrument
    const exposure = this.exposure(instrument)
    const denial = this.account.risk(instrument).check(instrument, request, exposure, market.mid(), this.now())
    if (denial !== undefined) {
      this.denials++
      return { ok: false, reason: denial }
    }
    const order = newOrder(request, request.clientId ?? `${this.account.id}-${++this.seq}`, owner)
    this.open.set(order.id, order)
    if (order.side === BID) exposure.openBuySize += order.size
    else exposure.openSellSize += order.size
    market.venue.submit(order)
    return { ok: true, orderId: order.id }
  }

  /** Requests cancellation of an open order of `owner`. */
  cancel(owner: string, orderId: string): boolean {
    const order = this.open.get(orderId)
    if (order === undefined || order.owner !== owner) return false
    this.markets.get(order.venue, order.symbol)?.venue.cancel(orderId)
    return true
  }

  /** An open order of `owner` by id. */
  openOrder(owner: string, orderId: string): Order | undefined {
    const order = this.open.get(orderId)
    return order?.owner === owner ? order : undefined
  }

  /** Open orders of `owner`, optionally of one venue and symbol. */
  openOrders(owner: string, venue?: string, symbol?: string): Array<Order> {
    const out: Array<Order> = []
    for (const order of this.open.values()) {
      if (order.owner !== owner) continue
      if (venue !== undefined && order.venue !== venue) continue
      if (symbol !== undefined && order.symbol !== symbol) continue
      out.push(order)
    }
    return out
  }

  /** Requests cancellation of every open order (kill switch). */
  cancelAll(): number {
    let n = 0
    for (const order of this.open.values()) {
      this.markets.get(order.venue, order.symbol)?.venue.cancel(order.id)
      n++
    }
    return n
  }

  /** The exposure record of an instrument. */
  exposure(instrument: Instrument): Exposure {
    let exposure = this.exposures.get(instrument.venue, instrument.symbol)
    if (exposure === undefined) {
      exposure = { position: this.account.portfolio.position(instrument).size, openBuySize: 0, openSellSize: 0 }
      this.exposures.set(instrument.venue, instrument.symbol, exposure)
    }
    return exposure
  }

  /** Number of open orders. */
  openCount(): number {
    return this.open.size
  }

  onOrderEvent(orderId: string, event: OrderEvent): void {
    const order = this.open.get(orderId) ?? this.finished.get(orderId)
    if (order === undefined) return this.onIncident({ orderId, detail: `event ${event.type} for an unknown order` })
    const remainingBefore = order.size - order.filled
    const illegal = applyOrderEvent(order, event)
    if (illegal instanceof IllegalTransition) return this.onIncident({ orderId, detail: illegal.message })
    const market = this.markets.get(order.venue, order.symbol)!
    const exposure = this.exposure(market.instrument)
    const released = event.type === "fill" ? event.size : isTerminal(order.status) ? remainingBefore : 0
    if (order.side === BID) exposure.openBuySize -= released
    else exposure.openSellSize -= released
    if (isTerminal(order.status) && this.open.delete(orderId)) this.retire(order)
    if (event.type !== "fill") this.owners.get(order.owner)?.onOrder(order)
  }

  private retire(order: Order): void {
    this.finished.set(order.id, order)
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!)
  }

  onFill(fill: Fill): void {
    const order = this.open.get(fill.orderId) ?? this.finished.get(fill.orderId)
    if (order === undefined) return this.onIncident({ orderId: fill.orderId, detail: "fill for an unknown order" })
    this.account.portfolio.applyFill(fill.instrument, fill.side, fill.price, fill.size, fill.fee)
    this.exposure(fill.instrument).position = this.account.portfolio.position(fill.instrument).size
    this.fills++
    const owner = this.owners.get(order.owner)
    owner?.onFill(fill)
    owner?.onOrder(order)
  }
}
