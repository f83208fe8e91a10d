/**
 * KuCoin spot instruments from `GET /api/v2/symbols`: canonical symbols from the listed
 * `baseCurrency`/`quoteCurrency` (never by splitting `BTC-USDT`), price scale from
 * `priceIncrement`, size scale from `baseIncrement` (or `baseMinSize` when that is finer),
 * minimum notional from `minFunds`. Symbols with `enableTrading: false` are left out.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseAmount, parseUnits, pow10, scaleOfStep } from "@hft/core"

/** Venue id. */
export const KUCOIN = "kucoin"

/** REST path of the symbol list (`GET`). */
export const KUCOIN_SYMBOLS_PATH = "/api/v2/symbols"

/** KuCoin's success code in REST envelopes. */
export const KUCOIN_OK = "200000"

interface KucoinSymbol {
  readonly symbol?: unknown
  readonly baseCurrency?: unknown
  readonly quoteCurrency?: unknown
  readonly priceIncrement?: unknown
  readonly baseIncrement?: unknown
  readonly baseMinSize?: unknown
  readonly minFunds?: unknown
  readonly enableTrading?: unknown
}

/** Thrown when a symbol list does not have the fields the adapter needs. */
export class KucoinSymbolsError extends Error {
  readonly _tag = "KucoinSymbolsError"
}

const text = (value: unknown, what: string): string => {
  if (typeof value !== "string") throw new KucoinSymbolsError(`symbol list: ${what} is not a string`)
  return value
}

/** Parses a `GET /api/v2/symbols` body into instruments (all numbers there are strings). */
export const parseKucoinSymbols = (body: string): Array<Instrument> => {
  const envelope = JSON.parse(body) as { code?: unknown; data?: unknown }
  if (envelope.code !== KUCOIN_OK || !Array.isArray(envelope.data)) {
    throw new KucoinSymbolsError(`symbol list: code ${String(envelope.code)} or no data array`)
  }
  const out: Array<Instrument> = []
  for (const s of envelope.data as ReadonlyArray<KucoinSymbol>) {
    if (s.enableTrading !== true) continue
    const symbol = text(s.symbol, "symbol")
    const base = text(s.baseCurrency, `${symbol} baseCurrency`)
    const quote = text(s.quoteCurrency, `${symbol} quoteCurrency`)
    const priceIncrement = text(s.priceIncrement, `${symbol} priceIncrement`)
    const baseIncrement = text(s.baseIncrement, `${symbol} baseIncrement`)
    const baseMinSize = text(s.baseMinSize, `${symbol} baseMinSize`)
    const priceScale = scaleOfStep(priceIncrement)
    const sizeScale = Math.max(scaleOfStep(baseIncrement), scaleOfStep(baseMinSize))
    out.push({
      venue: KUCOIN,
      symbol: `${base}/${quote}`,
      venueSymbol: symbol,
      base,
      quote,
      priceScale,
      sizeScale,
      tickSize: parseUnits(priceIncrement, priceScale),
      lotSize: parseUnits(baseIncrement, sizeScale),
      minSize: parseUnits(baseMinSize, sizeScale),
      minNotional: typeof s.minFunds === "string" ? parseAmount(s.minFunds, priceScale + sizeScale) : 0n
    })
  }
  return out
}

/** Renders instruments as a `GET /api/v2/symbols` body (what the simulator serves). */
export const renderKucoinSymbols = (instruments: ReadonlyArray<Instrument>): string =>
  JSON.stringify({
    code: KUCOIN_OK,
    data: instruments.map((i) => ({
      symbol: i.venueSymbol,
      name: i.venueSymbol,
      baseCurrency: i.base,
      quoteCurrency: i.quote,
      feeCurrency: i.quote,
      market: "USDS",
      baseMinSize: formatUnitsTrimmed(i.minSize, i.sizeScale),
      quoteMinSize: "0.1",
      baseMaxSize: "10000000000",
      quoteMaxSize: "99999999",
      baseIncrement: formatUnitsTrimmed(i.lotSize, i.sizeScale),
      quoteIncrement: formatUnitsTrimmed(i.tickSize, i.priceScale),
      priceIncrement: formatUnitsTrimmed(i.tickSize, i.priceScale),
      priceLimitRate: "0.1",
      minFunds: formatUnitsTrimmed(i.minNotional, i.priceScale + i.sizeScale),
      isMarginEnabled: true,
      enableTrading: true
    }))
  })

/** Instruments the KuCoin simulator serves by default (increments as KuCoin lists them). */
export const KUCOIN_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: KUCOIN, symbol: "BTC/USDT", venueSymbol: "BTC-USDT", base: "BTC", quote: "USDT",
    priceScale: 1, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1_000, minNotional: pow10(8)
  },
  {
    venue: KUCOIN, symbol: "ETH/USDT", venueSymbol: "ETH-USDT", base: "ETH", quote: "USDT",
    priceScale: 2, sizeScale: 7, tickSize: 1, lotSize: 1, minSize: 1_000, minNotional: pow10(8)
  }
]
