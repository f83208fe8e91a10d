/**
 * Cross-exchange arbitrage: when one venue's best bid exceeds another's best ask by more
 * than both taker fees and a minimum edge, buy where it is cheap and sell where it is
 * dear, for as much as both touches show — within the balance on each venue (spot: the
 * quote to pay with, the base to deliver) and a position limit per venue.
 *
 * Legging: the stale quote (the leg whose mid is furthest from the other venues') goes
 * first as an IOC, since it is the one about to disappear; each fill of it is hedged at
 * once on the other venue with an IOC at that venue's touch, and what a hedge order
 * leaves unfilled is sent again, up to three hedge orders per fill. What cannot be
 * hedged (below the venue's lot or minimum, out of attempts) is counted as unhedged.
 *
 * Rebalancing: hedge plans live in the strategy's state, which a restart recreates, so a
 * first leg that fills after a restart goes unhedged, and unhedged remainders add up.
 * On start and on every book with nothing in flight, the strategy therefore looks at
 * the net position over all legs; when it is at least a lot of some leg's venue, it
 * sends one IOC toward flat (never past it) on the venue where that is cheapest — best
 * touch net of the taker fee — within the balances, minimums and position limits.
 * Only then does it look for a new arbitrage.
 *
 * Venues quote in different scales (and sometimes different quote assets of equal value,
 * USD and USDT): prices are compared at a common scale, and sizes are rounded down to
 * both venues' lots.
 *
 * @module
 */
import { type Instrument, type Order, type StrategyContext, ASK, BID, LEDGER_SCALE, defineStrategy, isTerminal, parseUnits, pow10 } from "@hft/core"

/** Parameters: the legs and the thresholds. */
export interface CrossArbitrageParams {
  /** Legs as `venue:SYMBOL` pairs, comma-separated (`binance:BTC/USDT,kraken:BTC/USD`). */
  readonly legs: string
  /** Largest size of one arbitrage (decimal text, base asset). */
  readonly maxSize: string
  /** Largest absolute position per venue (decimal text, base asset). */
  readonly maxPosition: string
  /** Edge required beyond both taker fees, in ppm of the buy price. */
  readonly minEdgePpm: number
}

interface Leg {
  readonly venue: string
  readonly symbol: string
}

/** The second leg of an arbitrage, sent for what the first leg filled. */
interface Hedge {
  readonly leg: Leg
  readonly side: 0 | 1
  /** Instrument of the first leg (its fills are in that instrument's size units). */
  readonly firstInstrument: Instrument
}

/** A hedge order in flight: which hedge, and which of the orders sent for one fill it is (1-based). */
interface HedgeOrder {
  readonly hedge: Hedge
  readonly attempt: number
}

interface ArbState {
  legs: ReadonlyArray<Leg>
  /** Hedges to send when the first leg (by order id) fills. */
  readonly hedges: Map<string, Hedge>
  /** Hedge orders in flight by order id, to re-send what they leave unfilled. */
  readonly hedgeOrders: Map<string, HedgeOrder>
  /** Size that could not be hedged (below the venue's lot or minimum, or out of attempts), in base units at 8 decimals. */
  unhedged: number
  /** Open IOC orders of the arbitrage in flight; no new one until they are done. */
  readonly inFlight: Set<string>
  /** Arbitrages sent. */
  sent: number
  /** Rebalancing orders sent. */
  rebalanced: number
  /** Opportunities skipped for want of balance or position room. */
  blocked: number
}

type Ctx = StrategyContext<CrossArbitrageParams, ArbState>

/** Parses `venue:SYMBOL,venue:SYMBOL`. */
export const parseLegs = (text: string): Array<Leg> =>
  text.split(",").map((part) => {
    const at = part.indexOf(":")
    if (at <= 0 || at === part.length - 1) throw new Error(`invalid leg ${JSON.stringify(part)}: expected venue:SYMBOL`)
    return { venue: part.slice(0, at).trim(), symbol: part.slice(at + 1).trim() }
  })

const COMMON_SCALE = 8

/** Price units of `instrument` at the common scale. */
const common = (instrument: Instrument, price: number): number => price * 10 ** (COMMON_SCALE - instrument.priceScale)

