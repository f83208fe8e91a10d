/**
 * Binance spot wire codec: decoding of WebSocket frames (diff depth, trades, control
 * replies) into reusable structures of integer units, decoding of REST depth
 * snapshots, and the encoders the simulator uses.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, parseUnits } from "@hft/core"
import type { LevelChange, SimTrade } from "../simulator/simulator-server.ts"
import { binanceDecimal } from "./instruments.ts"

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON we do not act on, or an instrument we do not follow. */
  Other: 0,
  /** A `depthUpdate`; see {@link BinanceDecoder.depth}. */
  Depth: 1,
  /** A `trade`; see {@link BinanceDecoder.trade}. */
  Trade: 2,
  /** A reply to a request: `{"result":…,"id":…}`. */
  Result: 3,
  /** An error reply: `{"code":…,"msg":…}`. */
  Error: 4,
  /** A `serverShutdown` event: reconnect. */
  Shutdown: 5,
  /** Not decodable. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** A decoded diff-depth event, reused from frame to frame. */
export class DepthDiff {
  /** Instrument of the event. */
  instrument: Instrument | undefined = undefined
  /** First update id in the event (`U`). */
  firstId = 0
  /** Final update id in the event (`u`). */
  lastId = 0
  /** Event time (`E`), ms. */
  eventMs = 0
  /** Number of bid changes. */
  bidCount = 0
  /** Number of ask changes. */
  askCount = 0
  /** Bid prices (price units). */
  bidPrices = new Float64Array(64)
  /** Bid sizes (size units). */
  bidSizes = new Float64Array(64)
  /** Ask prices. */
  askPrices = new Float64Array(64)
  /** Ask sizes. */
  askSizes = new Float64Array(64)

  /** Makes room for `n` changes per side (contents are not kept). */
  reserve(n: number): void {
    while (this.bidPrices.length < n) this.grow()
  }

  /** Doubles the capacity of both sides, keeping their contents. */
  grow(): void {
    const size = this.bidPrices.length * 2
    const widen = (a: Float64Array) => {
      const b = new Float64Array(size)
      b.set(a)
      return b
    }
    this.bidPrices = widen(this.bidPrices)
    this.bidSizes = widen(this.bidSizes)
    this.askPrices = widen(this.askPrices)
    this.askSizes = widen(this.askSizes)
  }

  /** A detached copy, for buffering while a snapshot is awaited. */
  copy(): DepthDiff {
    const c = new DepthDiff()
    c.instrument = this.instrument
    c.firstId = this.firstId
    c.lastId = this.lastId
    c.eventMs = this.eventMs
    c.bidCount = this.bidCount
    c.askCount = this.askCount
    c.reserve(Math.max(this.bidCount, this.askCount))
    c.bidPrices.set(this.bidPrices.subarray(0, this.bidCount))
    c.bidSizes.set(this.bidSizes.subarray(0, this.bidCount))
    c.askPrices.set(this.askPrices.subarray(0, this.askCount))
    c.askSizes.set(this.askSizes.subarray(0, this.askCount))
    return c
  }
}

/** A decoded trade, reused from frame to frame. */
export class TradeFields {
  /** Instrument traded. */
  instrument: Instrument | undefined = undefined
  /** Price units. */
  price = 0
  /** Size units. */
  size = 0
  /** Taker side: `m` (buyer is maker) true → the taker sold. */
  takerSide: Side = BID
  /** Trade id as text. */
  id = ""
  /** Trade time (`T`), ms. */
  tradeMs = 0
}

type Resolver = (venueSymbol: string) => Instrument | undefined

const DEPTH_PREFIX = '{"e":"depthUpdate","E":'
const SYMBOL_KEY = ',"s":"'
const FIRST_ID_KEY = ',"U":'
const LAST_ID_KEY = ',"u":'
const BIDS_KEY = ',"b":['
const ASKS_KEY = ',"a":['
const TRADE_PREFIX = '{"e":"trade","E":'
const TRADE_ID_KEY = ',"t":'
const PRICE_KEY = ',"p":"'
const QTY_KEY = ',"q":"'
const TRADE_TIME_KEY = ',"T":'
const MAKER_KEY = ',"m":'
const CH_QUOTE = 34
const CH_COMMA = 44
const CH_LBRACKET = 91
const CH_RBRACKET = 93
const CH_RBRACE = 125

