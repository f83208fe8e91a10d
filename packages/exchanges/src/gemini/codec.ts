/**
 * Gemini market data v2 wire codec: decoding of `l2_updates`, `trade`, `heartbeat` and
 * error frames into one reusable structure of integer units, and the encoders the
 * simulator uses.
 *
 * Change frames (`{"type":"l2_updates","symbol":…,"changes":[[side,price,qty],…]}`) go
 * through a hand-written scanner; everything else — the initial frame with its `trades`
 * and `auction_events`, trades, heartbeats — through the reference decoder, which keeps
 * JSON numbers (trade ids, timestamps) as exact text. Differential tests hold the two equal.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, formatUnits, formatUnitsTrimmed, parseUnitsAt, pow10 } from "@hft/core"
import type { IdIndex } from "../id-index.ts"
import { Char, JsonCursor } from "../json-cursor.ts"
import { type RawJson, RawJsonError, RawNumber, parseRawJson } from "../json-raw.ts"
import type { LevelChange, SimTrade } from "../simulator/simulator-server.ts"

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON the feed does not act on (candles, auction events, a symbol it does not follow). */
  Other: 0,
  /** An `l2_updates` frame; see the `level*` fields and `initial` of {@link GeminiFrame}. */
  Level2: 1,
  /** A `trade` frame; see the `trade*` fields. */
  Trade: 2,
  /** A `heartbeat`. */
  Heartbeat: 3,
  /** An error (`{"result":"error","reason":…}`). */
  Error: 4,
  /** Not decodable; {@link GeminiFrame.error} says why. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** A decoded frame, reused from frame to frame. */
export class GeminiFrame {
  /** Index of the frame's symbol in the decoder's {@link IdIndex}. */
  symbol = -1
  /** True for the first `l2_updates` of a subscription: it carries `trades` and holds the whole book. */
  initial = false
  /** Number of level changes. */
  levelCount = 0
  /** Side of each change (0 = `buy` = bid, 1 = `sell` = ask). */
  levelSide = new Uint8Array(64)
  /** Price of each change, price units. */
  levelPrice = new Float64Array(64)
  /** New absolute quantity of each change, size units (0 = removed). */
  levelSize = new Float64Array(64)
  /** Trade price, price units. */
  tradePrice = 0
  /** Trade quantity, size units. */
  tradeSize = 0
  /** Taker side of the trade. */
  tradeSide: Side = BID
  /** Trade id as exact text (`tid`, else `event_id`). */
  tradeId = ""
  /** Trade time, ms since the epoch. */
  tradeMs = 0
  /** Why the frame is malformed, or the error of an error frame. */
  error = ""

  /** Appends a level change. */
  addLevel(side: Side, price: number, size: number): void {
    const n = this.levelCount
    if (n === this.levelPrice.length) {
      const side2 = new Uint8Array(n * 2)
      const price2 = new Float64Array(n * 2)
      const size2 = new Float64Array(n * 2)
      side2.set(this.levelSide)
      price2.set(this.levelPrice)
      size2.set(this.levelSize)
      this.levelSide = side2
      this.levelPrice = price2
      this.levelSize = size2
    }
    this.levelSide[n] = side
    this.levelPrice[n] = price
    this.levelSize[n] = size
    this.levelCount = n + 1
  }
}

type RawObject = { readonly [key: string]: RawJson }

const isObject = (value: RawJson | undefined): value is RawObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof RawNumber)

/** Exact text of a JSON number or string field; undefined when it is neither. */
const numberText = (value: RawJson | undefined): string | undefined =>
  value instanceof RawNumber ? value.text : typeof value === "string" ? value : undefined

/** Decodes Gemini v2 frames into {@link GeminiFrame}. */
export class GeminiDecoder {
  /** The last frame decoded. */
  readonly frame = new GeminiFrame()
  private readonly symbols: IdIndex
  private readonly s = new JsonCursor()

  constructor(symbols: IdIndex) {
    this.symbols = symbols
  }

