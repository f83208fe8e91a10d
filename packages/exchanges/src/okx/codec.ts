/**
 * OKX v5 public wire codec: the reusable structures frames decode into (integer units,
 * raw level text kept by offset for the checksum), the reference decoder built on
 * `JSON.parse` that the fast scanner is held equal to, the REST book snapshot decoder,
 * and the encoders the simulator uses.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, formatUnitsTrimmed, parseUnitsAt } from "@hft/core"
import type { LevelChange, SimTrade } from "../simulator/simulator-server.ts"

/** What a frame turned out to be. */
export const OkxFrameKind = {
  /** Valid but not acted on (another channel, an instrument we do not follow). */
  Other: 0,
  /** A `books` push; see {@link OkxFrame.book}. */
  Book: 1,
  /** A `trades` push; see {@link OkxFrame.trades}. */
  Trade: 2,
  /** A `subscribe`/`unsubscribe` acknowledgement; see {@link OkxFrame.event}. */
  Ack: 3,
  /** An `error` event; see {@link OkxFrame.error}. */
  Error: 4,
  /** A `notice` event (e.g. 64008: the connection will be closed for an upgrade). */
  Notice: 5,
  /** The text `pong` answering our `ping`. */
  Pong: 6,
  /** Not decodable; see {@link OkxFrame.error}. */
  Malformed: -1
} as const
/** An {@link OkxFrameKind} value. */
export type OkxFrameKind = (typeof OkxFrameKind)[keyof typeof OkxFrameKind]

/** Depth of the `books` channel: snapshots carry this many levels per side, and the feed keeps no more. */
export const OKX_BOOK_DEPTH = 400

const INITIAL_LEVELS = 64

/**
 * One `books` message (snapshot or update) in integer units, reused from frame to frame.
 * Level text is kept as offsets into {@link BookMessage.source} so the checksum can use
 * the strings exactly as received without allocating them unless it is needed.
 */
export class BookMessage {
  /** Instrument of the message. */
  instrument: Instrument | undefined = undefined
  /** `action: "snapshot"` (true) or `"update"`. */
  snapshot = false
  /** `seqId`. */
  seqId = 0
  /** `prevSeqId` (−1 on snapshots). */
  prevSeqId = 0
  /** `checksum` (0 = none: OKX deprecated it). */
  checksum = 0
  /** `ts`, ms. */
  tsMs = 0
  /** Levels per side. */
  readonly count: [number, number] = [0, 0]
  /** Prices per side (price units), in wire order. */
  prices: [Float64Array, Float64Array] = [new Float64Array(INITIAL_LEVELS), new Float64Array(INITIAL_LEVELS)]
  /** Sizes per side (size units); 0 deletes. */
  sizes: [Float64Array, Float64Array] = [new Float64Array(INITIAL_LEVELS), new Float64Array(INITIAL_LEVELS)]
  /** Per side, 4 offsets per level into {@link source}: price start, price end, size start, size end. */
  spans: [Int32Array, Int32Array] = [new Int32Array(INITIAL_LEVELS * 4), new Int32Array(INITIAL_LEVELS * 4)]
  /** Text the spans point into (the frame itself for the scanner). */
  source = ""

  /** Makes room for `n` levels on `side` (keeping the ones already written). */
  reserve(side: Side, n: number): void {
    if (n <= this.prices[side].length) return
    let size = this.prices[side].length
    while (size < n) size *= 2
    const prices = new Float64Array(size)
    const sizes = new Float64Array(size)
    const spans = new Int32Array(size * 4)
    prices.set(this.prices[side])
    sizes.set(this.sizes[side])
    spans.set(this.spans[side])
    this.prices[side] = prices
    this.sizes[side] = sizes
    this.spans[side] = spans
  }

  /** The price text of level `i` of `side`, as received. */
  priceText(side: Side, i: number): string {
    const s = this.spans[side]
    return this.source.slice(s[i * 4]!, s[i * 4 + 1]!)
  }

  /** The size text of level `i` of `side`, as received. */
  sizeText(side: Side, i: number): string {
    const s = this.spans[side]
    return this.source.slice(s[i * 4 + 2]!, s[i * 4 + 3]!)
  }

  /** A detached copy, for buffering while a REST snapshot is awaited. */
  copy(): BookMessage {
    const c = new BookMessage()
    c.instrument = this.instrument
    c.snapshot = this.snapshot
    c.seqId = this.seqId
    c.prevSeqId = this.prevSeqId
    c.checksum = this.checksum
    c.tsMs = this.tsMs
    c.source = this.source
    for (const side of [BID, ASK] as const) {
      const n = this.count[side]
      c.count[side] = n
      c.reserve(side, n)
      c.prices[side].set(this.prices[side].subarray(0, n))
      c.sizes[side].set(this.sizes[side].subarray(0, n))
      c.spans[side].set(this.spans[side].subarray(0, n * 4))
    }
    return c
  }
}

