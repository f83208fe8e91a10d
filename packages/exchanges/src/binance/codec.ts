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

  /** Makes room for `n` changes per side. */
  reserve(n: number): void {
    if (n <= this.bidPrices.length) return
    let size = this.bidPrices.length
    while (size < n) size *= 2
    this.bidPrices = new Float64Array(size)
    this.bidSizes = new Float64Array(size)
    this.askPrices = new Float64Array(size)
    this.askSizes = new Float64Array(size)
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

  constructor(resolve: Resolver) {
    this.resolve = resolve
  }

  /** Decodes one frame; the kind says which field holds the result. */
  decode(text: string): FrameKind {
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
      if (typeof U !== "number" || typeof u !== "number" || !Array.isArray(b) || !Array.isArray(a)) {
        return this.malformed("depthUpdate lacks U, u, b or a")
      }
      const d = this.depth
      d.reserve(Math.max(b.length, a.length))
      d.instrument = instrument
      d.firstId = U
      d.lastId = u
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
