/**
 * OKX spot instruments from `GET /api/v5/public/instruments?instType=SPOT`: canonical
 * symbols from the listed `baseCcy`/`quoteCcy` (never by splitting `BTC-USDT`), price
 * scale from `tickSz`, size scale from `lotSz`; only instruments in state `live`.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseUnits, scaleOfStep } from "@hft/core"

/** Venue id. */
export const OKX = "okx"

/** Path of the instrument list the feed requests and the simulator serves. */
export const OKX_INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SPOT"

interface OkxInstrumentRow {
  readonly instType?: unknown
  readonly instId?: unknown
  readonly baseCcy?: unknown
  readonly quoteCcy?: unknown
  readonly tickSz?: unknown
  readonly lotSz?: unknown
  readonly minSz?: unknown
  readonly state?: unknown
}

/** Thrown when an instrument list does not have the fields the adapter needs. */
export class OkxInstrumentListError extends Error {
  readonly _tag = "OkxInstrumentListError"
}

const text = (row: OkxInstrumentRow, field: keyof OkxInstrumentRow): string => {
  const value = row[field]
  if (typeof value !== "string" || value.length === 0) {
    throw new OkxInstrumentListError(`instrument ${String(row.instId)} lacks ${field}`)
  }
  return value
}

/** Parses an instruments body into instruments (spot, state `live` only). */
export const parseOkxInstruments = (body: string): Array<Instrument> => {
  const msg = JSON.parse(body) as { code?: unknown; msg?: unknown; data?: unknown }
  if (msg.code !== "0") throw new OkxInstrumentListError(`instruments error ${String(msg.code)}: ${String(msg.msg)}`)
  if (!Array.isArray(msg.data)) throw new OkxInstrumentListError("instruments body has no data array")
  const out: Array<Instrument> = []
  for (const row of msg.data as ReadonlyArray<OkxInstrumentRow>) {
    if (row.state !== "live" || row.instType !== "SPOT") continue
    const tickSz = text(row, "tickSz")
    const lotSz = text(row, "lotSz")
    const priceScale = scaleOfStep(tickSz)
    const sizeScale = scaleOfStep(lotSz)
    const base = text(row, "baseCcy")
    const quote = text(row, "quoteCcy")
    out.push({
      venue: OKX,
      symbol: `${base}/${quote}`,
      venueSymbol: text(row, "instId"),
      base,
      quote,
      priceScale,
      sizeScale,
      tickSize: parseUnits(tickSz, priceScale),
      lotSize: parseUnits(lotSz, sizeScale),
      minSize: parseUnits(typeof row.minSz === "string" ? row.minSz : lotSz, sizeScale),
      minNotional: 0n
    })
  }
  return out
}

/** Renders instruments as an OKX instruments body (what the simulator serves). */
export const renderOkxInstruments = (instruments: ReadonlyArray<Instrument>): string =>
  JSON.stringify({
    code: "0",
    msg: "",
    data: instruments.map((i) => ({
      instType: "SPOT",
      instId: i.venueSymbol,
      uly: "",
      instFamily: "",
      baseCcy: i.base,
      quoteCcy: i.quote,
      settleCcy: "",
      ctVal: "",
      ctMult: "",
      ctValCcy: "",
      listTime: "1606468572000",
      expTime: "",
      lever: "10",
      tickSz: formatUnitsTrimmed(i.tickSize, i.priceScale),
      lotSz: formatUnitsTrimmed(i.lotSize, i.sizeScale),
      minSz: formatUnitsTrimmed(i.minSize, i.sizeScale),
      ctType: "",
      state: "live",
      maxLmtSz: "9999999999",
      maxMktSz: "1000000"
    }))
  })

/** Instruments the OKX simulator serves by default (BTC-USDT tick 0.1, ETH-USDT tick 0.01, as listed by OKX). */
export const OKX_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: OKX, symbol: "BTC/USDT", venueSymbol: "BTC-USDT", base: "BTC", quote: "USDT",
    priceScale: 1, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1000, minNotional: 0n
  },
  {
    venue: OKX, symbol: "ETH/USDT", venueSymbol: "ETH-USDT", base: "ETH", quote: "USDT",
    priceScale: 2, sizeScale: 6, tickSize: 1, lotSize: 1, minSize: 1000, minNotional: 0n
  }
]