  /** Decodes one frame: the scanner for change frames, the reference decoder for the rest. */
  decode(text: string): FrameKind {
    return this.scan(text) ? FrameKind.Level2 : this.decodeReference(text)
  }

  /** The reference decoder on {@link parseRawJson}: slower, exact, authoritative. */
  decodeReference(text: string): FrameKind {
    const f = this.frame
    f.levelCount = 0
    f.initial = false
    f.symbol = -1
    let msg: RawJson
    try {
      msg = parseRawJson(text)
    } catch (error) {
      return this.malformed(error instanceof RawJsonError ? error.message : String(error))
    }
    if (!isObject(msg)) return this.malformed("not a JSON object")
    if (msg["result"] === "error") {
      f.error = `${String(msg["reason"])}: ${String(msg["message"] ?? "")}`
      return FrameKind.Error
    }
    switch (msg["type"]) {
      case "l2_updates":
        return this.changes(msg)
      case "trade":
        return this.trade(msg)
      case "heartbeat":
        return FrameKind.Heartbeat
      default:
        return FrameKind.Other
    }
  }

  private changes(msg: RawObject): FrameKind {
    const f = this.frame
    const symbol = msg["symbol"]
    const changes = msg["changes"]
    if (typeof symbol !== "string" || !Array.isArray(changes)) return this.malformed("l2_updates lacks symbol or changes")
    f.symbol = this.symbols.indexOf(symbol)
    if (f.symbol < 0) return FrameKind.Other
    const instrument = this.symbols.instruments[f.symbol]!
    f.initial = Array.isArray(msg["trades"])
    for (const change of changes) {
      if (!Array.isArray(change) || change.length !== 3) return this.malformed("change is not [side, price, quantity]")
      const [side, price, qty] = change
      if ((side !== "buy" && side !== "sell") || typeof price !== "string" || typeof qty !== "string") {
        return this.malformed("change is not [buy|sell, price text, quantity text]")
      }
      const p = parseUnitsAt(price, 0, price.length, instrument.priceScale)
      const q = parseUnitsAt(qty, 0, qty.length, instrument.sizeScale)
      if (!(p > 0) || !(q >= 0)) return this.malformed(`change ${price} @ ${qty} is not a decimal at scales ${instrument.priceScale}/${instrument.sizeScale}`)
      f.addLevel(side === "buy" ? BID : ASK, p, q)
    }
    return FrameKind.Level2
  }

  private trade(msg: RawObject): FrameKind {
    const f = this.frame
    const symbol = msg["symbol"]
    if (typeof symbol !== "string") return this.malformed("trade lacks symbol")
    f.symbol = this.symbols.indexOf(symbol)
    if (f.symbol < 0) return FrameKind.Other
    const instrument = this.symbols.instruments[f.symbol]!
    const price = msg["price"]
    const qty = msg["quantity"]
    const side = msg["side"]
    const id = numberText(msg["tid"]) ?? numberText(msg["event_id"])
    const ms = msg["timestamp"]
    if (typeof price !== "string" || typeof qty !== "string" || (side !== "buy" && side !== "sell") || id === undefined || !(ms instanceof RawNumber)) {
      return this.malformed("trade lacks price, quantity, side buy|sell, tid/event_id or timestamp")
    }
    f.tradePrice = parseUnitsAt(price, 0, price.length, instrument.priceScale)
    f.tradeSize = parseUnitsAt(qty, 0, qty.length, instrument.sizeScale)
    if (Number.isNaN(f.tradePrice) || Number.isNaN(f.tradeSize)) return this.malformed(`trade ${price} @ ${qty} is not a decimal at the instrument's scales`)
    f.tradeSide = side === "buy" ? BID : ASK
    f.tradeId = id
    f.tradeMs = ms.toNumber()
    return FrameKind.Trade
  }

  private malformed(reason: string): FrameKind {
    this.frame.error = reason
    return FrameKind.Malformed
  }

