/**
 * Kraken spot WebSocket v2 wire codec: the reusable structures frames decode into (book
 * messages and trades in integer units, control replies), the reference decoder built on
 * {@link parseRawJson} (prices and sizes are JSON numbers on this venue, so `JSON.parse`
 * would round them), and the encoders the simulator uses.
 *
 * The fast path is {@link KrakenScanner} in `scanner.ts`; differential tests hold it equal
 * to {@link KrakenDecoder}.
 *
 * @module
 */
import { type Instrument, type Level, type Side, ASK, BID, formatUnitsTrimmed } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"
import type { SimTrade } from "../simulator/simulator-server.ts"
import { decimalUnits, rfc3339Text, rfc3339Us } from "./numbers.ts"

/** Depths Kraken accepts for a book subscription (levels per side). */
export const KRAKEN_DEPTHS: ReadonlyArray<number> = [10, 25, 100, 500, 1000]

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON we do not act on, or an instrument we do not follow. */
  Other: 0,
  /** A `book` snapshot or update; see {@link DecodedFrame.book}. */
  Book: 1,
  /** A `trade` snapshot or update; see {@link DecodedFrame.trades}. */
  Trade: 2,
  /** `{"channel":"heartbeat"}`. */
  Heartbeat: 3,
  /** The `status` frame (first after connect); see {@link ControlFields.connectionId}. */
  Status: 4,
  /** A reply to `subscribe` / `unsubscribe`; see {@link ControlFields}. */
  Ack: 5,
  /** A reply to `ping`. */
  Pong: 6,
  /** An `instrument` snapshot or update; see {@link ControlFields.pairs}. */
  Instrument: 7,
  /** Not decodable; see {@link DecodedFrame.error}. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** Followed instruments by venue symbol, for decoders: only these are decoded. */
export class FollowedSymbols {
  private readonly list: Array<Instrument> = []
  private readonly map = new Map<string, Instrument>()

  /** Follows `instrument` (replacing one with the same venue symbol). */
  set(instrument: Instrument): void {
    const at = this.list.findIndex((i) => i.venueSymbol === instrument.venueSymbol)
    if (at >= 0) this.list[at] = instrument
    else this.list.push(instrument)
    this.map.set(instrument.venueSymbol, instrument)
  }

  /** The followed instrument with this venue symbol. */
  get(venueSymbol: string): Instrument | undefined {
    return this.map.get(venueSymbol)
  }

  /** The followed instrument whose venue symbol is `text[start, end)`, without allocating. */
  at(text: string, start: number, end: number): Instrument | undefined {
    const list = this.list
    const n = end - start
    outer: for (let k = 0; k < list.length; k++) {
      const instrument = list[k]!
      const symbol = instrument.venueSymbol
      if (symbol.length !== n) continue
      for (let j = 0; j < n; j++) if (text.charCodeAt(start + j) !== symbol.charCodeAt(j)) continue outer
      return instrument
    }
    return undefined
  }
}

/** A decoded `book` message, reused from frame to frame. Levels are in wire order. */
export class BookMessage {
  /** Instrument of the message. */
  instrument: Instrument | undefined = undefined
  /** A snapshot (replace the book) rather than an update. */
  snapshot = false
  /** Whether the message carried a checksum. */
  hasChecksum = false
  /** The venue's CRC32 of its top 10 levels after this message (unsigned). */
  checksum = 0
  /** Number of bid levels. */
  bidCount = 0
  /** Number of ask levels. */
  askCount = 0
  /** Bid prices (price units). */
  bidPrices = new Float64Array(32)
  /** Bid sizes (size units; 0 removes). */
  bidSizes = new Float64Array(32)
  /** Ask prices. */
  askPrices = new Float64Array(32)
  /** Ask sizes. */
  askSizes = new Float64Array(32)

  /** Empties the message before decoding into it. */
  reset(): void {
    this.instrument = undefined
    this.snapshot = false
    this.hasChecksum = false
    this.checksum = 0
    this.bidCount = 0
    this.askCount = 0
  }

  /** Appends a level to one side. */
  push(side: Side, price: number, size: number): void {
    if (side === BID) {
      if (this.bidCount === this.bidPrices.length) {
        this.bidPrices = grown(this.bidPrices)
        this.bidSizes = grown(this.bidSizes)
      }
      this.bidPrices[this.bidCount] = price
      this.bidSizes[this.bidCount++] = size
    } else {
      if (this.askCount === this.askPrices.length) {
        this.askPrices = grown(this.askPrices)
        this.askSizes = grown(this.askSizes)
      }
      this.askPrices[this.askCount] = price
      this.askSizes[this.askCount++] = size
    }
  }
}

