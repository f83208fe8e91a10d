/**
 * Kraken spot instruments from the WebSocket v2 `instrument` channel: canonical symbols
 * from each pair's listed `base` and `quote` (never by splitting `BTC/USD`), price and
 * size scales equal to the pair's `price_precision` and `qty_precision` (the precisions
 * the book checksum is written at), increments and minimums from `price_increment`,
 * `qty_increment`, `qty_min` and `cost_min`.
 *
 * v2 names assets as users know them (`BTC`, `DOGE`); Kraken's legacy codes `XBT` and
 * `XDG` (v1 and REST) are mapped to those should the metadata ever carry them, while the
 * pair keeps the venue symbol Kraken sent.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseAmount, parseUnits, pow10 } from "@hft/core"
import { type RawJson, RawNumber } from "../json-raw.ts"
import { plainDecimal } from "./numbers.ts"

/** Venue id. */
export const KRAKEN = "kraken"

/** Kraken's legacy asset codes and their canonical names. */
const LEGACY_ASSETS: ReadonlyMap<string, string> = new Map([
  ["XBT", "BTC"],
  ["XDG", "DOGE"]
])

/** The canonical name of a Kraken asset code (`XBT` → `BTC`; others unchanged). */
const canonicalAsset = (code: string): string => LEGACY_ASSETS.get(code) ?? code

/** The pairs of an instrument frame as instruments, and why any pair was left out. */
export interface ParsedPairs {
  /** Instruments of the usable pairs. */
  readonly instruments: Array<Instrument>
  /** One line per pair that could not be used (missing or inconsistent fields). */
  readonly problems: Array<string>
}

const MAX_PRECISION = 18

const decimalText = (value: RawJson | undefined): string | undefined =>
  value instanceof RawNumber ? plainDecimal(value.text) : typeof value === "string" ? plainDecimal(value) : undefined

const precisionOf = (value: RawJson | undefined): number | undefined => {
  if (!(value instanceof RawNumber) || !/^\d+$/.test(value.text)) return undefined
  const n = Number(value.text)
  return n <= MAX_PRECISION ? n : undefined
}

const pairToInstrument = (pair: { readonly [key: string]: RawJson }): Instrument | string => {
  const { symbol, base, quote, status } = pair
  if (typeof symbol !== "string" || typeof base !== "string" || typeof quote !== "string") return "pair lacks symbol, base or quote"
  if (status === "delisted") return `${symbol} is delisted`
  const priceScale = precisionOf(pair["price_precision"])
  const sizeScale = precisionOf(pair["qty_precision"])
  const priceIncrement = decimalText(pair["price_increment"])
  const qtyIncrement = decimalText(pair["qty_increment"])
  if (priceScale === undefined || sizeScale === undefined || priceIncrement === undefined || qtyIncrement === undefined) {
    return `${symbol} lacks price_precision, qty_precision, price_increment or qty_increment`
  }
  const qtyMin = decimalText(pair["qty_min"]) ?? qtyIncrement
  const costMin = decimalText(pair["cost_min"]) ?? "0"
  try {
    const canonicalBase = canonicalAsset(base)
    const canonicalQuote = canonicalAsset(quote)
    return {
      venue: KRAKEN,
      symbol: `${canonicalBase}/${canonicalQuote}`,
      venueSymbol: symbol,
      base: canonicalBase,
      quote: canonicalQuote,
      priceScale,
      sizeScale,
      tickSize: parseUnits(priceIncrement, priceScale),
      lotSize: parseUnits(qtyIncrement, sizeScale),
      minSize: parseUnits(qtyMin, sizeScale),
      minNotional: parseAmount(costMin, priceScale + sizeScale)
    }
  } catch (error) {
    return `${symbol}: ${(error as Error).message}`
  }
}

/** Parses the `data.pairs` of an instrument frame (delisted pairs are left out). */
export const parsePairs = (pairs: ReadonlyArray<RawJson>): ParsedPairs => {
  const instruments: Array<Instrument> = []
  const problems: Array<string> = []
  for (const pair of pairs) {
    if (typeof pair !== "object" || pair === null || Array.isArray(pair) || pair instanceof RawNumber) {
      problems.push("pair is not an object")
      continue
    }
    const parsed = pairToInstrument(pair)
    if (typeof parsed === "string") problems.push(parsed)
    else instruments.push(parsed)
  }
  return { instruments, problems }
}

/** Whether two instruments describe the same market with the same scales and rules. */
export const sameInstrument = (a: Instrument, b: Instrument): boolean =>
  a.symbol === b.symbol &&
  a.venueSymbol === b.venueSymbol &&
  a.priceScale === b.priceScale &&
  a.sizeScale === b.sizeScale &&
  a.tickSize === b.tickSize &&
  a.lotSize === b.lotSize &&
  a.minSize === b.minSize &&
  a.minNotional === b.minNotional

/**
 * Renders a value the way Kraken's metadata shows small increments: plain decimals, and
 * exponent notation below 0.0001 (`1e-08`).
 */
const metadataNumber = (units: number | bigint, scale: number): string => {
  const plain = formatUnitsTrimmed(units, scale)
  const big = BigInt(units)
  if (big === 0n || big * 10_000n >= pow10(scale)) return plain
  let digits = big.toString()
  const trailing = digits.length - digits.replace(/0+$/, "").length
  digits = digits.slice(0, digits.length - trailing)
  const exponent = digits.length - 1 + trailing - scale
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${mantissa}e-${String(-exponent).padStart(2, "0")}`
}

/** Renders instruments as an `instrument` channel frame (what the simulator serves). */
export const renderInstrumentFrame = (instruments: ReadonlyArray<Instrument>, type: "snapshot" | "update"): string => {
  const assets = [...new Set(instruments.flatMap((i) => [i.base, i.quote]))].map(
    (id) => `{"id":"${id}","status":"enabled","precision":10,"precision_display":5,"borrowable":false,"collateral_value":0.0,"margin_rate":0.0}`
  )
  const pairs = instruments.map(
    (i) =>
      `{"symbol":"${i.venueSymbol}","base":"${i.base}","quote":"${i.quote}","status":"online","qty_precision":${i.sizeScale},` +
      `"qty_increment":${metadataNumber(i.lotSize, i.sizeScale)},"price_precision":${i.priceScale},"cost_precision":5,` +
      `"marginable":false,"has_index":true,"cost_min":${metadataNumber(i.minNotional, i.priceScale + i.sizeScale)},` +
      `"tick_size":${metadataNumber(i.tickSize, i.priceScale)},"price_increment":${metadataNumber(i.tickSize, i.priceScale)},` +
      `"qty_min":${metadataNumber(i.minSize, i.sizeScale)}}`
  )
  return `{"channel":"instrument","type":"${type}","data":{"assets":[${assets.join(",")}],"pairs":[${pairs.join(",")}]}}`
}

/** Instruments the Kraken simulator serves by default (precisions as Kraken lists them). */
export const KRAKEN_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: KRAKEN, symbol: "BTC/USD", venueSymbol: "BTC/USD", base: "BTC", quote: "USD",
    priceScale: 1, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 10_000, minNotional: 5n * pow10(8)
  },
  {
    venue: KRAKEN, symbol: "ETH/USD", venueSymbol: "ETH/USD", base: "ETH", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 200_000, minNotional: 5n * pow10(9)
  }
]
