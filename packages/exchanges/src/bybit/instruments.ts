/**
 * Bybit spot instruments from `GET /v5/market/instruments-info?category=spot`: canonical
 * symbols from the listed `baseCoin`/`quoteCoin` (never by splitting `BTCUSDT`), price
 * scale from `priceFilter.tickSize`, size scale from `lotSizeFilter.basePrecision`.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseAmount, parseUnits, pow10, scaleOfStep } from "@hft/core"

/** Venue id. */
export const BYBIT = "bybit"

/** REST path of the spot instrument list (spot is not paginated). */
export const INSTRUMENTS_PATH = "/v5/market/instruments-info?category=spot"

interface SpotInstrument {
  readonly symbol?: unknown
  readonly baseCoin?: unknown
  readonly quoteCoin?: unknown
  readonly status?: unknown
  readonly lotSizeFilter?: { readonly basePrecision?: unknown; readonly minOrderQty?: unknown; readonly minOrderAmt?: unknown }
  readonly priceFilter?: { readonly tickSize?: unknown }
}

/** Thrown when an instruments-info body is an error or lacks the fields the adapter needs. */
export class InstrumentListError extends Error {
  readonly _tag = "InstrumentListError"
}

const text = (value: unknown, what: string): string => {
  if (typeof value !== "string" || value.length === 0) throw new InstrumentListError(`instruments-info: ${what} is not a non-empty string`)
  return value
}

/** Parses an instruments-info body into instruments (only symbols with status `Trading`). */
export const parseInstrumentsInfo = (body: string): Array<Instrument> => {
  const reply = JSON.parse(body) as { retCode?: unknown; retMsg?: unknown; result?: { list?: unknown } }
  if (reply.retCode !== 0) throw new InstrumentListError(`instruments-info retCode ${String(reply.retCode)}: ${String(reply.retMsg)}`)
  const list = reply.result?.list
  if (!Array.isArray(list)) throw new InstrumentListError("instruments-info has no result.list array")
  const out: Array<Instrument> = []
  for (const s of list as ReadonlyArray<SpotInstrument>) {
    if (s.status !== "Trading") continue
    const symbol = text(s.symbol, "symbol")
    const base = text(s.baseCoin, `${symbol} baseCoin`)
    const quote = text(s.quoteCoin, `${symbol} quoteCoin`)
    const tick = text(s.priceFilter?.tickSize, `${symbol} priceFilter.tickSize`)
    const step = text(s.lotSizeFilter?.basePrecision, `${symbol} lotSizeFilter.basePrecision`)
    const priceScale = scaleOfStep(tick)
    const sizeScale = scaleOfStep(step)
    const lotSize = parseUnits(step, sizeScale)
    const minQty = s.lotSizeFilter?.minOrderQty
    const minAmt = s.lotSizeFilter?.minOrderAmt
    out.push({
      venue: BYBIT,
      symbol: `${base}/${quote}`,
      venueSymbol: symbol,
      base,
      quote,
      priceScale,
      sizeScale,
      tickSize: parseUnits(tick, priceScale),
      lotSize,
      minSize: typeof minQty === "string" ? parseUnits(minQty, sizeScale) : lotSize,
      minNotional: typeof minAmt === "string" ? parseAmount(minAmt, priceScale + sizeScale) : 0n
    })
  }
  return out
}

/** Renders instruments as an instruments-info body, as Bybit does (what the simulator serves). */
export const renderInstrumentsInfo = (instruments: ReadonlyArray<Instrument>): string =>
  JSON.stringify({
    retCode: 0,
    retMsg: "OK",
    result: {
      category: "spot",
      list: instruments.map((i) => ({
        symbol: i.venueSymbol,
        baseCoin: i.base,
        quoteCoin: i.quote,
        innovation: "0",
        status: "Trading",
        marginTrading: "utaOnly",
        stTag: "0",
        lotSizeFilter: {
          basePrecision: formatUnitsTrimmed(i.lotSize, i.sizeScale),
          quotePrecision: "0.00000001",
          minOrderQty: formatUnitsTrimmed(i.minSize, i.sizeScale),
          maxOrderQty: "83",
          minOrderAmt: formatUnitsTrimmed(i.minNotional, i.priceScale + i.sizeScale),
          maxOrderAmt: "8000000",
          maxLimitOrderQty: "83",
          maxMarketOrderQty: "41.5"
        },
        priceFilter: { tickSize: formatUnitsTrimmed(i.tickSize, i.priceScale) },
        riskParameters: { priceLimitRatioX: "0.005", priceLimitRatioY: "0.01" },
        symbolType: ""
      }))
    },
    retExtInfo: {},
    time: Date.now()
  })

/** Instruments the Bybit simulator serves by default (BTCUSDT as listed in 2026: tick 0.1, base precision 0.000001). */
export const BYBIT_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: BYBIT, symbol: "BTC/USDT", venueSymbol: "BTCUSDT", base: "BTC", quote: "USDT",
    priceScale: 1, sizeScale: 6, tickSize: 1, lotSize: 1, minSize: 11, minNotional: 5n * pow10(7)
  },
  {
    venue: BYBIT, symbol: "ETH/USDT", venueSymbol: "ETHUSDT", base: "ETH", quote: "USDT",
    priceScale: 2, sizeScale: 5, tickSize: 1, lotSize: 1, minSize: 62, minNotional: 5n * pow10(7)
  }
]