const grown = (a: Float64Array): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(a.length * 2)
  b.set(a)
  return b
}

/** Decoded trades of one `trade` message, reused from frame to frame. */
export class TradeBatch {
  /** A snapshot (recent history on subscribe) rather than live trades. */
  snapshot = false
  /** Number of trades of followed instruments. */
  count = 0
  /** Instrument of each trade. */
  readonly instruments: Array<Instrument> = []
  /** Taker side of each trade. */
  readonly sides: Array<Side> = []
  /** Prices (price units). */
  readonly prices: Array<number> = []
  /** Sizes (size units). */
  readonly sizes: Array<number> = []
  /** Venue trade ids, exact text. */
  readonly ids: Array<string> = []
  /** Trade times, µs since the epoch. */
  readonly timesUs: Array<number> = []

  /** Empties the batch before decoding into it. */
  reset(): void {
    this.snapshot = false
    this.count = 0
  }

  /** Appends a trade. */
  push(instrument: Instrument, side: Side, price: number, size: number, id: string, timeUs: number): void {
    const n = this.count++
    this.instruments[n] = instrument
    this.sides[n] = side
    this.prices[n] = price
    this.sizes[n] = size
    this.ids[n] = id
    this.timesUs[n] = timeUs
  }
}

/** Fields of control frames (status, acks, pong, instrument list). */
export class ControlFields {
  /** `method` of a reply (`subscribe`, `unsubscribe`, `pong`). */
  method = ""
  /** `req_id` echoed by a reply, or -1. */
  reqId = -1
  /** `success` of a reply. */
  success = false
  /** Channel a reply is about (`result.channel`). */
  channel = ""
  /** Symbol a reply is about (`result.symbol`, or the top-level `symbol` of an error). */
  symbol = ""
  /** `error` of a failed reply. */
  error = ""
  /** `connection_id` of the status frame as exact decimal text (it exceeds 2^53). */
  connectionId = ""
  /** `system` of the status frame (`online`, `maintenance`, …). */
  system = ""
  /** Whether an instrument frame is a snapshot. */
  snapshot = false
  /** `data.pairs` of an instrument frame, numbers kept as text. */
  pairs: ReadonlyArray<RawJson> = []

  /** Empties the fields before decoding into them. */
  reset(): void {
    this.method = ""
    this.reqId = -1
    this.success = false
    this.channel = ""
    this.symbol = ""
    this.error = ""
    this.connectionId = ""
    this.system = ""
    this.snapshot = false
    this.pairs = []
  }
}

/** Where a decoder puts what it decoded; the {@link FrameKind} says which part is valid. */
export class DecodedFrame {
  /** The last book message. */
  readonly book = new BookMessage()
  /** The last trades. */
  readonly trades = new TradeBatch()
  /** The last control frame. */
  readonly control = new ControlFields()
  /** Why the last malformed frame was rejected. */
  error = ""
}

type JsonObject = { readonly [key: string]: RawJson }

const isObject = (v: RawJson | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RawNumber)

const MAX_CHECKSUM = 0xffffffff

/**
 * Decodes Kraken v2 frames with {@link parseRawJson}. This is the reference decoder: the
 * differential tests hold {@link KrakenScanner} equal to it, and the scanner hands it
 * every frame that is not a plain book, trade or heartbeat.
 */
export class KrakenDecoder {
  /** Where results go. */
  readonly out: DecodedFrame
  private readonly symbols: FollowedSymbols

  constructor(symbols: FollowedSymbols, out: DecodedFrame = new DecodedFrame()) {
    this.symbols = symbols
    this.out = out
  }

  /** Decodes one frame; the kind says which part of {@link out} holds the result. */
  decode(text: string): FrameKind {
    let msg: RawJson
    try {
      msg = parseRawJson(text)
    } catch (error) {
      return this.malformed((error as Error).message)
    }
    if (!isObject(msg)) return this.malformed("not a JSON object")
    const channel = msg["channel"]
    if (typeof channel === "string") {
      switch (channel) {
        case "book":
          return this.decodeBook(msg)
        case "trade":
          return this.decodeTrades(msg)
        case "heartbeat":
          return FrameKind.Heartbeat
        case "status":
          return this.decodeStatus(msg)
        case "instrument":
          return this.decodeInstruments(msg)
        default:
          return FrameKind.Other
      }
    }
    if (typeof msg["method"] === "string") return this.decodeReply(msg)
    return FrameKind.Other
  }

