/**
 * Bitstamp WebSocket v2 wire codec: the reusable structures a frame decodes into (integer
 * units, no allocation per level), the reference decoder that the fast scanner
 * (`scanner.ts`) is held equal to, the REST order-book decoder, and the encoders the
 * simulator uses.
 *
 * Frames: `{"data":{…},"channel":"diff_order_book_btcusd","event":"data"}` diffs (absolute
 * sizes, `"0.00000000"` deletes, `microtimestamp` the only ordering), `live_trades_{pair}`
 * trades (`type` 0 = buy, 1 = sell: the taker's side; `price_str`/`amount_str` exact), and
 * `bts:*` control events whose `data` may be `{}` or `""`. Trade ids are JSON numbers, kept
 * as their exact text.
 *
 * @module
 */
import { type Instrument, type Level, type Side, ASK, BID, formatUnits, formatUnitsTrimmed, parseUnits, parseUnitsAt } from "@hft/core"
import { type RawJson, RawJsonError, RawNumber, parseRawJson } from "../json-raw.ts"
import { LevelList } from "../level-list.ts"
import type { SimTrade } from "../simulator/simulator-server.ts"
import { counterDecimals } from "./instruments.ts"

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON we do not act on, or a pair we do not follow. */
  Other: 0,
  /** A `diff_order_book` event; see {@link BitstampFrame.diff}. */
  Diff: 1,
  /** A `live_trades` event; see {@link BitstampFrame.trade}. */
  Trade: 2,
  /** `bts:subscription_succeeded`; the channel is in {@link BitstampFrame.channel}. */
  Subscribed: 3,
  /** `bts:heartbeat` reply. */
  Heartbeat: 4,
  /** `bts:request_reconnect`: the server wants us to reconnect. */
  Reconnect: 5,
  /** `bts:error`; the message is in {@link BitstampFrame.error}. */
  Error: 6,
  /** Not decodable. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** Channel prefix of order-book diffs. */
export const DIFF_CHANNEL = "diff_order_book_"
/** Channel prefix of trades. */
export const TRADES_CHANNEL = "live_trades_"

/** `diff_order_book_btcusd`. */
export const diffChannel = (instrument: Instrument): string => DIFF_CHANNEL + instrument.venueSymbol
/** `live_trades_btcusd`. */
export const tradesChannel = (instrument: Instrument): string => TRADES_CHANNEL + instrument.venueSymbol

/** A decoded order-book diff, reused from frame to frame. */
export class OrderBookDiff {
  /** Instrument of the channel. */
  instrument: Instrument | undefined = undefined
  /** `microtimestamp`: the diff's time in µs, its only ordering. */
  microtimestamp = 0
  /** Bid changes. */
  readonly bids = new LevelList()
  /** Ask changes. */
  readonly asks = new LevelList()

  /** A detached copy, for buffering while a snapshot is awaited. */
  copy(): OrderBookDiff {
    const c = new OrderBookDiff()
    c.instrument = this.instrument
    c.microtimestamp = this.microtimestamp
    for (let i = 0; i < this.bids.count; i++) c.bids.push(this.bids.prices[i]!, this.bids.sizes[i]!)
    for (let i = 0; i < this.asks.count; i++) c.asks.push(this.asks.prices[i]!, this.asks.sizes[i]!)
    return c
  }
}

/** A decoded trade, reused from frame to frame. */
export class TradeFields {
  /** Instrument of the channel. */
  instrument: Instrument | undefined = undefined
  /** `price_str` in price units. */
  price = 0
  /** `amount_str` in size units. */
  size = 0
  /** `type`: 0 → buy (bid), 1 → sell (ask), the taker's side. */
  takerSide: Side = BID
  /** `id`, as its exact text. */
  id = ""
  /** `microtimestamp`, µs. */
  microtimestamp = 0
}

/** Where a decoder writes a frame; one per decoder, overwritten per frame. */
export class BitstampFrame {
  /** The last diff. */
  readonly diff = new OrderBookDiff()
  /** The last trade. */
  readonly trade = new TradeFields()
  /** Channel of the last control event. */
  channel = ""
  /** Why the last frame was malformed, or the text of a `bts:error`. */
  error = ""
}

class Malformed extends Error {}

const isObject = (value: RawJson | undefined): value is { [key: string]: RawJson } =>
  typeof value === "object" && value !== null && !(value instanceof RawNumber) && !Array.isArray(value)

const units = (value: RawJson | undefined, scale: number): number => {
  if (typeof value !== "string") return NaN
  const n = parseUnitsAt(value, 0, value.length, scale)
  return n >= 0 ? n : NaN
}

/** A string of at most 16 digits without leading zeros, below 2^53: microtimestamps. */
const microseconds = (value: RawJson | undefined): number => {
  if (typeof value !== "string" || !/^(0|[1-9]\d{0,15})$/.test(value)) return NaN
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : NaN
}

