/**
 * The paper venue: matches our orders against a venue's live book without ever
 * sending them, as honestly as the public data allows. One instance per venue; the
 * same engine serves live paper trading (wall clock) and backtests (simulated clock),
 * since all time goes through the core {@link Clock}.
 *
 * What it models:
 * - **Latency.** An order or cancel travels the entry leg (`entryLatency`) before the
 *   venue sees it; every ack, fill, cancel and reject travels the response leg
 *   (`ackLatency`) back. Both legs are FIFO: a message never overtakes an earlier one.
 * - **Taking.** Market orders walk the book level by level (one fill per level, so the
 *   average price is the VWAP); IOC limits take what crosses and expire the rest; FOK
 *   limits fill in full or expire without a fill; GTC limits take what crosses and
 *   rest the remainder; post-only limits that would take are rejected.
 * - **Consumed liquidity.** What our takers took from a level is not available to the
 *   next order until the venue's book updates that level ({@link ConsumedOverlay}).
 * - **Queue position.** A resting order waits behind the size displayed at its price
 *   when it arrived; trades at its price and cancellations ahead shrink that queue
 *   ({@link QueuePosition}); our own earlier orders at the same price stay ahead of it.
 * - **Maker fills only from what the market shows.** A resting order fills (as maker,
 *   at its own price) from (a) the part of a public trade at its price that reaches
 *   past the queue ahead, (b) a public trade at a worse price for the taker — the
 *   taker went through our price — up to that trade's size, and (c) opposite
 *   liquidity the book displays at or through our price (after what we already
 *   consumed). One public trade never fills more than its own size across our orders.
 * - **Self-trade prevention (expire taker).** An incoming order never trades at or
 *   through the price of our own resting order on the other side: it takes the
 *   liquidity at better prices, then its remainder expires with reason
 *   "self-trade prevention" (a post-only order that would cross our own order is
 *   rejected; a FOK that cannot fill before reaching our own order expires unfilled).
 * - **Fees.** Maker or taker rate in ppm per fill, exact, rounded up.
 * - **Venue rules.** Orders off the lot or tick grid, below the minimum size or (limit
 *   orders) the minimum notional, for unknown symbols, or arriving while the book is
 *   not synchronised are rejected.
 *
 * Events reach the {@link PaperVenueListener} in order: `accept` or `reject`, then
 * fills, then `cancel` or `expire`. Each fill comes as `onOrderEvent(id, { type:
 * "fill", … })` immediately followed by `onFill(fill)`.
 *
 * @module
 */
import {
  ASK,
  BID,
  type BookSide,
  type BookUpdate,
  type Clock,
  type Fill,
  type Instrument,
  type MarketListener,
  type Order,
  type OrderBook,
  type OrderEvent,
  type Side,
  type TradePrint,
  type VenueId,
  Prng,
  feeFor
} from "@hft/core"
import { ConsumedOverlay } from "./consumed-overlay.ts"
import { DelayLine } from "./delay-line.ts"
import { BINANCE_BASE_FEES, type PaperFees } from "./fees.ts"
import { DEFAULT_ACK_LATENCY, DEFAULT_ENTRY_LATENCY, type LatencyLeg, sampleLatencyUs } from "./latency.ts"
import { QueuePosition } from "./queue-position.ts"

/** Receives what the paper venue sends back, after the response latency. */
export interface PaperVenueListener {
  /** An order changed: accept, reject, fill, cancel or expire. */
  onOrderEvent(orderId: string, event: OrderEvent): void
  /** An order filled (always right after the matching `fill` order event). */
  onFill(fill: Fill): void
  /** A cancel found no open order (already filled, expired, canceled or unknown). */
  onCancelRejected?(orderId: string, reason: string): void
}

