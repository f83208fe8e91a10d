/**
 * Deribit spot instruments from `public/get_instruments` (REST form
 * `GET /api/v2/public/get_instruments?currency=any&kind=spot`): canonical symbols from
 * the listed `base_currency`/`quote_currency` (never by splitting `BTC_USDC`), price scale
 * from `tick_size`, sizes at 8 decimals or the finer of `min_trade_amount` and
 * `contract_size`; only active instruments. Numbers are read as exact text.
 *
 * The REST form is used (rather than the same method over the socket) so the instrument
 * table exists before the socket opens: subscriptions go out in `onOpen` and a reconnect
 * does not ask again (the method is rate limited to about 1 request/s).
 *
 * @module
 */
import { type Instrument, parseUnits, scaleOfStep } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"
import type { FeeSchedule } from "../venue.ts"
import { deribitNumber, plainDecimal } from "./numbers.ts"

/** Venue id. */
export const DERIBIT = "deribit"

/** Path of the instrument list the feed requests and the simulator serves. */
export const DERIBIT_INSTRUMENTS_PATH = "/api/v2/public/get_instruments?currency=any&kind=spot"

/** Decimal places sizes are kept at, at least: live spot books show amounts like 4.923e-05 (8 decimals). */
export const DERIBIT_MIN_SIZE_SCALE = 8

/** Thrown when an instrument list does not have the fields the adapter needs. */
export class DeribitInstrumentListError extends Error {
  readonly _tag = "DeribitInstrumentListError"
}

/** Maker and taker commission of one instrument, as listed, in parts per million. */
export interface DeribitCommission {
  /** Canonical symbol. */
  readonly symbol: string
  /** `maker_commission` (0.0001 = 100 ppm). */
  readonly makerPpm: number
  /** `taker_commission`. */
  readonly takerPpm: number
}

/**
 * The fee schedule the paper venue charges on Deribit spot: 0 % / 0 % (Deribit's fee
 * page lists spot at 0 % maker and taker; `get_instruments` lists the same commissions).
 */
export const DERIBIT_FEES: FeeSchedule = { makerPpm: 0, takerPpm: 0, tier: "spot (0 % / 0 %, as get_instruments lists)" }

/** A parsed instrument list. */
export interface DeribitInstrumentList {
  /** Active spot instruments. */
  readonly instruments: Array<Instrument>
  /** Their listed commissions. */
  readonly commissions: Array<DeribitCommission>
}

const field = (row: { [key: string]: RawJson }, name: string): RawJson => {
  const value = row[name]
  if (value === undefined || value === null) throw new DeribitInstrumentListError(`instrument ${JSON.stringify(row["instrument_name"])} lacks ${name}`)
  return value
}

const numberText = (row: { [key: string]: RawJson }, name: string): string => {
  const value = field(row, name)
  if (!(value instanceof RawNumber)) throw new DeribitInstrumentListError(`${name} of ${JSON.stringify(row["instrument_name"])} is not a number`)
  return plainDecimal(value.text)
}

const stringField = (row: { [key: string]: RawJson }, name: string): string => {
  const value = field(row, name)
  if (typeof value !== "string" || value.length === 0) throw new DeribitInstrumentListError(`${name} is not a string`)
  return value
}

/** Parses a `public/get_instruments` response (REST or WS: both are JSON-RPC envelopes). */
export const parseDeribitInstruments = (body: string): DeribitInstrumentList => {
  const msg = parseRawJson(body)
  if (typeof msg !== "object" || msg === null || Array.isArray(msg) || msg instanceof RawNumber) {
    throw new DeribitInstrumentListError("get_instruments response is not an object")
  }
  const result = msg["result"]
  if (!Array.isArray(result)) throw new DeribitInstrumentListError(`get_instruments has no result list: ${JSON.stringify(msg["error"] ?? null)}`)
  const instruments: Array<Instrument> = []
  const commissions: Array<DeribitCommission> = []
  for (const row of result) {
    if (typeof row !== "object" || row === null || Array.isArray(row) || row instanceof RawNumber) continue
    if (row["kind"] !== "spot" || row["is_active"] !== true) continue
    const tick = numberText(row, "tick_size")
    const minAmount = numberText(row, "min_trade_amount")
    const contract = numberText(row, "contract_size")
    const priceScale = scaleOfStep(tick)
    const sizeScale = Math.max(DERIBIT_MIN_SIZE_SCALE, scaleOfStep(minAmount), scaleOfStep(contract))
    const base = stringField(row, "base_currency")
    const quote = stringField(row, "quote_currency")
    const symbol = `${base}/${quote}`
    instruments.push({
      venue: DERIBIT,
      symbol,
      venueSymbol: stringField(row, "instrument_name"),
      base,
      quote,
      priceScale,
      sizeScale,
      tickSize: parseUnits(tick, priceScale),
      lotSize: parseUnits(contract, sizeScale),
      minSize: parseUnits(minAmount, sizeScale),
      minNotional: 0n
    })
    commissions.push({ symbol, makerPpm: parseUnits(numberText(row, "maker_commission"), 6), takerPpm: parseUnits(numberText(row, "taker_commission"), 6) })
  }
  return { instruments, commissions }
}

/** Renders instruments as a `public/get_instruments` response (what the simulator serves), commissions 0 as Deribit lists spot. */
export const renderDeribitInstruments = (instruments: ReadonlyArray<Instrument>, usIn: number): string => {
  const rows = instruments.map((i, k) => {
    const n = (units: number, scale: number) => deribitNumber(units, scale)
    return (
      `{"tick_size_steps":[],"tick_size":${n(i.tickSize, i.priceScale)},"taker_commission":0,"state":"open","rfq":false,` +
      `"quote_currency":"${i.quote}","price_index":"${i.base.toLowerCase()}_${i.quote.toLowerCase()}","min_trade_amount":${n(i.minSize, i.sizeScale)},` +
      `"maker_commission":0,"kind":"spot","is_active":true,"instrument_type":"linear","instrument_name":"${i.venueSymbol}","instrument_id":${210_000 + k},` +
      `"expiration_timestamp":32503708800000,"creation_timestamp":1682510400000,"counter_currency":"${i.quote}","contract_size":${n(i.lotSize, i.sizeScale)},` +
      `"block_trade_tick_size":0.01,"block_trade_min_trade_amount":25,"block_trade_commission":0,"base_currency":"${i.base}"}`
    )
  })
  return `{"jsonrpc":"2.0","result":[${rows.join(",")}],"usIn":"${usIn}","usOut":"${usIn + 97}","usDiff":97,"testnet":false}`
}

/** Instruments the Deribit simulator serves by default: BTC_USDC (tick 0.01, as listed live) and ETH_USDC. */
export const DERIBIT_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: DERIBIT, symbol: "BTC/USDC", venueSymbol: "BTC_USDC", base: "BTC", quote: "USDC",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 10_000, minSize: 10_000, minNotional: 0n
  },
  {
    venue: DERIBIT, symbol: "ETH/USDC", venueSymbol: "ETH_USDC", base: "ETH", quote: "USDC",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 100_000, minSize: 100_000, minNotional: 0n
  }
]