  private decodeBook(msg: JsonObject): FrameKind {
    const type = msg["type"]
    if (type !== "snapshot" && type !== "update") return this.malformed("book frame type is not snapshot or update")
    const data = msg["data"]
    if (!Array.isArray(data) || data.length !== 1 || !isObject(data[0])) return this.malformed("book data is not one object")
    const entry = data[0]
    const symbol = entry["symbol"]
    if (typeof symbol !== "string") return this.malformed("book data lacks symbol")
    const instrument = this.symbols.get(symbol)
    if (instrument === undefined) return FrameKind.Other
    const book = this.out.book
    book.reset()
    book.instrument = instrument
    book.snapshot = type === "snapshot"
    if (!this.levels(entry["bids"], BID, instrument) || !this.levels(entry["asks"], ASK, instrument)) {
      return this.malformed("book level is not {price, qty} with non-negative numbers at the pair's precision")
    }
    const checksum = entry["checksum"]
    if (checksum !== undefined) {
      const value = checksum instanceof RawNumber && /^\d+$/.test(checksum.text) ? Number(checksum.text) : NaN
      if (!(value <= MAX_CHECKSUM)) return this.malformed("book checksum is not an unsigned 32-bit integer")
      book.hasChecksum = true
      book.checksum = value
    }
    return FrameKind.Book
  }

  private levels(levels: RawJson | undefined, side: Side, instrument: Instrument): boolean {
    if (levels === undefined) return true
    if (!Array.isArray(levels)) return false
    for (const level of levels) {
      if (!isObject(level)) return false
      const price = level["price"]
      const qty = level["qty"]
      if (!(price instanceof RawNumber) || !(qty instanceof RawNumber)) return false
      const p = decimalUnits(price.text, 0, price.text.length, instrument.priceScale)
      const q = decimalUnits(qty.text, 0, qty.text.length, instrument.sizeScale)
      if (Number.isNaN(p) || Number.isNaN(q)) return false
      this.out.book.push(side, p, q)
    }
    return true
  }

  private decodeTrades(msg: JsonObject): FrameKind {
    const type = msg["type"]
    if (type !== "snapshot" && type !== "update") return this.malformed("trade frame type is not snapshot or update")
    const data = msg["data"]
    if (!Array.isArray(data)) return this.malformed("trade data is not an array")
    const trades = this.out.trades
    trades.reset()
    trades.snapshot = type === "snapshot"
    for (const entry of data) {
      if (!isObject(entry)) return this.malformed("trade is not an object")
      const symbol = entry["symbol"]
      if (typeof symbol !== "string") return this.malformed("trade lacks symbol")
      const instrument = this.symbols.get(symbol)
      if (instrument === undefined) continue
      const { side, price, qty, trade_id: id, timestamp } = entry
      if (side !== "buy" && side !== "sell") return this.malformed("trade side is not buy or sell")
      if (!(price instanceof RawNumber) || !(qty instanceof RawNumber)) return this.malformed("trade lacks price or qty")
      const p = decimalUnits(price.text, 0, price.text.length, instrument.priceScale)
      const q = decimalUnits(qty.text, 0, qty.text.length, instrument.sizeScale)
      if (Number.isNaN(p) || Number.isNaN(q)) return this.malformed("trade price or qty is not a non-negative number at the pair's precision")
      const idText = id instanceof RawNumber ? id.text : typeof id === "string" ? id : undefined
      if (idText === undefined) return this.malformed("trade lacks trade_id")
      const us = typeof timestamp === "string" ? rfc3339Us(timestamp, 0, timestamp.length) : NaN
      if (Number.isNaN(us)) return this.malformed("trade timestamp is not RFC 3339 UTC")
      trades.push(instrument, side === "buy" ? BID : ASK, p, q, idText, us)
    }
    return FrameKind.Trade
  }

  private decodeStatus(msg: JsonObject): FrameKind {
    const control = this.out.control
    control.reset()
    const data = msg["data"]
    const entry = Array.isArray(data) ? data[0] : undefined
    if (isObject(entry)) {
      const id = entry["connection_id"]
      if (id instanceof RawNumber) control.connectionId = id.text
      if (typeof entry["system"] === "string") control.system = entry["system"]
    }
    return FrameKind.Status
  }

  private decodeInstruments(msg: JsonObject): FrameKind {
    const type = msg["type"]
    if (type !== "snapshot" && type !== "update") return this.malformed("instrument frame type is not snapshot or update")
    const data = msg["data"]
    if (!isObject(data)) return this.malformed("instrument data is not an object")
    const pairs = data["pairs"] ?? []
    if (!Array.isArray(pairs)) return this.malformed("instrument pairs is not an array")
    const control = this.out.control
    control.reset()
    control.snapshot = type === "snapshot"
    control.pairs = pairs
    return FrameKind.Instrument
  }