/** `size` at `from` decimals expressed at `to` decimals (fractional when `to` is coarser; dividing keeps exact results exact). */
const rescale = (size: number, from: number, to: number): number => (to >= from ? size * 10 ** (to - from) : size / 10 ** (from - to))

/** Ledger units (18 decimals) of a balance as size units of `instrument`, rounded down. */
const balanceInSize = (instrument: Instrument, ledger: bigint): number =>
  ledger <= 0n ? 0 : Number(ledger / pow10(LEDGER_SCALE - instrument.sizeScale))

/** Whether `size` at `price` meets the instrument's minimum size and notional. */
const tradable = (instrument: Instrument, price: number, size: number): boolean =>
  size >= instrument.minSize && BigInt(price) * BigInt(size) >= instrument.minNotional

/** Size units of `instrument` that the quote balance on `venue` buys at `ask`, taker fee included, rounded down. */
const affordable = (ctx: Ctx, venue: string, instrument: Instrument, ask: number): number => {
  const quote = ctx.balance(venue, instrument.quote)
  if (quote <= 0n) return 0
  // Ledger → notional units → size.
  const notional = quote / pow10(LEDGER_SCALE - instrument.priceScale - instrument.sizeScale)
  return Number((notional * 1_000_000n) / (BigInt(ask) * BigInt(1_000_000 + ctx.fees(venue).takerPpm)))
}

const tryPair = (ctx: Ctx, buy: Leg, sell: Leg): boolean => {
  const buyBook = ctx.book(buy.venue, buy.symbol)
  const sellBook = ctx.book(sell.venue, sell.symbol)
  if (buyBook === undefined || sellBook === undefined) return false
  const ask = buyBook.bestAsk()
  const bid = sellBook.bestBid()
  if (Number.isNaN(ask) || Number.isNaN(bid)) return false
  const bi = ctx.instrument(buy.venue, buy.symbol)
  const si = ctx.instrument(sell.venue, sell.symbol)
  const cost = common(bi, ask) * (1_000_000 + ctx.fees(buy.venue).takerPpm + ctx.params.minEdgePpm)
  const proceeds = common(si, bid) * (1_000_000 - ctx.fees(sell.venue).takerPpm)
  if (proceeds <= cost) return false

  // Size at the finer of the two size scales, then down to both lots.
  const scale = Math.max(bi.sizeScale, si.sizeScale)
  const toCommon = (i: Instrument, size: number) => size * 10 ** (scale - i.sizeScale)
  const fromCommon = (i: Instrument, size: number) => Math.floor(size / 10 ** (scale - i.sizeScale))
  const lot = Math.max(toCommon(bi, bi.lotSize), toCommon(si, si.lotSize))
  const buyPos = ctx.position(buy.venue, buy.symbol).size
  const sellPos = ctx.position(sell.venue, sell.symbol).size
  const maxSize = parseUnits(ctx.params.maxSize, scale)
  const maxPosition = parseUnits(ctx.params.maxPosition, scale)
  let size = Math.min(
    toCommon(bi, buyBook.bestAskSize()),
    toCommon(si, sellBook.bestBidSize()),
    maxSize,
    maxPosition - toCommon(bi, buyPos),
    maxPosition + toCommon(si, sellPos),
    toCommon(bi, affordable(ctx, buy.venue, bi, ask)),
    toCommon(si, balanceInSize(si, ctx.balance(sell.venue, si.base)))
  )
  size = Math.floor(size / lot) * lot
  const buySize = fromCommon(bi, size)
  const sellSize = fromCommon(si, size)
  // Below either venue's minimum the leg would be refused: send neither, not one alone.
  if (size <= 0 || !tradable(bi, ask, buySize) || !tradable(si, bid, sellSize)) {
    ctx.state.blocked++
    return false
  }
  // Take the stale quote first — it is the one that will be gone soonest — and hedge on
  // the other venue only what actually filled.
  const buyFirst = staleness(ctx, buy) >= staleness(ctx, sell)
  const first = buyFirst
    ? { leg: buy, side: BID, price: ask, size: buySize }
    : { leg: sell, side: ASK, price: bid, size: sellSize }
  const hedge: Hedge = buyFirst ? { leg: sell, side: ASK, firstInstrument: bi } : { leg: buy, side: BID, firstInstrument: si }
  const result = ctx.submit({ venue: first.leg.venue, symbol: first.leg.symbol, side: first.side, type: "limit", price: first.price, size: first.size, tif: "IOC", postOnly: false })
  if (!result.ok) return false
  ctx.state.inFlight.add(result.orderId)
  ctx.state.hedges.set(result.orderId, hedge)
  ctx.state.sent++
  return true
}

