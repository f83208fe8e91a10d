/**
 * Binance spot instruments from `GET /api/v3/exchangeInfo`: canonical symbols from the
 * listed `baseAsset`/`quoteAsset` (never by splitting `BTCUSDT`), price scale from the
 * PRICE_FILTER tick size, size scale from `baseAssetPrecision`.
 *
 * @module
 */
import { type Instrument, formatUnits, parseAmount, parseUnits, pow10, scaleOfStep } from "@hft/core"

/** Venue id. */
export const BINANCE = "binance"

interface ExchangeInfoFilter {
  readonly filterType: string
  readonly tickSize?: string
  readonly stepSize?: string
  readonly minQty?: string
  readonly minNotional?: string
}

interface ExchangeInfoSymbol {
  readonly symbol: string
  readonly status: string
  readonly baseAsset: string
  readonly quoteAsset: string
  readonly baseAssetPrecision: number
  readonly filters: ReadonlyArray<ExchangeInfoFilter>
}

/** Thrown when an exchangeInfo body does not have the fields the adapter needs. */
export class InstrumentListError extends Error {
  readonly _tag = "InstrumentListError"
}

/** Parses an exchangeInfo body into instruments (only symbols with status TRADING). */
export const parseExchangeInfo = (body: string): Array<Instrument> => {
  const info = JSON.parse(body) as { symbols?: ReadonlyArray<ExchangeInfoSymbol> }
  const symbols: ReadonlyArray<ExchangeInfoSymbol> | undefined = info.symbols
  if (!Array.isArray(symbols)) throw new InstrumentListError("exchangeInfo has no symbols array")
  const out: Array<Instrument> = []
  for (const s of symbols as ReadonlyArray<ExchangeInfoSymbol>) {
    if (s.status !== "TRADING") continue
    const price = s.filters.find((f) => f.filterType === "PRICE_FILTER")
    const lot = s.filters.find((f) => f.filterType === "LOT_SIZE")
    const notional = s.filters.find((f) => f.filterType === "NOTIONAL" || f.filterType === "MIN_NOTIONAL")
    if (price?.tickSize === undefined || lot?.stepSize === undefined) {
      throw new InstrumentListError(`exchangeInfo symbol ${s.symbol} lacks PRICE_FILTER.tickSize or LOT_SIZE.stepSize`)
    }
    const priceScale = scaleOfStep(price.tickSize)
    const sizeScale = s.baseAssetPrecision
    out.push({
      venue: BINANCE,
      symbol: `${s.baseAsset}/${s.quoteAsset}`,
      venueSymbol: s.symbol,
      base: s.baseAsset,
      quote: s.quoteAsset,
      priceScale,
      sizeScale,
      tickSize: parseUnits(price.tickSize, priceScale),
      lotSize: parseUnits(lot.stepSize, sizeScale),
      minSize: parseUnits(lot.minQty ?? lot.stepSize, sizeScale),
      minNotional: notional?.minNotional === undefined ? 0n : parseAmount(notional.minNotional, priceScale + sizeScale)
    })
  }
  return out
}

/** Renders units with Binance's 8 decimals ("65000.10000000"). */
export const binanceDecimal = (units: number | bigint, scale: number): string => {
  const text = formatUnits(units, scale)
  if (scale >= 8) return text
  return scale === 0 ? `${text}.00000000` : text + "0".repeat(8 - scale)
}

/** Renders instruments as an exchangeInfo body (what the simulator serves). */
export const renderExchangeInfo = (instruments: ReadonlyArray<Instrument>): string =>
  JSON.stringify({
    timezone: "UTC",
    serverTime: Date.now(),
    symbols: instruments.map((i) => ({
      symbol: i.venueSymbol,
      status: "TRADING",
      baseAsset: i.base,
      baseAssetPrecision: i.sizeScale,
      quoteAsset: i.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      filters: [
        { filterType: "PRICE_FILTER", minPrice: binanceDecimal(i.tickSize, i.priceScale), maxPrice: "1000000.00000000", tickSize: binanceDecimal(i.tickSize, i.priceScale) },
        { filterType: "LOT_SIZE", minQty: binanceDecimal(i.minSize, i.sizeScale), maxQty: "9000.00000000", stepSize: binanceDecimal(i.lotSize, i.sizeScale) },
        { filterType: "NOTIONAL", minNotional: binanceDecimal(i.minNotional, i.priceScale + i.sizeScale) }
      ]
    }))
  })

/** Instruments the Binance simulator serves by default. */
export const BINANCE_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: BINANCE, symbol: "BTC/USDT", venueSymbol: "BTCUSDT", base: "BTC", quote: "USDT",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1000, minSize: 1000, minNotional: 5n * pow10(10)
  },
  {
    venue: BINANCE, symbol: "ETH/USDT", venueSymbol: "ETHUSDT", base: "ETH", quote: "USDT",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 10000, minSize: 10000, minNotional: 5n * pow10(10)
  }
]
