/**
 * Bybit v5 public spot wire codec: the reusable structures a frame decodes into (integer
 * units, no allocation per level), the reference decoder built on `JSON.parse` that the
 * fast scanner (`scanner.ts`) is held equal to, and the encoders the simulator uses.
 *
 * Frames: `orderbook.{depth}.{symbol}` snapshots and deltas (`data.b`/`data.a` as
 * `[price, size]` text pairs, update id `data.u`), `publicTrade.{symbol}` batches
 * (`S` = taker side), and `op` replies (subscribe acks, pongs).
 *
 * @module
 */
import { type Instrument, type Level, type Side, ASK, BID, formatUnitsTrimmed, parseUnitsAt } from "@hft/core"
import type { SimTrade } from "../simulator/simulator-server.ts"
import { LevelList } from "../level-list.ts"

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON we do not act on, or an instrument we do not follow. */
  Other: 0,
  /** An order-book snapshot or delta; see {@link BybitFrame.book}. */
  Book: 1,
  /** A batch of public trades; see {@link BybitFrame.trades}. */
  Trades: 2,
  /** An `op` reply (subscribe/unsubscribe ack, pong); see {@link BybitFrame.reply}. */
  Reply: 3,
  /** Not decodable. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** A decoded `orderbook.{depth}.{symbol}` message. */
export class BookMessage {
  /** Instrument of the topic. */
  instrument: Instrument | undefined = undefined
  /** Depth of the topic (1, 50, 200, 1000). */
  depth = 0
  /** `type: "snapshot"` (replace the book) rather than `"delta"`. */
  snapshot = false
  /** Update id `u`. */
  updateId = 0
  /** Bid levels (`b`). */
  readonly bids = new LevelList()
  /** Ask levels (`a`). */
  readonly asks = new LevelList()
}

/** A decoded `publicTrade.{symbol}` message: parallel arrays, one entry per trade. */
export class TradeBatch {
  /** Instrument of the topic. */
  instrument: Instrument | undefined = undefined
  /** Number of trades. */
  count = 0
  /** Prices (`p`). */
  prices: Array<number> = []
  /** Sizes (`v`). */
  sizes: Array<number> = []
  /** Taker sides (`S`: Buy → bid, Sell → ask). */
  takerSides: Array<Side> = []
  /** Trade times (`T`), ms. */
  timesMs: Array<number> = []
  /** Trade ids (`i`), as text: numeric ids exceed 2^53. */
  ids: Array<string> = []

  /** Stores trade `count` (entries are overwritten, never reallocated once grown). */
  push(price: number, size: number, takerSide: Side, timeMs: number, id: string): void {
    const n = this.count++
    this.prices[n] = price
    this.sizes[n] = size
    this.takerSides[n] = takerSide
    this.timesMs[n] = timeMs
    this.ids[n] = id
  }
}

/** An `op` reply: `{"success":true,"ret_msg":"subscribe","conn_id":…,"req_id":"1","op":"subscribe"}`. */
export interface Reply {
  /** `op`: `subscribe`, `unsubscribe`, `ping` (spot pongs) or `pong`. */
  op: string
  /** `success`. */
  success: boolean
  /** `ret_msg` (`subscribe`, `pong`, or the error text). */
  message: string
  /** `req_id` echoed, `""` when absent. */
  reqId: string
}

/** Where a decoder writes a frame; one per decoder, overwritten per frame. */
export class BybitFrame {
  /** The last book message. */
  readonly book = new BookMessage()
  /** The last trade batch. */
  readonly trades = new TradeBatch()
  /** The last reply. */
  readonly reply: Reply = { op: "", success: false, message: "", reqId: "" }
  /** Why the last frame was malformed. */
  error = ""
}

/** Book depths Bybit offers on spot. */
export const SPOT_DEPTHS: ReadonlyArray<number> = [1, 50, 200, 1000]

/** Topic prefix of order-book messages. */
export const BOOK_TOPIC = "orderbook."
/** Topic prefix of trade messages. */
export const TRADE_TOPIC = "publicTrade."