  private decodeReply(msg: JsonObject): FrameKind {
    const control = this.out.control
    control.reset()
    control.method = msg["method"] as string
    const reqId = msg["req_id"]
    if (reqId instanceof RawNumber) control.reqId = reqId.toNumber()
    if (control.method === "pong") return FrameKind.Pong
    if (control.method !== "subscribe" && control.method !== "unsubscribe") return FrameKind.Other
    control.success = msg["success"] === true
    const result = msg["result"]
    if (isObject(result)) {
      if (typeof result["channel"] === "string") control.channel = result["channel"]
      if (typeof result["symbol"] === "string") control.symbol = result["symbol"]
    }
    if (typeof msg["symbol"] === "string" && control.symbol === "") control.symbol = msg["symbol"]
    if (typeof msg["error"] === "string") control.error = msg["error"]
    return FrameKind.Ack
  }

  private malformed(reason: string): FrameKind {
    this.out.error = reason
    return FrameKind.Malformed
  }
}

// ---------------------------------------------------------------------------------------
// Encoders (the simulator's side of the wire)

const levelsText = (levels: ReadonlyArray<Level>, instrument: Instrument): string =>
  levels.map(([p, q]) => `{"price":${formatUnitsTrimmed(p, instrument.priceScale)},"qty":${formatUnitsTrimmed(q, instrument.sizeScale)}}`).join(",")

/** Encodes a `book` snapshot or update as Kraken sends it (levels in the given order). */
export const encodeBookFrame = (
  instrument: Instrument,
  type: "snapshot" | "update",
  bids: ReadonlyArray<Level>,
  asks: ReadonlyArray<Level>,
  checksum: number,
  tsUs: number
): string =>
  `{"channel":"book","type":"${type}","data":[{"symbol":"${instrument.venueSymbol}","bids":[${levelsText(bids, instrument)}],"asks":[${levelsText(asks, instrument)}],"checksum":${checksum},"timestamp":"${rfc3339Text(tsUs)}"}]}`

/** Encodes trades of one instrument as a `trade` frame. */
export const encodeTradeFrame = (type: "snapshot" | "update", trades: ReadonlyArray<SimTrade>): string =>
  `{"channel":"trade","type":"${type}","data":[${trades
    .map(
      (t) =>
        `{"symbol":"${t.instrument.venueSymbol}","side":"${t.takerSide === BID ? "buy" : "sell"}","price":${formatUnitsTrimmed(t.price, t.instrument.priceScale)},"qty":${formatUnitsTrimmed(t.size, t.instrument.sizeScale)},"ord_type":"market","trade_id":${t.id},"timestamp":"${rfc3339Text(t.tsUs)}"}`
    )
    .join(",")}]}`

/** Encodes the `status` frame a connection starts with. */
export const encodeStatusFrame = (connectionId: bigint, system: string): string =>
  `{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"${system}","api_version":"v2","connection_id":${connectionId}}]}`

/** The heartbeat frame. */
export const HEARTBEAT_FRAME = `{"channel":"heartbeat"}`

const reqIdText = (reqId: string | undefined): string => (reqId === undefined ? "" : `"req_id":${reqId},`)

/** Encodes a successful reply; `result` is the JSON text of the `result` object, `reqId` the request's `req_id` text. */
export const encodeReply = (method: string, result: string, reqId: string | undefined, tsUs: number): string =>
  `{"method":"${method}",${reqIdText(reqId)}"result":${result},"success":true,"time_in":"${rfc3339Text(tsUs)}","time_out":"${rfc3339Text(tsUs + 40)}"}`

/** Encodes a failed reply. */
export const encodeErrorReply = (method: string, error: string, symbol: string | undefined, reqId: string | undefined, tsUs: number): string =>
  `{"error":${JSON.stringify(error)},"method":${JSON.stringify(method)},${reqIdText(reqId)}"success":false,${symbol === undefined ? "" : `"symbol":${JSON.stringify(symbol)},`}"time_in":"${rfc3339Text(tsUs)}","time_out":"${rfc3339Text(tsUs + 40)}"}`

/** Encodes the reply to `ping`. */
export const encodePong = (reqId: string | undefined, tsUs: number): string =>
  `{"method":"pong",${reqIdText(reqId)}"time_in":"${rfc3339Text(tsUs)}","time_out":"${rfc3339Text(tsUs + 40)}"}`
