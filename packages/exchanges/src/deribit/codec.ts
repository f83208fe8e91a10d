/**
 * Deribit JSON-RPC 2.0 wire codec: the reusable structures notifications decode into
 * (integer units; numbers never pass through a double), the reference decoder built on
 * the exact-number JSON parser that the fast scanner is held equal to, and the encoders
 * the simulator uses.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"
import type { SimTrade } from "../simulator/simulator-server.ts"
import { deribitNumber, numberUnitsAt } from "./numbers.ts"

/** What a frame turned out to be. */
export const DeribitFrameKind = {
  /** Valid but not acted on (another channel or instrument, a plain heartbeat). */
  Other: 0,
  /** A `book.*` notification; see {@link DeribitFrame.book}. */
  Book: 1,
  /** A `trades.*` notification; see {@link DeribitFrame.trades}. */
  Trade: 2,
  /** A JSON-RPC result; see {@link DeribitFrame.replyId} and {@link DeribitFrame.result}. */
  Result: 3,
  /** A JSON-RPC error; see {@link DeribitFrame.error}. */
  Error: 4,
  /** A `heartbeat` of type `test_request`: answer with `public/test` at once. */
  TestRequest: 5,
  /** Not decodable; see {@link DeribitFrame.error}. */
  Malformed: -1
} as const
/** A {@link DeribitFrameKind} value. */
export type DeribitFrameKind = (typeof DeribitFrameKind)[keyof typeof DeribitFrameKind]

const INITIAL_LEVELS = 64

/** One `book.{instrument}.{interval}` notification in integer units, reused from frame to frame. */
export class BookChange {
  /** Instrument of the notification. */
  instrument: Instrument | undefined = undefined
  /** `type: "snapshot"` (true) or `"change"`. */
  snapshot = false
  /** `change_id`. */
  changeId = 0
  /** `prev_change_id`, −1 when absent (snapshots). */
  prevChangeId = -1
  /** `timestamp`, ms. */
  timestampMs = 0
  /** Levels per side. */
  readonly count: [number, number] = [0, 0]
  /** Prices per side (price units), in wire order. */
  prices: [Float64Array, Float64Array] = [new Float64Array(INITIAL_LEVELS), new Float64Array(INITIAL_LEVELS)]
  /** New absolute sizes per side (size units); `delete` gives 0. */
  sizes: [Float64Array, Float64Array] = [new Float64Array(INITIAL_LEVELS), new Float64Array(INITIAL_LEVELS)]

  /** Makes room for `n` levels on `side` (keeping the ones already written). */
  reserve(side: Side, n: number): void {
    if (n <= this.prices[side].length) return
    let size = this.prices[side].length
    while (size < n) size *= 2
    const prices = new Float64Array(size)
    const sizes = new Float64Array(size)
    prices.set(this.prices[side])
    sizes.set(this.sizes[side])
    this.prices[side] = prices
    this.sizes[side] = sizes
  }
}

/** The trades of one `trades.*` notification, reused from frame to frame. */
export class TradeBatch {
  /** Instrument traded. */
  instrument: Instrument | undefined = undefined
  /** Number of trades. */
  count = 0
  /** Prices (price units). */
  prices = new Float64Array(16)
  /** Amounts (size units). */
  sizes = new Float64Array(16)
  /** Taker sides (`direction`). */
  sides = new Uint8Array(16)
  /** Trade times, µs: from `starbase_timestamp` (ns, kept exact as text) when present, else `timestamp` (ms). */
  timesUs = new Float64Array(16)
  /** `trade_id`s as text. */
  readonly ids: Array<string> = []

  /** Makes room for `n` trades. */
  reserve(n: number): void {
    if (n <= this.prices.length) return
    let size = this.prices.length
    while (size < n) size *= 2
    this.prices = new Float64Array(size)
    this.sizes = new Float64Array(size)
    this.sides = new Uint8Array(size)
    this.timesUs = new Float64Array(size)
  }
}

/** Everything a decoder produces; one instance is reused for every frame. */
export class DeribitFrame {
  /** The last book notification. */
  readonly book = new BookChange()
  /** The last trades notification. */
  readonly trades = new TradeBatch()
  /** Id of the last result or error (−1 when it had none). */
  replyId = -1
  /** The last result (numbers as exact text). */
  result: RawJson = null
  /** Text of the last error or malformed frame. */
  error = ""
}