/** Where the last scan stopped (module state keeps the scanner allocation-free). */
let scanEnd = 0

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18]

/**
 * Scans a plain non-negative decimal that ends at a closing quote into units at `scale`
 * in one pass; sets {@link scanEnd} at the quote. Same acceptance as core's
 * `parseUnitsAt` for such text; NaN otherwise.
 */
const scanQuotedDecimal = (text: string, start: number, scale: number): number => {
  let i = start
  let value = 0
  let c = text.charCodeAt(i)
  while (c >= 48 && c <= 57) {
    value = value * 10 + (c - 48)
    c = text.charCodeAt(++i)
  }
  if (i === start) return NaN
  let frac = 0
  if (c === 46) {
    c = text.charCodeAt(++i)
    const fractionStart = i
    while (c >= 48 && c <= 57) {
      if (frac < scale) {
        value = value * 10 + (c - 48)
        frac++
      } else if (c !== 48) {
        return NaN
      }
      c = text.charCodeAt(++i)
    }
    if (i === fractionStart) return NaN
  }
  if (c !== CH_QUOTE) return NaN
  scanEnd = i
  value *= POW10[scale - frac]!
  return value > Number.MAX_SAFE_INTEGER ? NaN : value
}

/** Scans a non-negative integer at `start`; sets {@link scanEnd}; −1 when there is none or it exceeds 2^53. */
const scanInt = (text: string, start: number): number => {
  let i = start
  let value = 0
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) break
    value = value * 10 + (c - 48)
  }
  scanEnd = i
  // JSON forbids leading zeros; ids beyond 2^53 would not be exact.
  if (i === start || (i - start > 1 && text.charCodeAt(start) === 48) || value > Number.MAX_SAFE_INTEGER) return -1
  return value
}

const levelsInto = (
  levels: unknown,
  instrument: Instrument,
  prices: Float64Array,
  sizes: Float64Array
): number => {
  if (!Array.isArray(levels)) return -1
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as unknown
    if (!Array.isArray(level) || typeof level[0] !== "string" || typeof level[1] !== "string") return -1
    prices[i] = parseUnits(level[0], instrument.priceScale)
    sizes[i] = parseUnits(level[1], instrument.sizeScale)
  }
  return levels.length
}

/**
 * Decodes Binance frames. This is the reference decoder built on `JSON.parse`; the
 * differential tests hold any faster scanner equal to it.
 */
export class BinanceDecoder {
  /** Last depth event decoded. */
  readonly depth = new DepthDiff()
  /** Last trade decoded. */
  readonly trade = new TradeFields()
  /** Id of the last result or error reply. */
  replyId: unknown = undefined
  /** Message of the last error reply or malformed frame. */
  error = ""
  private readonly resolve: Resolver
  /** Venue symbols already resolved, matched in place by the scanner. */
  private readonly known: Array<string> = []

  constructor(resolve: Resolver) {
    this.resolve = resolve
  }

  /**
   * Decodes one frame; the kind says which field holds the result. Diff-depth frames in
   * Binance's own layout take the allocation-free scanner; anything else (other key
   * order, whitespace, other events, malformed text) goes to the reference decoder.
   */
  decode(text: string): FrameKind {
    if (this.scanDepthUpdate(text)) return FrameKind.Depth
    if (this.scanTrade(text)) return FrameKind.Trade
    return this.decodeReference(text)
  }