/** Hedge orders sent for one fill of a first leg before what is left counts as unhedged. */
const MAX_HEDGE_ATTEMPTS = 3

/** How far a leg's mid is from the median mid of all legs, at the common scale: the lagging venue is the furthest. */
const staleness = (ctx: Ctx, leg: Leg): number => {
  const mids: Array<number> = []
  let own = NaN
  for (const l of ctx.state.legs) {
    const book = ctx.book(l.venue, l.symbol)
    if (book === undefined) continue
    const mid = common(ctx.instrument(l.venue, l.symbol), book.mid())
    if (Number.isNaN(mid)) continue
    mids.push(mid)
    if (l === leg) own = mid
  }
  if (Number.isNaN(own) || mids.length === 0) return 0
  mids.sort((a, b) => a - b)
  const median = mids.length % 2 === 1 ? mids[mids.length >> 1]! : (mids[mids.length / 2 - 1]! + mids[mids.length / 2]!) / 2
  return Math.abs(own - median)
}

/**
 * Sends hedge order number `attempt` for `wanted` (hedge size units, fractional after a
 * conversion to a coarser scale) at the hedge venue's current touch, rounded down to its
 * lot; what is not sent — the rounding, or all of it — is counted as unhedged.
 */
const sendHedge = (ctx: Ctx, hedge: Hedge, wanted: number, attempt: number): void => {
  const { leg, side } = hedge
  const book = ctx.book(leg.venue, leg.symbol)
  const instrument = ctx.instrument(leg.venue, leg.symbol)
  const price = book === undefined ? NaN : side === BID ? book.bestAsk() : book.bestBid()
  let size = Math.floor(wanted / instrument.lotSize) * instrument.lotSize
  if (size <= 0 || Number.isNaN(price) || !tradable(instrument, price, size) || attempt > MAX_HEDGE_ATTEMPTS) size = 0
  if (size > 0) {
    const result = ctx.submit({ venue: leg.venue, symbol: leg.symbol, side, type: "limit", price, size, tif: "IOC", postOnly: false })
    if (result.ok) {
      ctx.state.inFlight.add(result.orderId)
      ctx.state.hedgeOrders.set(result.orderId, { hedge, attempt })
    } else size = 0
  }
  ctx.state.unhedged += rescale(wanted - size, instrument.sizeScale, COMMON_SCALE)
}

/**
 * Sends one IOC that brings the net position over all legs toward flat, if it is at least
 * a lot of some leg's venue: on each venue, the net rounded down to its lot and capped by
 * its touch, maxSize, the balance and the position limit; of the venues where that meets
 * the minimums, the one with the best touch net of its taker fee. Returns whether it sent.
 */