/**
 * Decodes Bitstamp frames with {@link parseRawJson}, so numbers (trade ids) keep their
 * exact text. This is the reference: simple, complete, and the oracle the scanner is
 * tested against; the feed uses it for every frame the scanner declines.
 */
export class BitstampReferenceDecoder {
  private readonly instruments: ReadonlyArray<Instrument>

  /** `instruments` is read at each decode, so the owner may add to it later. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.instruments = instruments
  }

  /** Decodes one frame into `out`; the kind says which part of `out` holds the result. */
  decode(text: string, out: BitstampFrame): FrameKind {
    let msg: RawJson
    try {
      msg = parseRawJson(text)
    } catch (error) {
      if (!(error instanceof RawJsonError)) throw error
      out.error = error.message
      return FrameKind.Malformed
    }
    if (!isObject(msg)) {
      out.error = "not a JSON object"
      return FrameKind.Malformed
    }
    try {
      return this.decodeObject(msg, out)
    } catch (error) {
      if (!(error instanceof Malformed)) throw error
      out.error = error.message
      return FrameKind.Malformed
    }
  }

  private decodeObject(msg: { [key: string]: RawJson }, out: BitstampFrame): FrameKind {
    const event = msg["event"]
    const channel = typeof msg["channel"] === "string" ? msg["channel"] : ""
    switch (event) {
      case "data":
        return channel.startsWith(DIFF_CHANNEL) ? this.diff(msg["data"], channel, out.diff) : FrameKind.Other
      case "trade":
        return channel.startsWith(TRADES_CHANNEL) ? this.trade(msg["data"], channel, out.trade) : FrameKind.Other
      case "bts:subscription_succeeded":
        out.channel = channel
        return FrameKind.Subscribed
      case "bts:heartbeat":
        return FrameKind.Heartbeat
      case "bts:request_reconnect":
        return FrameKind.Reconnect
      case "bts:error": {
        const data = msg["data"]
        const message = isObject(data) ? data["message"] : data
        out.error = `${channel === "" ? "" : `${channel}: `}${typeof message === "string" ? message : "error without a message"}`
        return FrameKind.Error
      }
      default:
        return FrameKind.Other
    }
  }

  private instrument(venueSymbol: string): Instrument | undefined {
    return this.instruments.find((i) => i.venueSymbol === venueSymbol)
  }

  private diff(data: RawJson | undefined, channel: string, diff: OrderBookDiff): FrameKind {
    const instrument = this.instrument(channel.slice(DIFF_CHANNEL.length))
    if (instrument === undefined) return FrameKind.Other
    if (!isObject(data)) throw new Malformed(`${channel}: data is not an object`)
    const mts = microseconds(data["microtimestamp"])
    if (Number.isNaN(mts)) throw new Malformed(`${channel}: microtimestamp is not a digit string`)
    diff.instrument = instrument
    diff.microtimestamp = mts
    levelsInto(data["bids"], instrument, diff.bids, channel)
    levelsInto(data["asks"], instrument, diff.asks, channel)
    return FrameKind.Diff
  }

  private trade(data: RawJson | undefined, channel: string, trade: TradeFields): FrameKind {
    const instrument = this.instrument(channel.slice(TRADES_CHANNEL.length))
    if (instrument === undefined) return FrameKind.Other
    if (!isObject(data)) throw new Malformed(`${channel}: data is not an object`)
    const price = units(data["price_str"], instrument.priceScale)
    const size = units(data["amount_str"], instrument.sizeScale)
    const type = data["type"]
    const id = data["id"]
    const mts = microseconds(data["microtimestamp"])
    if (Number.isNaN(price) || Number.isNaN(size)) throw new Malformed(`${channel}: price_str or amount_str is not a decimal at the pair's scale`)
    if (!(type instanceof RawNumber) || (type.text !== "0" && type.text !== "1")) throw new Malformed(`${channel}: type is neither 0 nor 1`)
    if (!(id instanceof RawNumber) && typeof id !== "string") throw new Malformed(`${channel}: trade has no id`)
    if (Number.isNaN(mts)) throw new Malformed(`${channel}: microtimestamp is not a digit string`)
    trade.instrument = instrument
    trade.price = price
    trade.size = size
    trade.takerSide = type.text === "0" ? BID : ASK
    trade.id = id instanceof RawNumber ? id.text : id
    trade.microtimestamp = mts
    return FrameKind.Trade
  }
}

const levelsInto = (raw: RawJson | undefined, instrument: Instrument, out: LevelList, channel: string): void => {
  if (!Array.isArray(raw)) throw new Malformed(`${channel}: bids or asks is not an array`)
  out.count = 0
  for (const level of raw) {
    if (!Array.isArray(level) || level.length < 2) throw new Malformed(`${channel}: level is not [price, amount]`)
    const price = units(level[0], instrument.priceScale)
    const size = units(level[1], instrument.sizeScale)
    if (Number.isNaN(price) || Number.isNaN(size)) throw new Malformed(`${channel}: level is not decimal text at the pair's scale`)
    out.push(price, size)
  }
}