  /**
   * Scans `{"e":"trade","E":…,"s":"…","t":…,"p":"…","q":"…","T":…,"m":…,"M":…}` exactly
   * as Binance lays it out; false (nothing the reference decoder does not overwrite
   * changed) for anything else.
   */
  scanTrade(text: string): boolean {
    if (!text.startsWith(TRADE_PREFIX)) return false
    let i = TRADE_PREFIX.length
    if (scanInt(text, i) < 0) return false
    i = scanEnd
    if (!text.startsWith(SYMBOL_KEY, i)) return false
    i += SYMBOL_KEY.length
    const close = text.indexOf('"', i)
    if (close < 0) return false
    const instrument = this.resolveSlice(text, i, close)
    if (instrument === undefined) return false
    i = close + 1
    if (!text.startsWith(TRADE_ID_KEY, i)) return false
    const idStart = i + TRADE_ID_KEY.length
    if (scanInt(text, idStart) < 0) return false
    const idEnd = scanEnd
    if (!text.startsWith(PRICE_KEY, idEnd)) return false
    const price = scanQuotedDecimal(text, idEnd + PRICE_KEY.length, instrument.priceScale)
    i = scanEnd
    if (!(price >= 0) || !text.startsWith(QTY_KEY, i + 1)) return false
    const size = scanQuotedDecimal(text, i + 1 + QTY_KEY.length, instrument.sizeScale)
    i = scanEnd
    if (!(size >= 0) || !text.startsWith(TRADE_TIME_KEY, i + 1)) return false
    const tradeMs = scanInt(text, i + 1 + TRADE_TIME_KEY.length)
    i = scanEnd
    if (tradeMs < 0 || !text.startsWith(MAKER_KEY, i)) return false
    i += MAKER_KEY.length
    let buyerIsMaker: boolean
    if (text.startsWith("true", i)) {
      buyerIsMaker = true
      i += 4
    } else if (text.startsWith("false", i)) {
      buyerIsMaker = false
      i += 5
    } else return false
    if (text.startsWith(',"M":true}', i)) i += 10
    else if (text.startsWith(',"M":false}', i)) i += 11
    else return false
    if (i !== text.length) return false
    const t = this.trade
    t.instrument = instrument
    t.price = price
    t.size = size
    t.takerSide = buyerIsMaker ? ASK : BID
    t.id = text.slice(idStart, idEnd)
    t.tradeMs = tradeMs
    return true
  }

  /**
   * Scans `{"e":"depthUpdate","E":…,"s":"…","U":…,"u":…,"b":[["p","q"],…],"a":[…]}`
   * exactly as Binance lays it out. Returns false, having changed nothing that the
   * reference decoder does not overwrite, when the text is not in that layout.
   */
  scanDepthUpdate(text: string): boolean {
    if (!text.startsWith(DEPTH_PREFIX)) return false
    let i = DEPTH_PREFIX.length
    const eventMs = scanInt(text, i)
    i = scanEnd
    if (eventMs < 0 || !text.startsWith(SYMBOL_KEY, i)) return false
    i += SYMBOL_KEY.length
    const close = text.indexOf('"', i)
    if (close < 0) return false
    const instrument = this.resolveSlice(text, i, close)
    if (instrument === undefined) return false
    i = close + 1
    if (!text.startsWith(FIRST_ID_KEY, i)) return false
    const firstId = scanInt(text, i + FIRST_ID_KEY.length)
    i = scanEnd
    if (firstId < 0 || !text.startsWith(LAST_ID_KEY, i)) return false
    const lastId = scanInt(text, i + LAST_ID_KEY.length)
    i = scanEnd
    if (lastId < 0 || !text.startsWith(BIDS_KEY, i)) return false
    const d = this.depth
    const bidCount = this.scanLevels(text, i + BIDS_KEY.length, instrument, 0)
    if (bidCount < 0) return false
    i = scanEnd
    if (!text.startsWith(ASKS_KEY, i)) return false
    const askCount = this.scanLevels(text, i + ASKS_KEY.length, instrument, 1)
    if (askCount < 0) return false
    i = scanEnd
    if (i !== text.length - 1 || text.charCodeAt(i) !== CH_RBRACE) return false
    d.instrument = instrument
    d.firstId = firstId
    d.lastId = lastId
    d.eventMs = eventMs
    d.bidCount = bidCount
    d.askCount = askCount
    return true
  }