/** How a paper venue is set up. */
export interface PaperVenueOptions {
  /** The venue it stands for; orders for another venue are rejected. */
  readonly venue: VenueId
  /** Instruments it trades (their `venue` must be this venue); their market data must reach {@link PaperVenue.onBook} and {@link PaperVenue.onTrade}. */
  readonly instruments: ReadonlyArray<Instrument>
  /** Time source for latencies and fill times. */
  readonly clock: Clock
  /** Where acks and fills go. */
  readonly listener: PaperVenueListener
  /** Fee rates; default Binance base tier (1000 / 1000 ppm). */
  readonly fees?: PaperFees
  /** Order-entry leg (orders and cancels); default {@link DEFAULT_ENTRY_LATENCY}. */
  readonly entryLatency?: LatencyLeg
  /** Response leg (acks, fills, cancels, rejects); default {@link DEFAULT_ACK_LATENCY}. */
  readonly ackLatency?: LatencyLeg
  /** Seed of the latency draws. Default 1. */
  readonly seed?: number
  /** Prefix of fill ids (`<prefix><n>`); default `"<venue>-"`. */
  readonly fillIdPrefix?: string
  /** Called when an order enters the entry queue (for tick-to-trade measurement). */
  readonly onEnqueue?: (order: Order) => void
}

/** A message on the entry leg. */
interface EntryMessage {
  readonly order: Order | undefined
  readonly orderId: string
}

/** A message on the response leg. */
interface ResponseMessage {
  readonly orderId: string
  readonly event: OrderEvent | undefined
  readonly fill: Fill | undefined
  readonly cancelReject: string | undefined
}

/** A resting order as the venue keeps it. */
interface RestingOrder {
  readonly order: Order
  readonly seq: number
  readonly market: SymbolMarket
  remaining: number
  readonly queue: QueuePosition
}

/** Per-instrument state: the live book, our resting orders per side (priority order), consumed liquidity per side. */
class SymbolMarket {
  readonly instrument: Instrument
  book: OrderBook | undefined = undefined
  valid = false
  /** Resting orders per side, best price first, then arrival order. */
  readonly resting: readonly [Array<RestingOrder>, Array<RestingOrder>] = [[], []]
  /** Liquidity we took, per side of the book. */
  readonly consumed: readonly [ConsumedOverlay, ConsumedOverlay] = [new ConsumedOverlay(), new ConsumedOverlay()]

  constructor(instrument: Instrument) {
    this.instrument = instrument
  }
}

const acceptEvent: OrderEvent = { type: "accept" }
const cancelEvent: OrderEvent = { type: "cancel" }

/** True when a taker on `side` may trade at `price` given its limit. */
const withinLimit = (side: Side, price: number, limit: number): boolean => (side === BID ? price <= limit : price >= limit)

/** The paper matching engine of one venue; see the module documentation. */
export class PaperVenue implements MarketListener {
  /** The venue id. */
  readonly venue: VenueId
  private readonly clock: Clock
  private readonly listener: PaperVenueListener
  private readonly fees: PaperFees
  private readonly entryLeg: LatencyLeg
  private readonly ackLeg: LatencyLeg
  private readonly prng: Prng
  private readonly fillIdPrefix: string
  private readonly onEnqueue: ((order: Order) => void) | undefined
  private readonly markets = new Map<string, SymbolMarket>()
  private readonly live = new Map<string, RestingOrder>()
  private readonly entry: DelayLine<EntryMessage>
  private readonly response: DelayLine<ResponseMessage>
  private lastInstrument: Instrument | undefined = undefined
  private lastMarket: SymbolMarket | undefined = undefined
  private seq = 0
  private fillSeq = 0

  /** Creates the venue; it needs market data before it accepts orders. */
  constructor(options: PaperVenueOptions) {
    this.venue = options.venue
    this.clock = options.clock
    this.listener = options.listener
    this.fees = options.fees ?? BINANCE_BASE_FEES
    this.entryLeg = options.entryLatency ?? DEFAULT_ENTRY_LATENCY
    this.ackLeg = options.ackLatency ?? DEFAULT_ACK_LATENCY
    this.prng = new Prng(options.seed ?? 1)
    this.fillIdPrefix = options.fillIdPrefix ?? `${options.venue}-`
    this.onEnqueue = options.onEnqueue
    for (const instrument of options.instruments) this.markets.set(instrument.symbol, new SymbolMarket(instrument))
    this.entry = new DelayLine(this.clock, (m: EntryMessage) => this.arrive(m))
    this.response = new DelayLine(this.clock, (m: ResponseMessage) => this.respond(m))
  }

  // ---------------------------------------------------------------- entry side

  /** Sends an order (status `new`, created by the order manager); the venue sees it after the entry latency. */
  submit(order: Order): void {
    this.entry.push(sampleLatencyUs(this.entryLeg, this.prng), { order, orderId: order.id })
    this.onEnqueue?.(order)
  }

