/**
 * Gemini instruments from `GET /v1/symbols/details/{symbol}`: canonical symbols from the
 * listed `base_currency`/`quote_currency`, price scale from `quote_increment`, size
 * scale from `tick_size` (the base increment) plus two.
 *
 * Why details and not the list: `GET /v1/symbols` returns bare lowercase names
 * (`btcusd`), which cannot be split into base and quote; the details endpoint lists both,
 * so the feed asks it once per requested pair (the venue name is the pair's codes joined
 * and upper-cased, and the answer's own base/quote are checked against the request).
 *
 * Quirks handled here:
 * - `tick_size` and `quote_increment` are JSON numbers, sometimes in exponent form
 *   (`1e-8`): read as exact source text and expanded, never through a double.
 * - Book and trade quantities may carry two decimals more than the order increment
 *   ("once on the exchange, quantities … may exhibit additional precision down to two
 *   decimal places past the minimum order increment", Gemini's symbols-and-minimums
 *   page; the v2 docs' own example has `0.1921229751` on BTCUSD, tick 1e-8), so the size
 *   scale is the tick's scale + 2.
 * - Names are upper case in WebSocket subscriptions and events, lower case in the list.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseUnits, scaleOfStep } from "@hft/core"
import { RawNumber, parseRawJson } from "../json-raw.ts"

/** Venue id. */
export const GEMINI = "gemini"

/** Extra decimals Gemini's book and trade quantities may carry beyond the order increment. */
export const EXTRA_SIZE_DECIMALS = 2

/** Path of the details of one symbol. */
export const detailsPath = (venueSymbol: string): string => `/v1/symbols/details/${venueSymbol}`

/** The venue symbol Gemini uses for a canonical `BASE/QUOTE` (upper-cased codes joined; confirmed by the details answer). */
export const venueSymbolOf = (symbol: string): string => symbol.replace("/", "").toUpperCase()

/** Thrown when a details body does not describe a tradable spot symbol. */
export class SymbolDetailsError extends Error {
  readonly _tag = "SymbolDetailsError"
}

const EXPONENT = /^(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/

/** A positive JSON number's exact source text as a plain decimal (`1e-8` → `0.00000001`). */
export const plainDecimal = (text: string): string => {
  const m = EXPONENT.exec(text)
  if (m === null) return text
  const digits = m[1]! + (m[2] ?? "")
  const point = m[1]!.length + Number(m[3])
  if (point <= 0) return `0.${"0".repeat(-point)}${digits}`
  if (point >= digits.length) return digits + "0".repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}

const decimalField = (details: Record<string, unknown>, key: string): string => {
  const value = details[key]
  if (value instanceof RawNumber) return plainDecimal(value.text)
  if (typeof value === "string" && value.length > 0) return plainDecimal(value)
  throw new SymbolDetailsError(`symbol details lack ${key}`)
}

const textField = (details: Record<string, unknown>, key: string): string => {
  const value = details[key]
  if (typeof value !== "string" || value.length === 0) throw new SymbolDetailsError(`symbol details lack ${key}`)
  return value
}

/** Parses a `GET /v1/symbols/details/{symbol}` body into an instrument. @throws SymbolDetailsError */
export const parseSymbolDetails = (body: string): Instrument => {
  const details = parseRawJson(body)
  if (details === null || typeof details !== "object" || Array.isArray(details) || details instanceof RawNumber) {
    throw new SymbolDetailsError("symbol details are not an object")
  }
  const productType = details["product_type"] ?? "spot"
  if (productType !== "spot") throw new SymbolDetailsError(`${String(details["symbol"])} is a ${String(productType)}, not spot`)
  if (details["status"] === "closed") throw new SymbolDetailsError(`${String(details["symbol"])} is closed`)
  const base = textField(details, "base_currency")
  const quote = textField(details, "quote_currency")
  const tick = decimalField(details, "quote_increment")
  const step = decimalField(details, "tick_size")
  const priceScale = scaleOfStep(tick)
  const sizeScale = scaleOfStep(step) + EXTRA_SIZE_DECIMALS
  return {
    venue: GEMINI,
    symbol: `${base}/${quote}`,
    venueSymbol: textField(details, "symbol").toUpperCase(),
    base,
    quote,
    priceScale,
    sizeScale,
    tickSize: parseUnits(tick, priceScale),
    lotSize: parseUnits(step, sizeScale),
    minSize: parseUnits(decimalField(details, "min_order_size"), sizeScale),
    minNotional: 0n
  }
}

/** A step as Gemini renders it: a JSON number, exponent form for a power of ten below 1 (`1e-8`). */
const jsonStep = (units: number, scale: number): string => {
  const text = formatUnitsTrimmed(units, scale)
  return units === 1 && scale > 0 ? `1e-${scale}` : text
}

/** Renders an instrument as a details body (what the simulator serves). */
export const renderSymbolDetails = (i: Instrument): string =>
  `{"symbol":"${i.venueSymbol}","base_currency":"${i.base}","quote_currency":"${i.quote}",` +
  `"tick_size":${jsonStep(i.lotSize / 10 ** EXTRA_SIZE_DECIMALS, i.sizeScale - EXTRA_SIZE_DECIMALS)},` +
  `"quote_increment":${jsonStep(i.tickSize, i.priceScale)},` +
  `"min_order_size":"${formatUnitsTrimmed(i.minSize, i.sizeScale)}","status":"open","wrap_enabled":false,` +
  `"product_type":"spot","contract_type":"vanilla","contract_price_currency":"${i.quote}"}`

/** Renders the `GET /v1/symbols` body: lower-case names. */
export const renderSymbols = (instruments: ReadonlyArray<Instrument>): string => JSON.stringify(instruments.map((i) => i.venueSymbol.toLowerCase()))

/** Instruments the Gemini simulator serves by default. */
export const GEMINI_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: GEMINI, symbol: "BTC/USD", venueSymbol: "BTCUSD", base: "BTC", quote: "USD",
    priceScale: 2, sizeScale: 10, tickSize: 1, lotSize: 100, minSize: 100_000, minNotional: 0n
  },
  {
    venue: GEMINI, symbol: "ETH/USD", venueSymbol: "ETHUSD", base: "ETH", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 100, minSize: 100_000, minNotional: 0n
  }
]