/** The trades of one `trades` push, reused from frame to frame. */
export class TradeBatch {
  /** Instrument traded. */
  instrument: Instrument | undefined = undefined
  /** Number of trades. */
  count = 0
  /** Prices (price units). */
  prices = new Float64Array(16)
  /** Sizes (size units). */
  sizes = new Float64Array(16)
  /** Taker sides (`side` is the taker's on OKX). */
  sides = new Uint8Array(16)
  /** Trade times, ms. */
  times = new Float64Array(16)
  /** Trade ids as text. */
  readonly ids: Array<string> = []

  /** Makes room for `n` trades. */
  reserve(n: number): void {
    if (n <= this.prices.length) return
    let size = this.prices.length
    while (size < n) size *= 2
    this.prices = new Float64Array(size)
    this.sizes = new Float64Array(size)
    this.sides = new Uint8Array(size)
    this.times = new Float64Array(size)
  }
}

/** Everything a decoder produces; one instance is reused for every frame. */
export class OkxFrame {
  /** The last `books` message. */
  readonly book = new BookMessage()
  /** The last `trades` push. */
  readonly trades = new TradeBatch()
  /** Event name of the last ack (`subscribe` / `unsubscribe`). */
  event = ""
  /** Channel named by the last ack. */
  eventChannel = ""
  /** instId named by the last ack. */
  eventInstId = ""
  /** Text of the last error, notice or malformed frame. */
  error = ""
  /** Code of the last error or notice event. */
  errorCode = ""
}

/**
 * Looks up a followed instrument by the instId in `text[start, end)` (a range, so the
 * scanner can resolve without allocating the string).
 */
export type OkxResolver = (text: string, start: number, end: number) => Instrument | undefined

/** Decodes one frame into an {@link OkxFrame}. */
export interface OkxDecoder {
  /** The output, overwritten by each call. */
  readonly out: OkxFrame
  /** Decodes `text`; the kind says which part of {@link out} holds the result. */
  decode(text: string): OkxFrameKind
}

const isLevel = (level: unknown): level is [string, string, ...Array<unknown>] =>
  Array.isArray(level) && level.length >= 2 && typeof level[0] === "string" && typeof level[1] === "string"

/**
 * Fills one side of `book` from decoded `[px, sz, …]` levels; the texts are appended to
 * `book.source` so the spans stay valid. Returns false when a level is not decimal text
 * at the instrument's scales.
 */
const levelsInto = (book: BookMessage, side: Side, levels: ReadonlyArray<unknown>, instrument: Instrument): boolean => {
  book.reserve(side, levels.length)
  const prices = book.prices[side]
  const sizes = book.sizes[side]
  const spans = book.spans[side]
  let source = book.source
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]
    if (!isLevel(level)) return false
    const [px, sz] = level
    const p = source.length
    source += px + sz
    const price = parseUnitsAt(source, p, p + px.length, instrument.priceScale)
    const size = parseUnitsAt(source, p + px.length, source.length, instrument.sizeScale)
    if (Number.isNaN(price) || Number.isNaN(size) || size < 0) return false
    prices[i] = price
    sizes[i] = size
    spans[i * 4] = p
    spans[i * 4 + 1] = p + px.length
    spans[i * 4 + 2] = p + px.length
    spans[i * 4 + 3] = source.length
  }
  book.source = source
  book.count[side] = levels.length
  return true
}

const integer = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : undefined

/**
 * The reference decoder, built on `JSON.parse` (OKX sends prices and sizes as strings and
 * its sequence ids are far below 2^53). Slow but obviously right: the scanner defers to it
 * for anything unusual and is held equal to it by differential tests.
 */
export class OkxReferenceDecoder implements OkxDecoder {
  readonly out: OkxFrame
  private readonly resolve: OkxResolver

  constructor(resolve: OkxResolver, out: OkxFrame = new OkxFrame()) {
    this.resolve = resolve
    this.out = out
  }