  /** Scans `["p","q"],…]` into one side of `depth`; returns the count (−1 if not in layout) and sets scanEnd past `]`. */
  private scanLevels(text: string, start: number, instrument: Instrument, side: 0 | 1): number {
    const d = this.depth
    let i = start
    let n = 0
    if (text.charCodeAt(i) === CH_RBRACKET) {
      scanEnd = i + 1
      return 0
    }
    while (true) {
      if (text.charCodeAt(i) !== CH_LBRACKET || text.charCodeAt(i + 1) !== CH_QUOTE) return -1
      const price = scanQuotedDecimal(text, i + 2, instrument.priceScale)
      i = scanEnd
      if (!(price >= 0) || text.charCodeAt(i + 1) !== CH_COMMA || text.charCodeAt(i + 2) !== CH_QUOTE) return -1
      const size = scanQuotedDecimal(text, i + 3, instrument.sizeScale)
      i = scanEnd
      if (!(size >= 0) || text.charCodeAt(i + 1) !== CH_RBRACKET) return -1
      if (n === d.bidPrices.length) d.grow()
      if (side === 0) {
        d.bidPrices[n] = price
        d.bidSizes[n] = size
      } else {
        d.askPrices[n] = price
        d.askSizes[n] = size
      }
      n++
      i += 2
      const c = text.charCodeAt(i)
      if (c === CH_RBRACKET) {
        scanEnd = i + 1
        return n
      }
      if (c !== CH_COMMA) return -1
      i++
    }
  }

  /** The followed instrument whose venue symbol is `text[start, end)`, without allocating. */
  private resolveSlice(text: string, start: number, end: number): Instrument | undefined {
    const known = this.known
    for (let k = 0; k < known.length; k++) {
      const candidate = known[k]!
      if (candidate.length === end - start && text.startsWith(candidate, start)) return this.resolve(candidate)
    }
    const symbol = text.slice(start, end)
    const instrument = this.resolve(symbol)
    if (instrument !== undefined) known.push(symbol)
    return instrument
  }

  /** The reference decoder: `JSON.parse` and field checks. */
  decodeReference(text: string): FrameKind {
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(text) as Record<string, unknown>
      if (typeof msg !== "object" || msg === null) return this.malformed("not a JSON object")
      if (typeof msg["stream"] === "string" && typeof msg["data"] === "object") msg = msg["data"] as Record<string, unknown>
    } catch (error) {
      return this.malformed(`invalid JSON: ${(error as Error).message}`)
    }
    try {
      return this.decodeObject(msg)
    } catch (error) {
      return this.malformed((error as Error).message)
    }
  }

  private decodeObject(msg: Record<string, unknown>): FrameKind {
    const e = msg["e"]
    if (e === "depthUpdate") {
      const instrument = typeof msg["s"] === "string" ? this.resolve(msg["s"]) : undefined
      if (instrument === undefined) return FrameKind.Other
      const U = msg["U"]
      const u = msg["u"]
      const b = msg["b"]
      const a = msg["a"]
      if (!Number.isSafeInteger(U) || !Number.isSafeInteger(u) || !Array.isArray(b) || !Array.isArray(a)) {
        return this.malformed("depthUpdate lacks U, u, b or a as exact integers and arrays")
      }
      const d = this.depth
      d.reserve(Math.max(b.length, a.length))
      d.instrument = instrument
      d.firstId = U as number
      d.lastId = u as number
      d.eventMs = typeof msg["E"] === "number" ? msg["E"] : 0
      d.bidCount = levelsInto(b, instrument, d.bidPrices, d.bidSizes)
      d.askCount = levelsInto(a, instrument, d.askPrices, d.askSizes)
      if (d.bidCount < 0 || d.askCount < 0) return this.malformed("depthUpdate level is not [price, qty] text")
      return FrameKind.Depth
    }
    if (e === "trade") {
      const instrument = typeof msg["s"] === "string" ? this.resolve(msg["s"]) : undefined
      if (instrument === undefined) return FrameKind.Other
      const p = msg["p"]
      const q = msg["q"]
      if (typeof p !== "string" || typeof q !== "string" || typeof msg["m"] !== "boolean") {
        return this.malformed("trade lacks p, q or m")
      }
      const t = this.trade
      t.instrument = instrument
      t.price = parseUnits(p, instrument.priceScale)
      t.size = parseUnits(q, instrument.sizeScale)
      t.takerSide = msg["m"] ? ASK : BID
      t.id = String(msg["t"])
      t.tradeMs = typeof msg["T"] === "number" ? msg["T"] : 0
      return FrameKind.Trade
    }
    if (e === "serverShutdown") return FrameKind.Shutdown
    if ("result" in msg && "id" in msg) {
      this.replyId = msg["id"]
      return FrameKind.Result
    }
    if ("code" in msg && "msg" in msg) {
      this.replyId = msg["id"]
      this.error = `code ${String(msg["code"])}: ${String(msg["msg"])}`
      return FrameKind.Error
    }
    return FrameKind.Other
  }

  private malformed(reason: string): FrameKind {
    this.error = reason
    return FrameKind.Malformed
  }
}