/**
 * Looks up a followed instrument by the instrument name in `text[start, end)` (a range,
 * so the scanner can resolve without allocating the string).
 */
export type DeribitResolver = (text: string, start: number, end: number) => Instrument | undefined

/** Decodes one frame into a {@link DeribitFrame}. */
export interface DeribitDecoder {
  /** The output, overwritten by each call. */
  readonly out: DeribitFrame
  /** Decodes `text`; the kind says which part of {@link out} holds the result. */
  decode(text: string): DeribitFrameKind
}

/** Channel families a notification can belong to. */
export const ChannelKind = { Book: 1, Trades: 2, Other: 3 } as const

/**
 * Parses a channel name `book.{instrument}.{interval}` / `trades.{instrument}.{interval}`
 * in `text[start, end)`: the family, and the instrument name's range in `range`.
 */
export const parseChannel = (text: string, start: number, end: number, range: [number, number]): number => {
  let nameStart: number
  let kind: number
  if (text.startsWith("book.", start)) {
    kind = ChannelKind.Book
    nameStart = start + 5
  } else if (text.startsWith("trades.", start)) {
    kind = ChannelKind.Trades
    nameStart = start + 7
  } else {
    return ChannelKind.Other
  }
  const nameEnd = text.lastIndexOf(".", end - 1)
  if (nameEnd <= nameStart) return ChannelKind.Other
  range[0] = nameStart
  range[1] = nameEnd
  return kind
}

/** Trade time in µs from `starbase_timestamp` digits (ns) in `text[start, end)`, or −1 when they are not plain digits. */
export const nanosToMicros = (text: string, start: number, end: number): number => {
  const stop = end - 3
  if (stop <= start || stop - start > 16) return -1
  let us = 0
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    if (i < stop) us = us * 10 + d
  }
  return us
}

type RawObject = { [key: string]: RawJson }

const isObject = (v: RawJson | undefined): v is RawObject =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RawNumber)

