/**
 * Bitstamp instruments from `GET /api/v2/trading-pairs-info/`: canonical symbols from the
 * pair's own `name` (`"BTC/USD"`, or `base_currency`/`counter_currency` where the list
 * carries them), the venue symbol from `url_symbol` (`btcusd`), sizes at `base_decimals`.
 *
 * Prices: `counter_decimals` is the tick of limit orders (0 for BTC/USD in 2025-26: whole
 * dollars), while `instant_order_counter_decimals` may be finer. Prices are kept at the
 * finer of the two, so no price Bitstamp prints can fail to parse, and the tick is
 * `counter_decimals`.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseAmount, pow10 } from "@hft/core"

/** Venue id. */
export const BITSTAMP = "bitstamp"

/** REST path of the pair list. */
export const PAIRS_PATH = "/api/v2/trading-pairs-info/"

interface PairInfo {
  readonly name?: unknown
  readonly url_symbol?: unknown
  readonly base_currency?: unknown
  readonly counter_currency?: unknown
  readonly base_decimals?: unknown
  readonly counter_decimals?: unknown
  readonly instant_order_counter_decimals?: unknown
  readonly minimum_order?: unknown
  readonly minimum_order_value?: unknown
  readonly trading?: unknown
  readonly market_type?: unknown
}

/** Thrown when a pair list is not an array. */
export class InstrumentListError extends Error {
  readonly _tag = "InstrumentListError"
}

const CODE = /^[A-Z0-9]+$/
const isScale = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 18

/** The pair's base and quote codes, from explicit fields or its `BASE/QUOTE` name; undefined for anything else (perpetuals). */
const codesOf = (pair: PairInfo): readonly [string, string] | undefined => {
  if (typeof pair.base_currency === "string" && typeof pair.counter_currency === "string") return [pair.base_currency, pair.counter_currency]
  if (typeof pair.name !== "string") return undefined
  const parts = pair.name.split("/")
  return parts.length === 2 && CODE.test(parts[0]!) && CODE.test(parts[1]!) ? [parts[0]!, parts[1]!] : undefined
}

/** `minimum_order` ("10 USD", "10.00000 USD") as an amount and its currency. */
const minimumOrder = (pair: PairInfo, quote: string): string | undefined => {
  if (typeof pair.minimum_order_value === "string") return pair.minimum_order_value
  if (typeof pair.minimum_order !== "string") return undefined
  const [amount, currency] = pair.minimum_order.split(" ")
  return currency === quote ? amount : undefined
}

/** Parses a trading-pairs-info body into spot instruments whose trading is `Enabled`. */
export const parseTradingPairs = (body: string): Array<Instrument> => {
  const pairs = JSON.parse(body) as unknown
  if (!Array.isArray(pairs)) throw new InstrumentListError("trading-pairs-info is not an array")
  const out: Array<Instrument> = []
  for (const pair of pairs as ReadonlyArray<PairInfo>) {
    if (pair.trading !== "Enabled" || (pair.market_type !== undefined && pair.market_type !== "SPOT")) continue
    const codes = codesOf(pair)
    const counter = pair.counter_decimals
    if (codes === undefined || typeof pair.url_symbol !== "string" || !isScale(pair.base_decimals) || !isScale(counter)) continue
    const [base, quote] = codes
    const instant = isScale(pair.instant_order_counter_decimals) ? pair.instant_order_counter_decimals : counter
    const priceScale = Math.max(counter, instant)
    const sizeScale = pair.base_decimals
    const minimum = minimumOrder(pair, quote)
    out.push({
      venue: BITSTAMP,
      symbol: `${base}/${quote}`,
      venueSymbol: pair.url_symbol,
      base,
      quote,
      priceScale,
      sizeScale,
      tickSize: 10 ** (priceScale - counter),
      lotSize: 1,
      minSize: 1,
      minNotional: minimum === undefined ? 0n : parseAmount(minimum, priceScale + sizeScale)
    })
  }
  return out
}

/** The pair's `counter_decimals`: decimals of its tick (a power of ten in price units). */
export const counterDecimals = (instrument: Instrument): number => instrument.priceScale - Math.round(Math.log10(instrument.tickSize))

/** Renders instruments as a trading-pairs-info body, as Bitstamp does (what the simulator serves). */
export const renderTradingPairs = (instruments: ReadonlyArray<Instrument>): string =>
  JSON.stringify(
    instruments.map((i) => ({
      name: `${i.base}/${i.quote}`,
      url_symbol: i.venueSymbol,
      base_decimals: i.sizeScale,
      counter_decimals: counterDecimals(i),
      instant_order_counter_decimals: i.priceScale,
      minimum_order: `${formatUnitsTrimmed(i.minNotional, i.priceScale + i.sizeScale)} ${i.quote}`,
      trading: "Enabled",
      instant_and_market_orders: "Enabled",
      description: `${i.base} / ${i.quote}`
    }))
  )

/** Instruments the Bitstamp simulator serves by default: BTC/USD in whole dollars (as listed in 2025-26), ETH/USD in cents. */
export const BITSTAMP_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: BITSTAMP, symbol: "BTC/USD", venueSymbol: "btcusd", base: "BTC", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 100, lotSize: 1, minSize: 1, minNotional: 10n * pow10(10)
  },
  {
    venue: BITSTAMP, symbol: "ETH/USD", venueSymbol: "ethusd", base: "ETH", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1, minNotional: 10n * pow10(10)
  }
]