  /** Asks to cancel an order; the venue sees the request after the entry latency (behind anything sent before it). */
  cancel(orderId: string): void {
    this.entry.push(sampleLatencyUs(this.entryLeg, this.prng), { order: undefined, orderId })
  }

  /** Cancels every resting order (of one symbol, when given) known to the venue now. */
  cancelAll(symbol?: string): void {
    for (const r of this.live.values()) if (symbol === undefined || r.order.symbol === symbol) this.cancel(r.order.id)
  }

  /** Orders and cancels on the entry leg, not yet seen by the venue. */
  entryQueueDepth(): number {
    return this.entry.length
  }

  /** Messages on the response leg, not yet delivered. */
  responseQueueDepth(): number {
    return this.response.length
  }

  /** Number of orders resting at the venue. */
  restingCount(): number {
    return this.live.size
  }

  /** Whether an order rests at the venue now. */
  isResting(orderId: string): boolean {
    return this.live.has(orderId)
  }

  /** Public size ahead of a resting order (undefined when it does not rest). */
  queueAhead(orderId: string): number | undefined {
    return this.live.get(orderId)?.queue.ahead
  }

  /** Size of a resting order still open at the venue (undefined when it does not rest). */
  restingSize(orderId: string): number | undefined {
    return this.live.get(orderId)?.remaining
  }

  // ---------------------------------------------------------------- market data

  /** A book changed: refreshes consumed liquidity and queue positions, fills resting orders the book now crosses. */
  onBook(update: BookUpdate): void {
    const market = this.marketOf(update.instrument)
    if (market === undefined) return
    const book = update.book
    const resync = !market.valid
    market.book = book
    market.valid = true
    market.consumed[BID].reconcile(book.bids)
    market.consumed[ASK].reconcile(book.asks)
    if (market.resting[BID].length > 0) this.refreshSide(market, BID, resync)
    if (market.resting[ASK].length > 0) this.refreshSide(market, ASK, resync)
  }