const safeInteger = (v: RawJson | undefined): number | undefined => {
  if (!(v instanceof RawNumber) || !/^-?\d+$/.test(v.text)) return undefined
  const n = Number(v.text)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * The reference decoder, built on {@link parseRawJson} (numbers stay exact text). Slow
 * but obviously right: the scanner defers to it for everything but notifications it
 * expects, and is held equal to it by differential tests.
 */
export class DeribitReferenceDecoder implements DeribitDecoder {
  readonly out: DeribitFrame
  private readonly resolve: DeribitResolver
  private readonly range: [number, number] = [0, 0]

  constructor(resolve: DeribitResolver, out: DeribitFrame = new DeribitFrame()) {
    this.resolve = resolve
    this.out = out
  }

  decode(text: string): DeribitFrameKind {
    let msg: RawJson
    try {
      msg = parseRawJson(text)
    } catch (error) {
      return this.malformed((error as Error).message)
    }
    if (!isObject(msg)) return this.malformed("not a JSON object")
    const method = msg["method"]
    const params = msg["params"]
    if (method === "subscription") {
      if (!isObject(params) || typeof params["channel"] !== "string") return this.malformed("notification without params.channel")
      const channel = params["channel"]
      const kind = parseChannel(channel, 0, channel.length, this.range)
      if (kind === ChannelKind.Other) return DeribitFrameKind.Other
      const instrument = this.resolve(channel, this.range[0], this.range[1])
      if (instrument === undefined) return DeribitFrameKind.Other
      const data = params["data"]
      return kind === ChannelKind.Book ? this.decodeBook(data, instrument) : this.decodeTrades(data, instrument)
    }
    if (method === "heartbeat") return isObject(params) && params["type"] === "test_request" ? DeribitFrameKind.TestRequest : DeribitFrameKind.Other
    const id = msg["id"]
    if (id !== undefined && method === undefined) {
      this.out.replyId = safeInteger(id) ?? -1
      const error = msg["error"]
      if (isObject(error)) {
        this.out.error = `error ${(error["code"] as RawNumber | undefined)?.text ?? "?"}: ${String(error["message"] ?? "")}`
        return DeribitFrameKind.Error
      }
      if ("result" in msg) {
        this.out.result = msg["result"]!
        return DeribitFrameKind.Result
      }
    }
    return DeribitFrameKind.Other
  }

  private decodeBook(data: RawJson | undefined, instrument: Instrument): DeribitFrameKind {
    if (!isObject(data)) return this.malformed("book notification without data object")
    const type = data["type"]
    const changeId = safeInteger(data["change_id"])
    const prev = data["prev_change_id"] === undefined ? -1 : safeInteger(data["prev_change_id"])
    const timestamp = data["timestamp"] === undefined ? 0 : safeInteger(data["timestamp"])
    if (type !== "snapshot" && type !== "change") return this.malformed("book data type is neither snapshot nor change")
    if (changeId === undefined || prev === undefined || timestamp === undefined) return this.malformed("book data lacks integer change_id/prev_change_id/timestamp")
    if (type === "change" && prev < 0) return this.malformed("book change without prev_change_id")
    if (!Array.isArray(data["bids"]) || !Array.isArray(data["asks"])) return this.malformed("book data lacks bids or asks")
    const book = this.out.book
    if (!this.levels(BID, data["bids"], instrument) || !this.levels(ASK, data["asks"], instrument)) {
      return this.malformed("book level is not [new|change|delete, price, amount] at the instrument's scales")
    }
    book.instrument = instrument
    book.snapshot = type === "snapshot"
    book.changeId = changeId
    book.prevChangeId = prev
    book.timestampMs = timestamp
    return DeribitFrameKind.Book
  }

  private levels(side: Side, levels: ReadonlyArray<RawJson>, instrument: Instrument): boolean {
    const book = this.out.book
    book.reserve(side, levels.length)
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]
      if (!Array.isArray(level) || level.length < 3) return false
      const [action, price, amount] = level
      if (!(price instanceof RawNumber) || !(amount instanceof RawNumber)) return false
      if (action !== "new" && action !== "change" && action !== "delete") return false
      const p = numberUnitsAt(price.text, 0, price.text.length, instrument.priceScale)
      const a = numberUnitsAt(amount.text, 0, amount.text.length, instrument.sizeScale)
      if (Number.isNaN(p) || Number.isNaN(a) || a < 0) return false
      book.prices[side][i] = p
      book.sizes[side][i] = action === "delete" ? 0 : a
    }
    book.count[side] = levels.length
    return true
  }

  private decodeTrades(data: RawJson | undefined, instrument: Instrument): DeribitFrameKind {
    if (!Array.isArray(data)) return this.malformed("trades notification without data array")
    const t = this.out.trades
    t.reserve(data.length)
    for (let i = 0; i < data.length; i++) {
      const d = data[i]
      if (!isObject(d)) return this.malformed("trade is not an object")
      const price = d["price"]
      const amount = d["amount"]
      const direction = d["direction"]
      const id = d["trade_id"]
      const timestamp = safeInteger(d["timestamp"])
      if (!(price instanceof RawNumber) || !(amount instanceof RawNumber) || (direction !== "buy" && direction !== "sell")) {
        return this.malformed("trade lacks price, amount or direction")
      }
      if ((typeof id !== "string" && !(id instanceof RawNumber)) || timestamp === undefined) return this.malformed("trade lacks trade_id or timestamp")
      const p = numberUnitsAt(price.text, 0, price.text.length, instrument.priceScale)
      const a = numberUnitsAt(amount.text, 0, amount.text.length, instrument.sizeScale)
      if (Number.isNaN(p) || Number.isNaN(a)) return this.malformed("trade price/amount not exact at the instrument's scales")
      const starbase = d["starbase_timestamp"]
      const us = starbase instanceof RawNumber ? nanosToMicros(starbase.text, 0, starbase.text.length) : -1
      t.prices[i] = p
      t.sizes[i] = a
      t.sides[i] = direction === "buy" ? BID : ASK
      t.timesUs[i] = us >= 0 ? us : timestamp * 1000
      t.ids[i] = typeof id === "string" ? id : id.text
    }
    t.instrument = instrument
    t.count = data.length
    t.ids.length = data.length
    return DeribitFrameKind.Trade
  }

  private malformed(reason: string): DeribitFrameKind {
    this.out.error = reason
    return DeribitFrameKind.Malformed
  }
}