/** REST path prefix of order-book snapshots: `/api/v2/order_book/{pair}/`. */
export const ORDER_BOOK_PATH = "/api/v2/order_book/"

/** A REST order-book snapshot in integer units. */
export interface OrderBookSnapshot {
  /** `microtimestamp` of the snapshot (µs). */
  readonly microtimestamp: number
  /** Bids as [price, size] units, best first. */
  readonly bids: ReadonlyArray<Level>
  /** Asks as [price, size] units, best first. */
  readonly asks: ReadonlyArray<Level>
}

/** Decodes a `GET /api/v2/order_book/{pair}/` body. Throws with a clear message when it is not one. */
export const decodeOrderBookSnapshot = (body: string, instrument: Instrument): OrderBookSnapshot => {
  const msg = JSON.parse(body) as { microtimestamp?: unknown; bids?: unknown; asks?: unknown }
  const mts = typeof msg.microtimestamp === "string" ? microseconds(msg.microtimestamp) : NaN
  if (Number.isNaN(mts) || !Array.isArray(msg.bids) || !Array.isArray(msg.asks)) {
    throw new Error("order book snapshot lacks microtimestamp, bids or asks")
  }
  const levels = (raw: ReadonlyArray<unknown>): Array<Level> =>
    raw.map((level) => {
      if (!Array.isArray(level) || typeof level[0] !== "string" || typeof level[1] !== "string") {
        throw new Error("order book snapshot level is not [price, amount] text")
      }
      return [parseUnits(level[0], instrument.priceScale), parseUnits(level[1], instrument.sizeScale)] as const
    })
  return { microtimestamp: mts, bids: levels(msg.bids), asks: levels(msg.asks) }
}

/** A price as Bitstamp prints it: at the pair's `counter_decimals` ("109880" for BTC/USD, "3500.12"). */
const bitstampPrice = (instrument: Instrument, price: number): string => {
  const decimals = counterDecimals(instrument)
  const step = 10 ** (instrument.priceScale - decimals)
  return price % step === 0 ? formatUnits(price / step, decimals) : formatUnits(price, instrument.priceScale)
}

/** An amount as Bitstamp prints it: at `base_decimals` ("0.50331929", "0.00000000"). */
const bitstampAmount = (instrument: Instrument, size: number): string => formatUnits(size, instrument.sizeScale)

const pairs = (instrument: Instrument, levels: ReadonlyArray<Level>): string =>
  levels.map(([p, s]) => `["${bitstampPrice(instrument, p)}","${bitstampAmount(instrument, s)}"]`).join(",")

/** Encodes a diff event exactly as Bitstamp sends it. */
export const encodeDiff = (instrument: Instrument, microtimestamp: number, bids: ReadonlyArray<Level>, asks: ReadonlyArray<Level>): string =>
  `{"data":{"timestamp":"${Math.floor(microtimestamp / 1e6)}","microtimestamp":"${microtimestamp}","bids":[${pairs(instrument, bids)}],"asks":[${pairs(instrument, asks)}]},"channel":"${diffChannel(instrument)}","event":"data"}`

/** Trade ids the simulator prints: Bitstamp's are in the hundreds of millions. */
const TRADE_ID_BASE = 450_000_000

/** The trade id text the simulator sends for its trade number `id`. */
const simulatedTradeId = (id: number): string => String(TRADE_ID_BASE + id)

/** Encodes a trade event exactly as Bitstamp sends it (numbers and their `_str` twins). */
export const encodeTrade = (trade: SimTrade): string => {
  const i = trade.instrument
  const ms = Math.floor(trade.tsUs / 1000)
  return `{"data":{"id":${simulatedTradeId(trade.id)},"timestamp":"${Math.floor(trade.tsUs / 1e6)}","amount":${formatUnitsTrimmed(trade.size, i.sizeScale)},"amount_str":"${bitstampAmount(i, trade.size)}","price":${formatUnitsTrimmed(trade.price, i.priceScale)},"price_str":"${bitstampPrice(i, trade.price)}","type":${trade.takerSide === BID ? 0 : 1},"microtimestamp":"${ms * 1000}","buy_order_id":${1_900_000_000_000_000 + 2 * trade.id},"sell_order_id":${1_900_000_000_000_001 + 2 * trade.id}},"channel":"${tradesChannel(i)}","event":"trade"}`
}

/** Encodes a `GET /api/v2/order_book/{pair}/` body (levels best first). */
export const encodeOrderBook = (instrument: Instrument, microtimestamp: number, bids: ReadonlyArray<Level>, asks: ReadonlyArray<Level>): string =>
  `{"timestamp":"${Math.floor(microtimestamp / 1e6)}","microtimestamp":"${microtimestamp}","bids":[${pairs(instrument, bids)}],"asks":[${pairs(instrument, asks)}]}`

/** Encodes a control event (`bts:subscription_succeeded`, `bts:heartbeat`, …) with its `data` JSON. */
export const encodeEvent = (event: string, channel: string, data: string): string => `{"event":"${event}","channel":"${channel}","data":${data}}`