  /** A public trade: fills resting orders it reaches (queue ahead first) or went through. */
  onTrade(trade: TradePrint): void {
    const market = this.marketOf(trade.instrument)
    if (market === undefined) return
    const makerSide: Side = trade.takerSide === BID ? ASK : BID
    const list = market.resting[makerSide]
    if (list.length === 0) return
    const price = trade.price
    let budget = trade.size
    let ownAhead = 0
    let filledAny = false
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!
      const p = r.order.price
      if (makerSide === BID ? p < price : p > price) break
      if (p !== price) {
        // The taker traded at a worse price than ours: the queue at our price is gone.
        r.queue.clear()
        if (budget > 0) {
          const size = r.remaining < budget ? r.remaining : budget
          budget -= size
          this.makerFill(r, size)
          filledAny = true
        }
      } else {
        const before = r.remaining
        const reach = r.queue.onTrade(trade.size) - ownAhead
        ownAhead += before
        if (reach > 0 && budget > 0) {
          let size = r.remaining < reach ? r.remaining : reach
          if (size > budget) size = budget
          budget -= size
          this.makerFill(r, size)
          filledAny = true
        }
      }
    }
    if (filledAny) this.removeFilled(list)
  }

  /** The book is not trustworthy: no new orders are accepted and queues are resynchronised on the next book. */
  onBookInvalid(instrument: Instrument, _reason: string): void {
    const market = this.marketOf(instrument)
    if (market === undefined) return
    market.valid = false
    market.consumed[BID].clear()
    market.consumed[ASK].clear()
  }

  // ---------------------------------------------------------------- matching

  private marketOf(instrument: Instrument): SymbolMarket | undefined {
    if (instrument === this.lastInstrument) return this.lastMarket
    const market = instrument.venue === this.venue ? this.markets.get(instrument.symbol) : undefined
    this.lastInstrument = instrument
    this.lastMarket = market
    return market
  }

  /** An entry message reaches the venue. */
  private arrive(message: EntryMessage): void {
    const order = message.order
    if (order === undefined) this.arriveCancel(message.orderId)
    else this.arriveOrder(order)
  }

  private arriveCancel(orderId: string): void {
    const r = this.live.get(orderId)
    if (r === undefined) {
      this.send(orderId, undefined, undefined, "order not open")
      return
    }
    this.removeResting(r)
    this.send(orderId, cancelEvent, undefined, undefined)
  }

  private arriveOrder(order: Order): void {
    const market = this.markets.get(order.symbol)
    const reason = this.validate(order, market)
    if (reason !== undefined || market === undefined) {
      this.send(order.id, { type: "reject", reason: reason ?? "unknown symbol" }, undefined, undefined)
      return
    }
    const book = market.book!
    const side = order.side
    const isLimit = order.type === "limit"
    const limit = isLimit ? order.price : side === BID ? Infinity : -Infinity
    const contra = book.side(side === BID ? ASK : BID)
    const overlay = market.consumed[side === BID ? ASK : BID]
    // Self-trade prevention: never trade at or through our own opposite resting order.
    const ownOpposite = market.resting[side === BID ? ASK : BID]
    const ownPrice = ownOpposite.length > 0 ? ownOpposite[0]!.order.price : NaN
    const stp = !Number.isNaN(ownPrice) && withinLimit(side, ownPrice, limit)

    if (order.postOnly) {
      if (this.takeable(contra, overlay, side, limit, ownPrice, 1) > 0) {
        this.send(order.id, { type: "reject", reason: "post-only order would take liquidity" }, undefined, undefined)
        return
      }
      if (stp) {
        this.send(order.id, { type: "reject", reason: "self-trade prevention" }, undefined, undefined)
        return
      }
    }
    this.send(order.id, acceptEvent, undefined, undefined)

    if (order.tif === "FOK" && this.takeable(contra, overlay, side, limit, ownPrice, order.size) < order.size) {
      this.send(order.id, { type: "expire", reason: stp ? "self-trade prevention" : "FOK could not fill in full" }, undefined, undefined)
      return
    }

    // Walk the book.
    let remaining = order.size
    for (let depth = 0; depth < contra.count && remaining > 0; depth++) {
      const price = contra.priceAt(depth)
      if (!withinLimit(side, price, limit)) break
      if (!Number.isNaN(ownPrice) && withinLimit(side, ownPrice, price)) break
      const displayed = contra.sizeAt(depth)
      const available = overlay.available(price, displayed)
      if (available <= 0) continue
      const size = available < remaining ? available : remaining
      overlay.consume(price, size, displayed)
      remaining -= size
      this.sendFill(order, market.instrument, price, size, "taker")
    }
    if (remaining === 0) return

    if (stp) {
      this.send(order.id, { type: "expire", reason: "self-trade prevention" }, undefined, undefined)
    } else if (!isLimit || order.tif !== "GTC") {
      const what = isLimit ? `${order.tif} remainder expired` : remaining === order.size ? "no liquidity" : "market order remainder expired"
      this.send(order.id, { type: "expire", reason: what }, undefined, undefined)
    } else {
      this.rest(order, market, remaining)
    }
  }

  /** Why the venue rejects `order` outright, or undefined. */
  private validate(order: Order, market: SymbolMarket | undefined): string | undefined {
    if (order.venue !== this.venue) return `wrong venue ${order.venue}`
    if (market === undefined) return `unknown symbol ${order.symbol}`
    if (this.live.has(order.id)) return "duplicate order id"
    const instrument = market.instrument
    const size = order.size
    if (!Number.isSafeInteger(size) || size <= 0 || size % instrument.lotSize !== 0) return "invalid size"
    if (size < instrument.minSize) return "below min size"
    if (order.type === "limit") {
      const price = order.price
      if (!Number.isSafeInteger(price) || price <= 0 || price % instrument.tickSize !== 0) return "invalid price"
      if (BigInt(price) * BigInt(size) < instrument.minNotional) return "below min notional"
    } else if (order.postOnly) {
      return "post-only market order"
    }
    if (!market.valid || market.book === undefined) return "no market data"
    return undefined
  }

  /** Size a taker on `side` could take now up to `limit` (stopping before our own price), counting no further than `need`. */
  private takeable(contra: BookSide, overlay: ConsumedOverlay, side: Side, limit: number, ownPrice: number, need: number): number {
    let total = 0
    for (let depth = 0; depth < contra.count && total < need; depth++) {
      const price = contra.priceAt(depth)
      if (!withinLimit(side, price, limit)) break
      if (!Number.isNaN(ownPrice) && withinLimit(side, ownPrice, price)) break
      total += overlay.available(price, contra.sizeAt(depth))
    }
    return total
  }

  /** Rests the remainder of a GTC limit order behind the size displayed at its price. */
  private rest(order: Order, market: SymbolMarket, remaining: number): void {
    const side = order.side
    const displayed = market.book!.side(side).sizeAtPrice(order.price)
    const r: RestingOrder = { order, seq: ++this.seq, market, remaining, queue: new QueuePosition(displayed) }
    const list = market.resting[side]
    let i = list.length
    // Priority order: better price first, then arrival.
    while (i > 0 && (side === BID ? list[i - 1]!.order.price < order.price : list[i - 1]!.order.price > order.price)) i--
    list.splice(i, 0, r)
    this.live.set(order.id, r)
  }

  /** Updates the queue positions of the resting orders on `side` from the new book, then fills what the book crosses. */
  private refreshSide(market: SymbolMarket, side: Side, resync: boolean): void {
    const list = market.resting[side]
    const own = market.book!.side(side)
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!
      const displayed = own.sizeAtPrice(r.order.price)
      if (resync) r.queue.resync(displayed)
      else r.queue.onLevel(displayed)
    }
    this.fillCrossed(market, side)
  }

  /** Fills resting orders on `side` from opposite liquidity the book displays at or through their prices. */
  private fillCrossed(market: SymbolMarket, side: Side): void {
    const list = market.resting[side]
    const book = market.book!
    const contraSide: Side = side === BID ? ASK : BID
    const contra = book.side(contraSide)
    if (contra.count === 0) return
    const overlay = market.consumed[contraSide]
    let filledAny = false
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!
      const limit = r.order.price
      if (!withinLimit(side, contra.priceAt(0), limit)) break
      let size = 0
      for (let depth = 0; depth < contra.count && size < r.remaining; depth++) {
        const price = contra.priceAt(depth)
        if (!withinLimit(side, price, limit)) break
        const displayed = contra.sizeAt(depth)
        const available = overlay.available(price, displayed)
        if (available <= 0) continue
        const take = available < r.remaining - size ? available : r.remaining - size
        overlay.consume(price, take, displayed)
        size += take
      }
      r.queue.clear()
      if (size > 0) {
        this.makerFill(r, size)
        filledAny = true
      }
    }
    if (filledAny) this.removeFilled(list)
  }

  /** Fills a resting order as maker at its own price (the caller removes it from its list once filled). */
  private makerFill(r: RestingOrder, size: number): void {
    r.remaining -= size
    this.sendFill(r.order, r.market.instrument, r.order.price, size, "maker")
    if (r.remaining === 0) this.live.delete(r.order.id)
  }

  private removeFilled(list: Array<RestingOrder>): void {
    let j = 0
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!
      if (r.remaining > 0) list[j++] = r
    }
    list.length = j
  }

  private removeResting(r: RestingOrder): void {
    this.live.delete(r.order.id)
    const list = r.market.resting[r.order.side]
    const i = list.indexOf(r)
    if (i >= 0) list.splice(i, 1)
  }

  // ---------------------------------------------------------------- response side

  private sendFill(order: Order, instrument: Instrument, price: number, size: number, liquidity: "maker" | "taker"): void {
    const fee = feeFor(price, size, liquidity === "maker" ? this.fees.makerPpm : this.fees.takerPpm)
    const fill: Fill = {
      orderId: order.id,
      fillId: `${this.fillIdPrefix}${++this.fillSeq}`,
      instrument,
      side: order.side,
      price,
      size,
      fee,
      liquidity,
      tsUs: this.clock.nowUs()
    }
    this.send(order.id, { type: "fill", size, price }, fill, undefined)
  }

  private send(orderId: string, event: OrderEvent | undefined, fill: Fill | undefined, cancelReject: string | undefined): void {
    this.response.push(sampleLatencyUs(this.ackLeg, this.prng), { orderId, event, fill, cancelReject })
  }

  private respond(message: ResponseMessage): void {
    if (message.event !== undefined) this.listener.onOrderEvent(message.orderId, message.event)
    if (message.fill !== undefined) this.listener.onFill(message.fill)
    if (message.cancelReject !== undefined) this.listener.onCancelRejected?.(message.orderId, message.cancelReject)
  }
}
