/**
 * Bitfinex instruments from the public configuration endpoint, asked for four keys in
 * one request: `pub:list:pair:exchange` (the spot pairs), `pub:list:currency` (every
 * currency code), `pub:map:currency:sym` (codes shown under another name: `UST` is
 * USDt) and `pub:info:pair` (minimum order sizes).
 *
 * A pair id is `BASECODE:QUOTECODE` when a code is longer than three letters, plain
 * concatenation otherwise (`BTCUSD`, `ETHUST`). Base and quote are taken where the pair
 * splits into two codes of the venue's own currency list — never by cutting at a fixed
 * length — and named canonically through the symbol map, upper-cased (`UST` → `USDT`).
 *
 * Scales: Bitfinex prices carry five significant digits and at most eight decimals,
 * amounts at most eight decimals, so both scales are 8 and the price tick depends on the
 * price level (0.1 at 3 500, 1 at 65 000); `tickSize` is the finest step, 1 unit. The
 * venue publishes no minimum notional.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseUnits } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"

/** Venue id. */
export const BITFINEX = "bitfinex"

/** Decimal places of every Bitfinex price (at most eight decimals on the venue). */
export const BITFINEX_PRICE_SCALE = 8
/** Decimal places of every Bitfinex amount. */
export const BITFINEX_SIZE_SCALE = 8

/** The configuration keys the feed asks for, in the order the answer lists them. */
const CONF_KEYS = ["pub:list:pair:exchange", "pub:list:currency", "pub:map:currency:sym", "pub:info:pair"] as const

/** REST path of the configuration request (`GET`). */
export const BITFINEX_CONF_PATH = `/v2/conf/${CONF_KEYS.join(",")}`

/** Index of the minimum order size in a `pub:info:pair` entry. */
const INFO_MIN_ORDER_SIZE = 3

/** Thrown when a configuration body does not have the shape the adapter needs. */
export class BitfinexConfError extends Error {
  readonly _tag = "BitfinexConfError"
}

const list = (value: RawJson | undefined, what: string): Array<RawJson> => {
  if (!Array.isArray(value)) throw new BitfinexConfError(`${what} is not a list`)
  return value
}

const text = (value: RawJson | undefined): string | undefined =>
  typeof value === "string" ? value : value instanceof RawNumber ? value.text : undefined

/** Splits a pair id into two listed currency codes; undefined when no split (or more than one) fits. */
export const splitBitfinexPair = (pair: string, currencies: ReadonlySet<string>): readonly [string, string] | undefined => {
  const colon = pair.indexOf(":")
  if (colon >= 0) return colon > 0 && colon < pair.length - 1 ? [pair.slice(0, colon), pair.slice(colon + 1)] : undefined
  let found: readonly [string, string] | undefined
  for (let k = 1; k < pair.length; k++) {
    const base = pair.slice(0, k)
    const quote = pair.slice(k)
    if (!currencies.has(base) || !currencies.has(quote)) continue
    if (found !== undefined) return undefined
    found = [base, quote]
  }
  return found
}

/**
 * Parses the answer to {@link BITFINEX_CONF_PATH} into spot instruments. Pairs whose
 * codes cannot be found in the currency list are left out.
 *
 * @throws BitfinexConfError when the body is not the expected four lists.
 */
export const parseBitfinexConf = (body: string): Array<Instrument> => {
  const root = list(parseRawJson(body), "configuration answer")
  const [pairs, currencies, symbols, infos] = CONF_KEYS.map((key, i) => list(root[i], key))
  const codes = new Set(currencies!.filter((c): c is string => typeof c === "string"))
  const names = new Map<string, string>()
  for (const entry of symbols!) {
    if (Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "string") names.set(entry[0], entry[1])
  }
  const minSizes = new Map<string, string>()
  for (const entry of infos!) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Array.isArray(entry[1])) continue
    const min = text(entry[1][INFO_MIN_ORDER_SIZE])
    if (min !== undefined) minSizes.set(entry[0], min)
  }
  const canonical = (code: string): string => (names.get(code) ?? code).toUpperCase()
  const out: Array<Instrument> = []
  for (const pair of pairs!) {
    if (typeof pair !== "string") continue
    const split = splitBitfinexPair(pair, codes)
    if (split === undefined) continue
    const base = canonical(split[0])
    const quote = canonical(split[1])
    const min = minSizes.get(pair)
    out.push({
      venue: BITFINEX,
      symbol: `${base}/${quote}`,
      venueSymbol: `t${pair}`,
      base,
      quote,
      priceScale: BITFINEX_PRICE_SCALE,
      sizeScale: BITFINEX_SIZE_SCALE,
      tickSize: 1,
      lotSize: 1,
      minSize: min === undefined ? 1 : parseUnits(min, BITFINEX_SIZE_SCALE),
      minNotional: 0n
    })
  }
  return out
}

/** Currency codes the simulator shows under another name, as `pub:map:currency:sym` lists them. */
const SIM_CODE_NAMES: ReadonlyArray<readonly [code: string, name: string]> = [["UST", "USDt"]]

/** The Bitfinex currency code of a canonical asset name (inverse of the symbol map). */
const venueCode = (asset: string): string => SIM_CODE_NAMES.find(([, name]) => name.toUpperCase() === asset)?.[0] ?? asset

/** Renders instruments as the configuration answer the simulator serves. */
export const renderBitfinexConf = (instruments: ReadonlyArray<Instrument>): string => {
  const currencies = [...new Set(instruments.flatMap((i) => [venueCode(i.base), venueCode(i.quote)]))].sort()
  return JSON.stringify([
    instruments.map((i) => i.venueSymbol.slice(1)),
    currencies,
    SIM_CODE_NAMES.filter(([code]) => currencies.includes(code)),
    instruments.map((i) => [i.venueSymbol.slice(1), [null, null, null, formatUnitsTrimmed(i.minSize, i.sizeScale), "2000.0", null, null, null, 0.2, 0.1, null, null]])
  ])
}

/**
 * Instruments the Bitfinex simulator serves by default: BTC and ETH against USD, and BTC
 * against USDt (`tBTCUST`). Their `tickSize` is the five-significant-digit step at the
 * price they trade around (1 USD at 65 000, 0.1 at 3 500), for whoever drives the
 * simulator; the feed, which has no tick in the venue's configuration, reports 1 unit.
 */
export const BITFINEX_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: BITFINEX, symbol: "BTC/USD", venueSymbol: "tBTCUSD", base: "BTC", quote: "USD",
    priceScale: 8, sizeScale: 8, tickSize: 100_000_000, lotSize: 1, minSize: 4_000, minNotional: 0n
  },
  {
    venue: BITFINEX, symbol: "ETH/USD", venueSymbol: "tETHUSD", base: "ETH", quote: "USD",
    priceScale: 8, sizeScale: 8, tickSize: 10_000_000, lotSize: 1, minSize: 80_000, minNotional: 0n
  },
  {
    venue: BITFINEX, symbol: "BTC/USDT", venueSymbol: "tBTCUST", base: "BTC", quote: "USDT",
    priceScale: 8, sizeScale: 8, tickSize: 100_000_000, lotSize: 1, minSize: 4_000, minNotional: 0n
  }
]