  decode(text: string): OkxFrameKind {
    if (text === "pong") return OkxFrameKind.Pong
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch (error) {
      return this.malformed(`invalid JSON: ${(error as Error).message}`)
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.malformed("not a JSON object")
    return this.decodeObject(msg as Record<string, unknown>)
  }

  private decodeObject(msg: Record<string, unknown>): OkxFrameKind {
    const out = this.out
    const event = msg["event"]
    if (typeof event === "string") {
      if (event === "error" || event === "notice") {
        out.errorCode = String(msg["code"] ?? "")
        out.error = `${event} ${out.errorCode}: ${String(msg["msg"] ?? "")}`
        return event === "error" ? OkxFrameKind.Error : OkxFrameKind.Notice
      }
      const arg = msg["arg"] as Record<string, unknown> | undefined
      out.event = event
      out.eventChannel = typeof arg?.["channel"] === "string" ? arg["channel"] : ""
      out.eventInstId = typeof arg?.["instId"] === "string" ? arg["instId"] : ""
      return OkxFrameKind.Ack
    }
    const arg = msg["arg"]
    const data = msg["data"]
    if (typeof arg !== "object" || arg === null || !Array.isArray(data)) return OkxFrameKind.Other
    const channel = (arg as Record<string, unknown>)["channel"]
    const instId = (arg as Record<string, unknown>)["instId"]
    if (channel !== "books" && channel !== "trades") return OkxFrameKind.Other
    if (typeof instId !== "string") return this.malformed(`${channel} push without instId`)
    const instrument = this.resolve(instId, 0, instId.length)
    if (instrument === undefined) return OkxFrameKind.Other
    return channel === "books" ? this.decodeBook(msg, data, instrument) : this.decodeTrades(data, instrument)
  }

  private decodeBook(msg: Record<string, unknown>, data: ReadonlyArray<unknown>, instrument: Instrument): OkxFrameKind {
    const action = msg["action"]
    if (action !== "snapshot" && action !== "update") return this.malformed("books push without action snapshot/update")
    if (data.length !== 1 || typeof data[0] !== "object" || data[0] === null) return this.malformed("books push without exactly one data entry")
    const d = data[0] as Record<string, unknown>
    const seqId = integer(d["seqId"])
    const prevSeqId = integer(d["prevSeqId"])
    const checksum = d["checksum"] === undefined ? 0 : integer(d["checksum"])
    const ts = d["ts"]
    if (seqId === undefined || prevSeqId === undefined || checksum === undefined) {
      return this.malformed("books data lacks integer seqId, prevSeqId or checksum")
    }
    if (!Array.isArray(d["bids"]) || !Array.isArray(d["asks"])) return this.malformed("books data lacks bids or asks")
    const book = this.out.book
    book.instrument = instrument
    book.snapshot = action === "snapshot"
    book.seqId = seqId
    book.prevSeqId = prevSeqId
    book.checksum = checksum
    book.tsMs = typeof ts === "string" ? Number(ts) : 0
    book.source = ""
    if (!levelsInto(book, BID, d["bids"], instrument) || !levelsInto(book, ASK, d["asks"], instrument)) {
      return this.malformed("books level is not [price, size, …] decimal text at the instrument's scales")
    }
    return OkxFrameKind.Book
  }

  private decodeTrades(data: ReadonlyArray<unknown>, instrument: Instrument): OkxFrameKind {
    const t = this.out.trades
    t.instrument = instrument
    t.reserve(data.length)
    t.ids.length = data.length
    for (let i = 0; i < data.length; i++) {
      const d = data[i] as Record<string, unknown> | null
      const px = d?.["px"]
      const sz = d?.["sz"]
      const side = d?.["side"]
      const id = d?.["tradeId"]
      if (typeof px !== "string" || typeof sz !== "string" || (side !== "buy" && side !== "sell") || typeof id !== "string") {
        return this.malformed("trade lacks px, sz, side or tradeId")
      }
      const price = parseUnitsAt(px, 0, px.length, instrument.priceScale)
      const size = parseUnitsAt(sz, 0, sz.length, instrument.sizeScale)
      if (Number.isNaN(price) || Number.isNaN(size)) return this.malformed("trade px/sz is not decimal text at the instrument's scales")
      t.prices[i] = price
      t.sizes[i] = size
      t.sides[i] = side === "buy" ? BID : ASK
      t.times[i] = typeof d?.["ts"] === "string" ? Number(d["ts"]) : 0
      t.ids[i] = id
    }
    t.count = data.length
    return OkxFrameKind.Trade
  }

  private malformed(reason: string): OkxFrameKind {
    this.out.error = reason
    return OkxFrameKind.Malformed
  }
}

/** A REST book snapshot (`GET /api/v5/market/books`) decoded into a {@link BookMessage}. */
export const decodeRestBook = (body: string, instrument: Instrument): BookMessage => {
  const msg = JSON.parse(body) as { code?: unknown; msg?: unknown; data?: unknown }
  if (msg.code !== "0") throw new Error(`books error ${String(msg.code)}: ${String(msg.msg)}`)
  const d = (Array.isArray(msg.data) ? msg.data[0] : undefined) as Record<string, unknown> | undefined
  if (d === undefined || !Array.isArray(d["bids"]) || !Array.isArray(d["asks"])) throw new Error("books body lacks data[0].bids/asks")
  // seqId is documented as an integer; accept its text form too.
  const seqId = integer(typeof d["seqId"] === "string" ? Number(d["seqId"]) : d["seqId"])
  if (seqId === undefined) throw new Error("books body lacks an integer seqId (source=0 snapshots carry one)")
  const book = new BookMessage()
  book.instrument = instrument
  book.snapshot = true
  book.seqId = seqId
  book.prevSeqId = -1
  book.tsMs = typeof d["ts"] === "string" ? Number(d["ts"]) : 0
  if (!levelsInto(book, BID, d["bids"], instrument) || !levelsInto(book, ASK, d["asks"], instrument)) {
    throw new Error("books level is not [price, size, …] decimal text at the instrument's scales")
  }
  return book
}

/** Renders a price as OKX does: plain decimal, trailing zeros trimmed ("64040.2", "8477"). */
export const okxPrice = (instrument: Instrument, units: number): string => formatUnitsTrimmed(units, instrument.priceScale)

/** Renders a size as OKX does ("0.00240857", "415"). */
export const okxSize = (instrument: Instrument, units: number): string => formatUnitsTrimmed(units, instrument.sizeScale)

const level = (instrument: Instrument, price: number, size: number): string =>
  `["${okxPrice(instrument, price)}","${okxSize(instrument, size)}","0","${size === 0 ? 0 : 1}"]`

/** The fields of one `books` push besides its levels. */
export interface BookHeader {
  /** Snapshot or update. */
  readonly action: "snapshot" | "update"
  /** Sequence id of this message. */
  readonly seqId: number
  /** Sequence id of the previous message (−1 on snapshots). */
  readonly prevSeqId: number
  /** Checksum to send (0 = none). */
  readonly checksum: number
  /** Book time, ms. */
  readonly tsMs: number
}

/** Encodes a `books` push exactly as OKX sends it; bids best first, asks best first. */
export const encodeBook = (
  instrument: Instrument,
  header: BookHeader,
  bids: ReadonlyArray<readonly [number, number]>,
  asks: ReadonlyArray<readonly [number, number]>
): string =>
  `{"arg":{"channel":"books","instId":"${instrument.venueSymbol}"},"action":"${header.action}","data":[{"asks":[${asks
    .map(([p, s]) => level(instrument, p, s))
    .join(",")}],"bids":[${bids.map(([p, s]) => level(instrument, p, s)).join(",")}],"ts":"${header.tsMs}","checksum":${
    header.checksum
  },"prevSeqId":${header.prevSeqId},"seqId":${header.seqId}}]}`

/** Splits a batch of level changes into bids (best first) and asks (best first), as OKX orders them. */
export const sortedChanges = (
  changes: ReadonlyArray<LevelChange>
): { bids: Array<readonly [number, number]>; asks: Array<readonly [number, number]> } => {
  const bids: Array<readonly [number, number]> = []
  const asks: Array<readonly [number, number]> = []
  for (const c of changes) (c.side === BID ? bids : asks).push([c.price, c.size])
  bids.sort((a, b) => b[0] - a[0])
  asks.sort((a, b) => a[0] - b[0])
  return { bids, asks }
}

/** Encodes a REST `GET /api/v5/market/books` body. */
export const encodeRestBook = (
  instrument: Instrument,
  seqId: number,
  tsMs: number,
  bids: ReadonlyArray<readonly [number, number]>,
  asks: ReadonlyArray<readonly [number, number]>
): string =>
  `{"code":"0","msg":"","data":[{"asks":[${asks.map(([p, s]) => level(instrument, p, s)).join(",")}],"bids":[${bids
    .map(([p, s]) => level(instrument, p, s))
    .join(",")}],"ts":"${tsMs}","seqId":${seqId}}]}`

/** Encodes a `trades` push exactly as OKX sends it. */
export const encodeTrade = (trade: SimTrade, seqId: number): string => {
  const i = trade.instrument
  return `{"arg":{"channel":"trades","instId":"${i.venueSymbol}"},"data":[{"instId":"${i.venueSymbol}","tradeId":"${trade.id}","px":"${okxPrice(
    i,
    trade.price
  )}","sz":"${okxSize(i, trade.size)}","side":"${trade.takerSide === BID ? "buy" : "sell"}","ts":"${Math.floor(
    trade.tsUs / 1000
  )}","count":"1","source":"0","seqId":${seqId}}]}`
}
