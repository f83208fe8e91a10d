/**
 * An inventory-aware market maker: quotes one post-only order per side around the mid,
 * skews both quotes against its inventory so that it leans out of a position, stops
 * quoting the side that would grow inventory past its limit (counting orders still open,
 * so inventory stays within the limit plus one quote), re-quotes when the target price
 * moves, and pulls its quotes when stopped.
 *
 * @module
 */
import { type Order, type StrategyContext, ASK, BID, defineStrategy, isTerminal, parseUnits } from "@hft/core"

/** Parameters: where to quote and how. Sizes are decimal text in the base asset. */
export interface MarketMakerParams {
  /** Venue id. */
  readonly venue: string
  /** Canonical symbol. */
  readonly symbol: string
  /** Size of each quote (decimal text, base asset). */
  readonly quoteSize: string
  /** Inventory at which the side that would grow it stops quoting (decimal text). */
  readonly maxInventory: string
  /** Distance of each quote from the mid, in ticks, when flat. */
  readonly halfSpreadTicks: number
  /** Extra ticks the quotes move against a full inventory. */
  readonly skewTicks: number
  /** Re-quote when the target moved by at least this many ticks. */
  readonly requoteTicks: number
}

interface QuoteState {
  /** Open bid order id, if any. */
  bidId: string | undefined
  /** Open ask order id, if any. */
  askId: string | undefined
  /** Quote size in size units (from the instrument's scale). */
  size: number
  /** Inventory limit in size units. */
  maxInventory: number
  /** Orders refused by risk, by reason. */
  denials: Map<string, number>
}

type Ctx = StrategyContext<MarketMakerParams, QuoteState>

const quote = (ctx: Ctx, side: 0 | 1, price: number, openId: string | undefined): string | undefined => {
  const { venue, symbol, requoteTicks } = ctx.params
  const instrument = ctx.instrument(venue, symbol)
  if (openId !== undefined) {
    const open = ctx.order(openId)
    if (open !== undefined && Math.abs(open.price - price) < requoteTicks * instrument.tickSize) return openId
    if (open !== undefined) ctx.cancel(openId)
  }
  if (Number.isNaN(price)) return undefined
  const result = ctx.submit({ venue, symbol, side, type: "limit", price, size: ctx.state.size, tif: "GTC", postOnly: true })
  if (result.ok) return result.orderId
  ctx.state.denials.set(result.reason, (ctx.state.denials.get(result.reason) ?? 0) + 1)
  return undefined
}

const requote = (ctx: Ctx): void => {
  const { venue, symbol, halfSpreadTicks, skewTicks } = ctx.params
  const book = ctx.book(venue, symbol)
  if (book === undefined) return
  const bestBid = book.bestBid()
  const bestAsk = book.bestAsk()
  if (Number.isNaN(bestBid) || Number.isNaN(bestAsk)) return
  const instrument = ctx.instrument(venue, symbol)
  const tick = instrument.tickSize
  const inventory = ctx.position(venue, symbol).size
  const state = ctx.state
  const lean = Math.max(-1, Math.min(1, inventory / state.maxInventory))
  const mid = (bestBid + bestAsk) / 2
  const skew = -lean * skewTicks * tick
  // Post-only: never at or through the opposite touch.
  const bidPrice = Math.min(Math.floor((mid - halfSpreadTicks * tick + skew) / tick) * tick, bestAsk - tick)
  const askPrice = Math.max(Math.ceil((mid + halfSpreadTicks * tick + skew) / tick) * tick, bestBid + tick)
  // Orders still open besides the current quotes (cancels in flight, orders adopted after a
  // restart) can fill too: count them, or inventory could pass the limit by a quote per requote.
  let otherBuys = 0
  let otherSells = 0
  for (const order of ctx.openOrders(venue, symbol)) {
    if (order.id === state.bidId || order.id === state.askId) continue
    if (order.side === BID) otherBuys += order.size - order.filled
    else otherSells += order.size - order.filled
  }
  state.bidId = quote(ctx, BID, inventory + otherBuys + state.size > state.maxInventory ? NaN : bidPrice, state.bidId)
  state.askId = quote(ctx, ASK, inventory - otherSells - state.size < -state.maxInventory ? NaN : askPrice, state.askId)
}

const forget = (ctx: Ctx, order: Order): void => {
  if (!isTerminal(order.status)) return
  if (ctx.state.bidId === order.id) ctx.state.bidId = undefined
  if (ctx.state.askId === order.id) ctx.state.askId = undefined
}

/** The built-in market maker. */
export const marketMaker = defineStrategy<MarketMakerParams, QuoteState>({
  name: "market-maker",
  params: {
    venue: "binance",
    symbol: "BTC/USDT",
    quoteSize: "0.01",
    maxInventory: "0.05",
    halfSpreadTicks: 2,
    skewTicks: 4,
    requoteTicks: 1
  },
  subscriptions: (params) => [{ venue: params.venue, symbol: params.symbol }],
  init: () => ({ bidId: undefined, askId: undefined, size: 0, maxInventory: 0, denials: new Map() }),
  onStart(ctx) {
    const instrument = ctx.instrument(ctx.params.venue, ctx.params.symbol)
    ctx.state.size = parseUnits(ctx.params.quoteSize, instrument.sizeScale)
    ctx.state.maxInventory = parseUnits(ctx.params.maxInventory, instrument.sizeScale)
    // Orders that survived a restart are ours again.
    for (const order of ctx.openOrders(ctx.params.venue, ctx.params.symbol)) {
      if (order.side === BID) ctx.state.bidId = order.id
      else ctx.state.askId = order.id
    }
  },
  onBook(ctx) {
    requote(ctx)
  },
  onOrder(ctx, order) {
    forget(ctx, order)
  },
  onFill(ctx) {
    requote(ctx)
  },
  onStop(ctx) {
    // Nobody manages the quotes of a stopped strategy (its runner ignores their fills): pull them.
    for (const order of ctx.openOrders(ctx.params.venue, ctx.params.symbol)) ctx.cancel(order.id)
  }
})