/** A REST depth snapshot in integer units. */
export interface DepthSnapshot {
  /** `lastUpdateId`. */
  readonly lastUpdateId: number
  /** Bids as [price, size] units, best first. */
  readonly bids: ReadonlyArray<readonly [number, number]>
  /** Asks as [price, size] units, best first. */
  readonly asks: ReadonlyArray<readonly [number, number]>
}

/** Decodes a `GET /api/v3/depth` body. Throws with a clear message when it is not one. */
export const decodeDepthSnapshot = (body: string, instrument: Instrument): DepthSnapshot => {
  const msg = JSON.parse(body) as { lastUpdateId?: unknown; bids?: unknown; asks?: unknown }
  if (typeof msg.lastUpdateId !== "number" || !Array.isArray(msg.bids) || !Array.isArray(msg.asks)) {
    throw new Error("depth snapshot lacks lastUpdateId, bids or asks")
  }
  const levels = (raw: ReadonlyArray<unknown>): Array<readonly [number, number]> =>
    raw.map((level) => {
      if (!Array.isArray(level) || typeof level[0] !== "string" || typeof level[1] !== "string") {
        throw new Error("depth snapshot level is not [price, qty] text")
      }
      return [parseUnits(level[0], instrument.priceScale), parseUnits(level[1], instrument.sizeScale)] as const
    })
  return { lastUpdateId: msg.lastUpdateId, bids: levels(msg.bids), asks: levels(msg.asks) }
}

const pair = (instrument: Instrument, price: number, size: number): string =>
  `["${binanceDecimal(price, instrument.priceScale)}","${binanceDecimal(size, instrument.sizeScale)}"]`

/** Encodes a diff-depth event exactly as Binance sends it. */
export const encodeDepthUpdate = (
  instrument: Instrument,
  firstId: number,
  lastId: number,
  eventMs: number,
  changes: ReadonlyArray<LevelChange>
): string => {
  const bids: Array<string> = []
  const asks: Array<string> = []
  for (const c of changes) (c.side === BID ? bids : asks).push(pair(instrument, c.price, c.size))
  return `{"e":"depthUpdate","E":${eventMs},"s":"${instrument.venueSymbol}","U":${firstId},"u":${lastId},"b":[${bids.join(",")}],"a":[${asks.join(",")}]}`
}

/** Encodes a trade event exactly as Binance sends it. */
export const encodeTrade = (trade: SimTrade): string => {
  const i = trade.instrument
  const ms = Math.floor(trade.tsUs / 1000)
  return `{"e":"trade","E":${ms},"s":"${i.venueSymbol}","t":${trade.id},"p":"${binanceDecimal(trade.price, i.priceScale)}","q":"${binanceDecimal(trade.size, i.sizeScale)}","T":${ms},"m":${trade.takerSide === ASK},"M":true}`
}

/** Encodes a `GET /api/v3/depth` body from levels (best first). */
export const encodeDepthSnapshot = (
  instrument: Instrument,
  lastUpdateId: number,
  bids: ReadonlyArray<readonly [number, number]>,
  asks: ReadonlyArray<readonly [number, number]>
): string =>
  `{"lastUpdateId":${lastUpdateId},"bids":[${bids.map(([p, s]) => pair(instrument, p, s)).join(",")}],"asks":[${asks.map(([p, s]) => pair(instrument, p, s)).join(",")}]}`