/** The book topic of an instrument at a depth: `orderbook.50.BTCUSDT`. */
export const bookTopic = (instrument: Instrument, depth: number): string => `${BOOK_TOPIC}${depth}.${instrument.venueSymbol}`
/** The trade topic of an instrument: `publicTrade.BTCUSDT`. */
export const tradeTopic = (instrument: Instrument): string => `${TRADE_TOPIC}${instrument.venueSymbol}`

const units = (value: unknown, scale: number): number => {
  if (typeof value !== "string") return NaN
  const n = parseUnitsAt(value, 0, value.length, scale)
  return n >= 0 ? n : NaN
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0

class Malformed extends Error {}

/**
 * Decodes Bybit frames with `JSON.parse`. This is the reference: simple, complete, and
 * the oracle the scanner is tested against; the feed uses it for every frame the
 * scanner declines (replies, unusual layouts, anything invalid).
 */
export class BybitReferenceDecoder {
  private readonly instruments: ReadonlyArray<Instrument>

  /** `instruments` is read at each decode, so the owner may add to it later. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.instruments = instruments
  }

  /** Decodes one frame into `out`; the kind says which part of `out` holds the result. */
  decode(text: string, out: BybitFrame): FrameKind {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch (error) {
      out.error = `invalid JSON: ${(error as Error).message}`
      return FrameKind.Malformed
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      out.error = "not a JSON object"
      return FrameKind.Malformed
    }
    try {
      return this.decodeObject(msg as Record<string, unknown>, out)
    } catch (error) {
      if (!(error instanceof Malformed)) throw error
      out.error = error.message
      return FrameKind.Malformed
    }
  }

  private decodeObject(msg: Record<string, unknown>, out: BybitFrame): FrameKind {
    const topic = msg["topic"]
    if (typeof topic === "string") {
      if (topic.startsWith(BOOK_TOPIC)) return this.book(msg, topic, out.book)
      if (topic.startsWith(TRADE_TOPIC)) return this.trades(msg, topic, out.trades)
      return FrameKind.Other
    }
    const op = msg["op"]
    if (typeof op === "string") {
      const reply = out.reply
      reply.op = op
      reply.success = msg["success"] === true
      reply.message = typeof msg["ret_msg"] === "string" ? msg["ret_msg"] : ""
      const reqId = msg["req_id"]
      reply.reqId = typeof reqId === "string" || typeof reqId === "number" ? String(reqId) : ""
      return FrameKind.Reply
    }
    return FrameKind.Other
  }

  private instrument(venueSymbol: string): Instrument | undefined {
    return this.instruments.find((i) => i.venueSymbol === venueSymbol)
  }

  private book(msg: Record<string, unknown>, topic: string, book: BookMessage): FrameKind {
    const rest = topic.slice(BOOK_TOPIC.length)
    const dot = rest.indexOf(".")
    if (!/^\d{1,6}$/.test(rest.slice(0, Math.max(0, dot)))) return FrameKind.Other
    const instrument = this.instrument(rest.slice(dot + 1))
    if (instrument === undefined) return FrameKind.Other
    const type = msg["type"]
    if (type !== "snapshot" && type !== "delta") throw new Malformed(`${topic}: type is neither snapshot nor delta`)
    const data = msg["data"] as Record<string, unknown> | undefined
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Malformed(`${topic}: data is not an object`)
    if (!isCount(data["u"])) throw new Malformed(`${topic}: u is not a non-negative integer`)
    book.instrument = instrument
    book.depth = Number(rest.slice(0, dot))
    book.snapshot = type === "snapshot"
    book.updateId = data["u"]
    levelsInto(data["b"], instrument, book.bids, topic)
    levelsInto(data["a"], instrument, book.asks, topic)
    return FrameKind.Book
  }

  private trades(msg: Record<string, unknown>, topic: string, batch: TradeBatch): FrameKind {
    const instrument = this.instrument(topic.slice(TRADE_TOPIC.length))
    if (instrument === undefined) return FrameKind.Other
    const data = msg["data"]
    if (!Array.isArray(data)) throw new Malformed(`${topic}: data is not an array`)
    batch.instrument = instrument
    batch.count = 0
    for (const raw of data as ReadonlyArray<unknown>) {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Malformed(`${topic}: trade is not an object`)
      const t = raw as Record<string, unknown>
      const price = units(t["p"], instrument.priceScale)
      const size = units(t["v"], instrument.sizeScale)
      const side = t["S"]
      if (Number.isNaN(price) || Number.isNaN(size)) throw new Malformed(`${topic}: trade p or v is not a decimal at the instrument's scale`)
      if (side !== "Buy" && side !== "Sell") throw new Malformed(`${topic}: trade S is neither Buy nor Sell`)
      if (!isCount(t["T"]) || typeof t["i"] !== "string") throw new Malformed(`${topic}: trade lacks T or i`)
      batch.push(price, size, side === "Buy" ? BID : ASK, t["T"], t["i"])
    }
    return FrameKind.Trades
  }
}

const levelsInto = (raw: unknown, instrument: Instrument, out: LevelList, topic: string): void => {
  if (!Array.isArray(raw)) throw new Malformed(`${topic}: b or a is not an array`)
  out.count = 0
  for (const level of raw as ReadonlyArray<unknown>) {
    if (!Array.isArray(level) || level.length < 2) throw new Malformed(`${topic}: level is not [price, size]`)
    const price = units(level[0], instrument.priceScale)
    const size = units(level[1], instrument.sizeScale)
    if (Number.isNaN(price) || Number.isNaN(size)) throw new Malformed(`${topic}: level is not decimal text at the instrument's scale`)
    out.push(price, size)
  }
}

const pairs = (instrument: Instrument, levels: ReadonlyArray<Level>): string =>
  levels.map(([p, s]) => `["${formatUnitsTrimmed(p, instrument.priceScale)}","${formatUnitsTrimmed(s, instrument.sizeScale)}"]`).join(",")

/** Encodes an order-book message exactly as Bybit spot sends it (bids best first, asks best first). */
export const encodeBookMessage = (
  instrument: Instrument,
  depth: number,
  snapshot: boolean,
  updateId: number,
  crossSeq: number,
  tsMs: number,
  bids: ReadonlyArray<Level>,
  asks: ReadonlyArray<Level>
): string =>
  `{"topic":"${bookTopic(instrument, depth)}","ts":${tsMs},"type":"${snapshot ? "snapshot" : "delta"}","data":{"s":"${instrument.venueSymbol}","b":[${pairs(instrument, bids)}],"a":[${pairs(instrument, asks)}],"u":${updateId},"seq":${crossSeq}},"cts":${tsMs}}`

/** Bybit spot trade ids are numeric text beyond 2^53; the simulator offsets its ids into that range. */
const TRADE_ID_BASE = 2_290_000_000_000_000_000n

/** The trade id text the simulator sends for its trade number `id`. */
const simulatedTradeId = (id: number): string => String(TRADE_ID_BASE + BigInt(id))

/** Encodes a `publicTrade` message exactly as Bybit spot sends it. */
export const encodeTrades = (instrument: Instrument, trades: ReadonlyArray<SimTrade>, crossSeq: number, tsMs: number): string =>
  `{"topic":"${tradeTopic(instrument)}","ts":${tsMs},"type":"snapshot","data":[${trades
    .map(
      (t) =>
        `{"i":"${simulatedTradeId(t.id)}","T":${Math.floor(t.tsUs / 1000)},"p":"${formatUnitsTrimmed(t.price, instrument.priceScale)}","v":"${formatUnitsTrimmed(t.size, instrument.sizeScale)}","S":"${t.takerSide === BID ? "Buy" : "Sell"}","seq":${crossSeq},"s":"${instrument.venueSymbol}","BT":false,"RPI":false}`
    )
    .join(",")}]}`

/** Encodes an `op` reply (subscribe/unsubscribe acks, spot pongs with `op: "ping"`). */
export const encodeReply = (op: string, success: boolean, message: string, connId: string, reqId: string): string =>
  JSON.stringify({ success, ret_msg: message, conn_id: connId, req_id: reqId, op })