const rebalance = (ctx: Ctx): boolean => {
  const legs = ctx.state.legs
  // The net at the finest size scale of the legs, exact.
  let scale = 0
  for (const leg of legs) scale = Math.max(scale, ctx.instrument(leg.venue, leg.symbol).sizeScale)
  let net = 0
  for (const leg of legs) net += rescale(ctx.position(leg.venue, leg.symbol).size, ctx.instrument(leg.venue, leg.symbol).sizeScale, scale)
  if (net === 0) return false
  const side = net > 0 ? ASK : BID
  let best: Leg | undefined
  let bestPrice = 0
  let bestSize = 0
  let bestValue = 0
  for (const leg of legs) {
    const book = ctx.book(leg.venue, leg.symbol)
    if (book === undefined) continue
    const i = ctx.instrument(leg.venue, leg.symbol)
    const price = side === ASK ? book.bestBid() : book.bestAsk()
    if (Number.isNaN(price)) continue
    const position = ctx.position(leg.venue, leg.symbol).size
    const maxPosition = parseUnits(ctx.params.maxPosition, i.sizeScale)
    let size = Math.min(
      Math.floor(rescale(Math.abs(net), scale, i.sizeScale)),
      side === ASK ? book.bestBidSize() : book.bestAskSize(),
      parseUnits(ctx.params.maxSize, i.sizeScale),
      side === ASK ? maxPosition + position : maxPosition - position,
      side === ASK ? balanceInSize(i, ctx.balance(leg.venue, i.base)) : affordable(ctx, leg.venue, i, price)
    )
    size = Math.floor(size / i.lotSize) * i.lotSize
    if (size <= 0 || !tradable(i, price, size)) continue
    // Per unit of base at the common scale: what a sale brings or a purchase costs, fee included.
    const takerPpm = ctx.fees(leg.venue).takerPpm
    const value = common(i, price) * (side === ASK ? 1_000_000 - takerPpm : 1_000_000 + takerPpm)
    if (best === undefined || (side === ASK ? value > bestValue : value < bestValue)) {
      best = leg
      bestPrice = price
      bestSize = size
      bestValue = value
    }
  }
  if (best === undefined) return false
  const result = ctx.submit({ venue: best.venue, symbol: best.symbol, side, type: "limit", price: bestPrice, size: bestSize, tif: "IOC", postOnly: false })
  if (!result.ok) return false
  ctx.state.inFlight.add(result.orderId)
  ctx.state.rebalanced++
  return true
}

const scan = (ctx: Ctx): void => {
  const legs = ctx.state.legs
  for (const buy of legs) {
    for (const sell of legs) {
      if (buy !== sell && tryPair(ctx, buy, sell)) return
    }
  }
}

const settle = (ctx: Ctx, order: Order): void => {
  if (!isTerminal(order.status)) return
  ctx.state.inFlight.delete(order.id)
  ctx.state.hedges.delete(order.id)
  const sent = ctx.state.hedgeOrders.get(order.id)
  if (sent === undefined) return
  ctx.state.hedgeOrders.delete(order.id)
  // A hedge that did not fill in full is sent again for the rest at the new touch.
  const rest = order.size - order.filled
  if (rest > 0) sendHedge(ctx, sent.hedge, rest, sent.attempt + 1)
}

/** The built-in cross-exchange arbitrage strategy. */
export const crossExchangeArbitrage = defineStrategy<CrossArbitrageParams, ArbState>({
  name: "cross-exchange-arbitrage",
  params: { legs: "binance:BTC/USDT", maxSize: "0.05", maxPosition: "0.2", minEdgePpm: 100 },
  subscriptions: (params) => parseLegs(params.legs),
  init: (params) => ({
    legs: parseLegs(params.legs),
    hedges: new Map(),
    hedgeOrders: new Map(),
    unhedged: 0,
    inFlight: new Set(),
    sent: 0,
    rebalanced: 0,
    blocked: 0
  }),
  onStart(ctx) {
    // Orders sent before a restart stay in flight; their hedge plans are gone, so what
    // they leave unhedged is rebalanced once they are done.
    for (const leg of ctx.state.legs) for (const order of ctx.openOrders(leg.venue, leg.symbol)) ctx.state.inFlight.add(order.id)
    if (ctx.state.inFlight.size === 0) rebalance(ctx)
  },
  onBook(ctx) {
    if (ctx.state.inFlight.size === 0 && !rebalance(ctx)) scan(ctx)
  },
  onOrder(ctx, order) {
    settle(ctx, order)
  },
  onFill(ctx, fill) {
    const hedge = ctx.state.hedges.get(fill.orderId)
    if (hedge === undefined) return
    const instrument = ctx.instrument(hedge.leg.venue, hedge.leg.symbol)
    sendHedge(ctx, hedge, rescale(fill.size, hedge.firstInstrument.sizeScale, instrument.sizeScale), 1)
  }
})
