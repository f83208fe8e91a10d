/**
 * Cross-exchange arbitrage: when one venue's best bid exceeds another's best ask by more
 * than both taker fees and a minimum edge, buy where it is cheap and sell where it is
 * dear at once, with IOC orders, for as much as both touches show — within the balance
 * on each venue (spot: the quote to pay with, the base to deliver) and a position limit
 * per venue.
 *
 * Venues quote in different scales (and sometimes different quote assets of equal value,
 * USD and USDT): prices are compared at a common scale, and sizes are rounded down to
 * both venues' lots.
 *
 * @module
 */
import { type Instrument, type Order, type StrategyContext, ASK, BID, LEDGER_SCALE, defineStrategy, parseUnits, pow10 } from "@hft/core"

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

interface ArbState {
  legs: ReadonlyArray<Leg>
  /** Open IOC orders of the arbitrage in flight; no new one until they are done. */
  readonly inFlight: Set<string>
  /** Arbitrages sent. */
  sent: number
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

/** Ledger units (18 decimals) of a balance as size units of `instrument`, rounded down. */
const balanceInSize = (instrument: Instrument, ledger: bigint): number =>
  ledger <= 0n ? 0 : Number(ledger / pow10(LEDGER_SCALE - instrument.sizeScale))

/** Whether `size` at `price` meets the instrument's minimum size and notional. */
const tradable = (instrument: Instrument, price: number, size: number): boolean =>
  size >= instrument.minSize && BigInt(price) * BigInt(size) >= instrument.minNotional

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
  const quoteAvailable = ctx.balance(buy.venue, bi.quote)
  // What the quote balance buys at the ask, fees included (ledger → notional units → size).
  const affordable =
    quoteAvailable <= 0n
      ? 0
      : Number((quoteAvailable / pow10(LEDGER_SCALE - bi.priceScale - bi.sizeScale) * 1_000_000n) /
          (BigInt(ask) * BigInt(1_000_000 + ctx.fees(buy.venue).takerPpm)))
  let size = Math.min(
    toCommon(bi, buyBook.bestAskSize()),
    toCommon(si, sellBook.bestBidSize()),
    maxSize,
    maxPosition - toCommon(bi, buyPos),
    maxPosition + toCommon(si, sellPos),
    toCommon(bi, affordable),
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
  const buyResult = ctx.submit({ venue: buy.venue, symbol: buy.symbol, side: BID, type: "limit", price: ask, size: buySize, tif: "IOC", postOnly: false })
  if (!buyResult.ok) return false
  ctx.state.inFlight.add(buyResult.orderId)
  const sellResult = ctx.submit({ venue: sell.venue, symbol: sell.symbol, side: ASK, type: "limit", price: bid, size: sellSize, tif: "IOC", postOnly: false })
  if (sellResult.ok) ctx.state.inFlight.add(sellResult.orderId)
  ctx.state.sent++
  return true
}

const scan = (ctx: Ctx): void => {
  if (ctx.state.inFlight.size > 0) return
  const legs = ctx.state.legs
  for (const buy of legs) {
    for (const sell of legs) {
      if (buy !== sell && tryPair(ctx, buy, sell)) return
    }
  }
}

const settle = (ctx: Ctx, order: Order): void => {
  if (order.status === "filled" || order.status === "canceled" || order.status === "rejected" || order.status === "expired") {
    ctx.state.inFlight.delete(order.id)
  }
}

/** The built-in cross-exchange arbitrage strategy. */
export const crossExchangeArbitrage = defineStrategy<CrossArbitrageParams, ArbState>({
  name: "cross-exchange-arbitrage",
  params: { legs: "binance:BTC/USDT", maxSize: "0.05", maxPosition: "0.2", minEdgePpm: 100 },
  subscriptions: (params) => parseLegs(params.legs),
  init: (params) => ({ legs: parseLegs(params.legs), inFlight: new Set(), sent: 0, blocked: 0 }),
  onStart(ctx) {
    for (const leg of ctx.state.legs) for (const order of ctx.openOrders(leg.venue, leg.symbol)) ctx.state.inFlight.add(order.id)
  },
  onBook(ctx) {
    scan(ctx)
  },
  onOrder(ctx, order) {
    settle(ctx, order)
  }
})