  /**
   * The scanner alone: true when it decoded `text` as a change frame of a followed
   * symbol into {@link frame}; false when it leaves the frame to the reference decoder.
   */
  scan(text: string): boolean {
    const s = this.s
    const f = this.frame
    s.reset(text)
    f.levelCount = 0
    f.initial = false
    if (!s.literal('{"type":"l2_updates","symbol":') || !s.string()) return false
    f.symbol = this.symbols.indexAt(text, s.start, s.end)
    if (f.symbol < 0 || !s.literal(',"changes":[')) return false
    const instrument = this.symbols.instruments[f.symbol]!
    if (!s.literal("]")) {
      while (true) {
        if (!this.change(instrument)) return false
        const more = s.next(Char.RBRACKET)
        if (more === 0) break
        if (more < 0) return false
      }
    }
    return s.literal("}") && s.atEnd()
  }

  private change(instrument: Instrument): boolean {
    const s = this.s
    let side: Side
    if (s.literal('["buy",')) side = BID
    else if (s.literal('["sell",')) side = ASK
    else return false
    if (!s.string()) return false
    const priceStart = s.start
    const priceEnd = s.end
    if (!s.literal(",") || !s.string()) return false
    const sizeStart = s.start
    const sizeEnd = s.end
    if (!s.literal("]")) return false
    const price = parseUnitsAt(s.text, priceStart, priceEnd, instrument.priceScale)
    const size = parseUnitsAt(s.text, sizeStart, sizeEnd, instrument.sizeScale)
    // NaN fails both comparisons: the reference decoder reports it.
    if (!(price > 0) || !(size >= 0)) return false
    this.frame.addLevel(side, price, size)
    return true
  }
}

// ---- encoders: the exact wire format, for the simulator and the tests.

/** Renders size units with at least 8 decimals, as Gemini's trade quantities (`0.09110000`). */
const eightDecimals = (units: number, scale: number): string =>
  scale >= 8 ? formatUnits(units, scale) : formatUnits(BigInt(units) * pow10(8 - scale), 8)

const change = (instrument: Instrument, c: LevelChange): string =>
  `["${c.side === BID ? "buy" : "sell"}","${formatUnits(c.price, instrument.priceScale)}","${formatUnitsTrimmed(c.size, instrument.sizeScale)}"]`

/** Encodes a change frame as Gemini sends it. */
export const encodeChanges = (instrument: Instrument, changes: ReadonlyArray<LevelChange>): string =>
  `{"type":"l2_updates","symbol":"${instrument.venueSymbol}","changes":[${changes.map((c) => change(instrument, c)).join(",")}]}`

/** Gemini's trade ids (`tid`) are large numbers; the simulator offsets its small ids into that range. */
export const SIM_TID_BASE = 2_840_140_800_000_000

const tradeObject = (t: SimTrade): string => {
  const i = t.instrument
  return `{"type":"trade","symbol":"${i.venueSymbol}","event_id":${3_575_573_000 + t.id},"timestamp":${Math.floor(t.tsUs / 1000)},"price":"${eightDecimals(t.price, i.priceScale)}","quantity":"${eightDecimals(t.size, i.sizeScale)}","side":"${t.takerSide === BID ? "buy" : "sell"}","tid":${SIM_TID_BASE + t.id}}`
}

/** Encodes the first frame of an `l2` subscription: the whole book as changes, recent trades (newest first), no auction events. */
export const encodeInitial = (instrument: Instrument, book: ReadonlyArray<LevelChange>, recentTrades: ReadonlyArray<SimTrade>): string =>
  `{"type":"l2_updates","symbol":"${instrument.venueSymbol}","changes":[${book.map((c) => change(instrument, c)).join(",")}],"trades":[${recentTrades.map(tradeObject).join(",")}],"auction_events":[]}`

/** Encodes a trade frame as Gemini sends it. */
export const encodeTrade = (trade: SimTrade): string => tradeObject(trade)

/** Encodes a heartbeat (v2's heartbeat layout is not documented; modelled on v1's `type` + `timestamp`). */
export const encodeHeartbeat = (nowMs: number): string => `{"type":"heartbeat","timestamp":${nowMs}}`

/** Encodes an error reply. */
export const encodeError = (reason: string, message: string): string => JSON.stringify({ result: "error", reason, message })