/** A book level as the simulator publishes it. */
export type LevelEntry = readonly [action: "new" | "change" | "delete", price: number, size: number]

/** The fields of one book notification besides its levels. */
export interface BookHeader {
  /** Snapshot or change. */
  readonly type: "snapshot" | "change"
  /** `change_id`. */
  readonly changeId: number
  /** `prev_change_id` (changes only). */
  readonly prevChangeId?: number
  /** `timestamp`, ms. */
  readonly timestampMs: number
}

const entry = (instrument: Instrument, [action, price, size]: LevelEntry): string =>
  `["${action}",${deribitNumber(price, instrument.priceScale)},${deribitNumber(size, instrument.sizeScale)}]`

/** Encodes a `book.{instrument}.100ms` notification exactly as Deribit sends it (key order of live captures). */
export const encodeBookNotification = (
  instrument: Instrument,
  header: BookHeader,
  bids: ReadonlyArray<LevelEntry>,
  asks: ReadonlyArray<LevelEntry>
): string => {
  const prev = header.prevChangeId === undefined ? "" : `,"prev_change_id":${header.prevChangeId}`
  return `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.${instrument.venueSymbol}.100ms","data":{"timestamp":${header.timestampMs},"type":"${header.type}","change_id":${header.changeId},"instrument_name":"${instrument.venueSymbol}","bids":[${bids
    .map((e) => entry(instrument, e))
    .join(",")}],"asks":[${asks.map((e) => entry(instrument, e)).join(",")}]${prev}}}}`
}

/** Encodes a `trades.{instrument}.100ms` notification exactly as Deribit sends it; `starbase_timestamp` is ns (> 2^53, written as exact digits). */
export const encodeTradeNotification = (trade: SimTrade, tradeSeq: number): string => {
  const i = trade.instrument
  const ms = Math.floor(trade.tsUs / 1000)
  const price = deribitNumber(trade.price, i.priceScale)
  return `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.${i.venueSymbol}.100ms","data":[{"timestamp":${ms},"price":${price},"direction":"${
    trade.takerSide === BID ? "buy" : "sell"
  }","index_price":${price},"trade_id":"${trade.id}","instrument_name":"${i.venueSymbol}","trade_seq":${tradeSeq},"amount":${deribitNumber(
    trade.size,
    i.sizeScale
  )},"mark_price":${price},"tick_direction":${trade.takerSide === BID ? 0 : 2},"starbase_match_id":"${213_378_943_477_100_544n + BigInt(trade.id)}","contracts":${deribitNumber(
    trade.size,
    i.sizeScale
  )},"starbase_timestamp":${trade.tsUs}${String(trade.id % 1000).padStart(3, "0")}}]}}`
}

/** Encodes a JSON-RPC result (`result` is JSON text) with Deribit's `usIn`/`usOut` strings. */
export const encodeResult = (id: RawJson, result: string, usIn: number): string =>
  `{"jsonrpc":"2.0","id":${id instanceof RawNumber ? id.text : JSON.stringify(id)},"result":${result},"usIn":"${usIn}","usOut":"${usIn + 146}","usDiff":146,"testnet":false}`

/** Encodes a JSON-RPC error. */
export const encodeError = (id: RawJson, code: number, message: string, usIn: number): string =>
  `{"jsonrpc":"2.0","id":${id instanceof RawNumber ? id.text : JSON.stringify(id)},"error":{"message":${JSON.stringify(message)},"code":${code}},"usIn":"${usIn}","usOut":"${usIn + 146}","usDiff":146,"testnet":false}`

/** The heartbeat that asks the client to answer with `public/test`. */
export const TEST_REQUEST = `{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`

/** Parses a JSON-RPC request sent to the simulator (numbers exact). */
export const parseRequest = (text: string): { readonly id: RawJson; readonly method: string; readonly params: RawObject } | undefined => {
  let msg: RawJson
  try {
    msg = parseRawJson(text)
  } catch {
    return undefined
  }
  if (!isObject(msg) || typeof msg["method"] !== "string") return undefined
  return { id: msg["id"] ?? null, method: msg["method"], params: isObject(msg["params"]) ? msg["params"] : {} }
}
