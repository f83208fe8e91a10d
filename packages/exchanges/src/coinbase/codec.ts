/**
 * Coinbase Advanced Trade wire codec: decoding of WebSocket frames (`l2_data`,
 * `market_trades`, `subscriptions`, `heartbeats`, errors) into one reusable structure of
 * integer units, and the encoders the simulator uses.
 *
 * `l2_data` frames go through a hand-written scanner for the layout Coinbase sends
 * (compact JSON, keys in the documented order, `client_id` optional). Anything the
 * scanner does not recognise is handed to the reference decoder built on `JSON.parse`,
 * which decides; differential tests hold the two equal.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, formatUnitsTrimmed, parseUnitsAt } from "@hft/core"
import type { SimTrade } from "../simulator/simulator-server.ts"
import type { IdIndex } from "../id-index.ts"
import { Char, JsonCursor } from "../json-cursor.ts"

/** What a frame turned out to be. */
export const FrameKind = {
  /** Valid JSON on a channel the feed does not act on. */
  Other: 0,
  /** An `l2_data` message; see the `event*` and `level*` fields of {@link CoinbaseFrame}. */
  Level2: 1,
  /** A `market_trades` message; see the `trade*` fields. */
  Trades: 2,
  /** A `subscriptions` acknowledgement. */
  Subscriptions: 3,
  /** A `heartbeats` message. */
  Heartbeat: 4,
  /** An error message (`{"type":"error","message":…}`). */
  Error: 5,
  /** Not decodable; {@link CoinbaseFrame.error} says why. */
  Malformed: -1
} as const
/** A {@link FrameKind} value. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** A decoded frame, reused from frame to frame. */
export class CoinbaseFrame {
  /** Envelope `sequence_num`, -1 when the frame has none. */
  sequence = -1
  /** Why the frame is malformed, or the error message of an error frame. */
  error = ""
  /** Number of `l2_data` events. */
  eventCount = 0
  /** Product index of each event, -1 for a product the decoder does not follow (its levels are skipped). */
  eventProduct = new Int32Array(8)
  /** 1 when the event is a `snapshot`, 0 for an `update`. */
  eventSnapshot = new Uint8Array(8)
  /** Index of each event's first level. */
  eventStart = new Int32Array(8)
  /** Index past each event's last level. */
  eventEnd = new Int32Array(8)
  /** Number of levels over all events. */
  levelCount = 0
  /** Side of each level (0 = bid, 1 = offer). */
  levelSide = new Uint8Array(64)
  /** Price of each level, price units. */
  levelPrice = new Float64Array(64)
  /** New absolute size of each level, size units (0 = removed). */
  levelSize = new Float64Array(64)
  /** Number of trades over all `market_trades` events. */
  tradeCount = 0
  /** Product index of each trade (trades of products not followed are dropped). */
  tradeProduct = new Int32Array(16)
  /** 1 when the trade came in a `snapshot` event (history), 0 in an `update`. */
  tradeSnapshot = new Uint8Array(16)
  /** Trade prices, price units. */
  tradePrice = new Float64Array(16)
  /** Trade sizes, size units. */
  tradeSize = new Float64Array(16)
  /**
   * Trade sides as sent (`BUY` = 0, `SELL` = 1). Read as the taker's side, as ccxt does;
   * Coinbase's docs do not say whose side it is.
   */
  tradeSide = new Uint8Array(16)
  /** Trade times, µs since the epoch (NaN when unparsable). */
  tradeUs = new Float64Array(16)
  /** Trade ids as text. */
  tradeId: Array<string> = []

  /** Clears the counters before a frame is decoded into it. */
  reset(): void {
    this.sequence = -1
    this.eventCount = 0
    this.levelCount = 0
    this.tradeCount = 0
  }

  /** Appends an event; its levels follow with {@link addLevel}. */
  beginEvent(product: number, snapshot: boolean): void {
    const n = this.eventCount
    if (n === this.eventProduct.length) {
      this.eventProduct = grow(this.eventProduct, new Int32Array(n * 2))
      this.eventSnapshot = grow(this.eventSnapshot, new Uint8Array(n * 2))
      this.eventStart = grow(this.eventStart, new Int32Array(n * 2))
      this.eventEnd = grow(this.eventEnd, new Int32Array(n * 2))
    }
    this.eventProduct[n] = product
    this.eventSnapshot[n] = snapshot ? 1 : 0
    this.eventStart[n] = this.levelCount
    this.eventEnd[n] = this.levelCount
    this.eventCount = n + 1
  }

  /** Appends a level to the current event. */
  addLevel(side: Side, price: number, size: number): void {
    const n = this.levelCount
    if (n === this.levelPrice.length) {
      this.levelSide = grow(this.levelSide, new Uint8Array(n * 2))
      this.levelPrice = grow(this.levelPrice, new Float64Array(n * 2))
      this.levelSize = grow(this.levelSize, new Float64Array(n * 2))
    }
    this.levelSide[n] = side
    this.levelPrice[n] = price
    this.levelSize[n] = size
    this.levelCount = n + 1
    this.eventEnd[this.eventCount - 1] = n + 1
  }

  /** Appends a trade. */
  addTrade(product: number, snapshot: boolean, price: number, size: number, side: Side, us: number, id: string): void {
    const n = this.tradeCount
    if (n === this.tradePrice.length) {
      this.tradeProduct = grow(this.tradeProduct, new Int32Array(n * 2))
      this.tradeSnapshot = grow(this.tradeSnapshot, new Uint8Array(n * 2))
      this.tradePrice = grow(this.tradePrice, new Float64Array(n * 2))
      this.tradeSize = grow(this.tradeSize, new Float64Array(n * 2))
      this.tradeSide = grow(this.tradeSide, new Uint8Array(n * 2))
      this.tradeUs = grow(this.tradeUs, new Float64Array(n * 2))
    }
    this.tradeProduct[n] = product
    this.tradeSnapshot[n] = snapshot ? 1 : 0
    this.tradePrice[n] = price
    this.tradeSize[n] = size
    this.tradeSide[n] = side
    this.tradeUs[n] = us
    this.tradeId[n] = id
    this.tradeCount = n + 1
  }
}

const grow = <T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T => {
  to.set(from)
  return to
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/

/** Parses an RFC 3339 timestamp (`2026-08-12T19:27:47.532655Z`, any fraction length) to µs since the epoch; NaN when it is not one. */
export const parseRfc3339Us = (text: string): number => {
  const m = RFC3339.exec(text)
  if (m === null) return NaN
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  const fraction = Number((m[7] ?? "").slice(0, 6).padEnd(6, "0"))
  const zone = m[8]!
  const offsetMin = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
  return (ms - offsetMin * 60_000) * 1000 + fraction
}

/** Decodes Coinbase frames into {@link CoinbaseFrame}. */
export class CoinbaseDecoder {
  /** The last frame decoded. */
  readonly frame = new CoinbaseFrame()
  private readonly products: IdIndex
  private readonly s = new JsonCursor()

  constructor(products: IdIndex) {
    this.products = products
  }

  /** Decodes one frame: the scanner for `l2_data`, the reference decoder for everything else. */
  decode(text: string): FrameKind {
    return this.scan(text) ? FrameKind.Level2 : this.decodeReference(text)
  }

  /** The reference decoder on `JSON.parse`: slower, authoritative. */
  decodeReference(text: string): FrameKind {
    const f = this.frame
    f.reset()
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      return this.malformed(`invalid JSON: ${(error as Error).message}`)
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.malformed("not a JSON object")
    if (msg["type"] === "error") {
      f.error = String(msg["message"] ?? msg["reason"] ?? "error")
      return FrameKind.Error
    }
    const seq = msg["sequence_num"]
    if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) f.sequence = seq
    else if (seq !== undefined) return this.malformed("sequence_num is not a non-negative integer")
    const channel = msg["channel"]
    const events = msg["events"]
    switch (channel) {
      case "l2_data":
        if (!Array.isArray(events)) return this.malformed("l2_data without events")
        for (const event of events) {
          const reason = this.level2Event(event)
          if (reason !== "") return this.malformed(reason)
        }
        return FrameKind.Level2
      case "market_trades":
        if (!Array.isArray(events)) return this.malformed("market_trades without events")
        for (const event of events) {
          const reason = this.tradesEvent(event)
          if (reason !== "") return this.malformed(reason)
        }
        return FrameKind.Trades
      case "subscriptions":
        return FrameKind.Subscriptions
      case "heartbeats":
        return FrameKind.Heartbeat
      default:
        return FrameKind.Other
    }
  }

  private level2Event(raw: unknown): string {
    const event = raw as { type?: unknown; product_id?: unknown; updates?: unknown } | null
    if (typeof event !== "object" || event === null) return "l2_data event is not an object"
    if ((event.type !== "snapshot" && event.type !== "update") || typeof event.product_id !== "string" || !Array.isArray(event.updates)) {
      return "l2_data event lacks type snapshot|update, product_id or updates"
    }
    const product = this.products.indexOf(event.product_id)
    const f = this.frame
    f.beginEvent(product, event.type === "snapshot")
    if (product < 0) return ""
    const instrument = this.products.instruments[product]!
    for (const u of event.updates as ReadonlyArray<{ side?: unknown; price_level?: unknown; new_quantity?: unknown } | null>) {
      if (typeof u !== "object" || u === null || (u.side !== "bid" && u.side !== "offer")) return "l2 update side is not bid|offer"
      if (typeof u.price_level !== "string" || typeof u.new_quantity !== "string") return "l2 update lacks price_level or new_quantity text"
      const price = parseUnitsAt(u.price_level, 0, u.price_level.length, instrument.priceScale)
      const size = parseUnitsAt(u.new_quantity, 0, u.new_quantity.length, instrument.sizeScale)
      if (Number.isNaN(price) || Number.isNaN(size) || price <= 0 || size < 0) {
        return `l2 level ${u.price_level} @ ${u.new_quantity} is not a decimal at scales ${instrument.priceScale}/${instrument.sizeScale}`
      }
      f.addLevel(u.side === "bid" ? BID : ASK, price, size)
    }
    return ""
  }

  private tradesEvent(raw: unknown): string {
    const event = raw as { type?: unknown; trades?: unknown } | null
    if (typeof event !== "object" || event === null || !Array.isArray(event.trades)) return "market_trades event lacks trades"
    const snapshot = event.type === "snapshot"
    for (const t of event.trades as ReadonlyArray<Record<string, unknown> | null>) {
      if (typeof t !== "object" || t === null || typeof t["product_id"] !== "string") return "trade lacks product_id"
      const product = this.products.indexOf(t["product_id"])
      if (product < 0) continue
      const instrument = this.products.instruments[product]!
      const p = t["price"]
      const s = t["size"]
      const side = t["side"]
      const id = t["trade_id"]
      if (typeof p !== "string" || typeof s !== "string" || (side !== "BUY" && side !== "SELL") || (typeof id !== "string" && !Number.isSafeInteger(id))) {
        return "trade lacks price, size, side BUY|SELL or an exact trade_id"
      }
      const price = parseUnitsAt(p, 0, p.length, instrument.priceScale)
      const size = parseUnitsAt(s, 0, s.length, instrument.sizeScale)
      if (Number.isNaN(price) || Number.isNaN(size)) return `trade ${p} @ ${s} is not a decimal at the instrument's scales`
      const us = typeof t["time"] === "string" ? parseRfc3339Us(t["time"]) : NaN
      this.frame.addTrade(product, snapshot, price, size, side === "BUY" ? BID : ASK, us, String(id))
    }
    return ""
  }

  private malformed(reason: string): FrameKind {
    this.frame.error = reason
    return FrameKind.Malformed
  }

  /**
   * The scanner alone: true when it decoded `text` as an `l2_data` frame into
   * {@link frame}; false when it leaves the frame to the reference decoder.
   */
  scan(text: string): boolean {
    const s = this.s
    s.reset(text)
    const f = this.frame
    f.reset()
    if (!s.literal('{"channel":"l2_data"')) return false
    if (s.literal(',"client_id":') && !s.string()) return false
    if (!s.literal(',"timestamp":') || !s.string()) return false
    if (!s.literal(',"sequence_num":')) return false
    const seq = s.uint()
    if (seq < 0) return false
    f.sequence = seq
    if (!s.literal(',"events":[')) return false
    if (!s.literal("]")) {
      while (true) {
        if (!this.event()) return false
        const more = s.next(Char.RBRACKET)
        if (more === 0) break
        if (more < 0) return false
      }
    }
    return s.literal("}") && s.atEnd()
  }

  private event(): boolean {
    const s = this.s
    let snapshot: boolean
    if (!s.literal('{"type":"')) return false
    if (s.literal('update","product_id":')) snapshot = false
    else if (s.literal('snapshot","product_id":')) snapshot = true
    else return false
    if (!s.string()) return false
    const product = this.products.indexAt(s.text, s.start, s.end)
    this.frame.beginEvent(product, snapshot)
    if (!s.literal(',"updates":[')) return false
    if (!s.literal("]")) {
      const instrument = product < 0 ? undefined : this.products.instruments[product]!
      while (true) {
        if (!this.level(instrument)) return false
        const more = s.next(Char.RBRACKET)
        if (more === 0) break
        if (more < 0) return false
      }
    }
    return s.literal("}")
  }

  private level(instrument: Instrument | undefined): boolean {
    const s = this.s
    let side: Side
    if (!s.literal('{"side":"')) return false
    if (s.literal('bid","event_time":')) side = BID
    else if (s.literal('offer","event_time":')) side = ASK
    else return false
    if (!s.string() || !s.literal(',"price_level":') || !s.string()) return false
    const priceStart = s.start
    const priceEnd = s.end
    if (!s.literal(',"new_quantity":') || !s.string()) return false
    const sizeStart = s.start
    const sizeEnd = s.end
    if (!s.literal("}")) return false
    if (instrument === undefined) return true
    const price = parseUnitsAt(s.text, priceStart, priceEnd, instrument.priceScale)
    const size = parseUnitsAt(s.text, sizeStart, sizeEnd, instrument.sizeScale)
    // NaN fails both comparisons: the reference decoder reports it.
    if (!(price > 0) || !(size >= 0)) return false
    this.frame.addLevel(side, price, size)
    return true
  }
}

// ---- encoders: the exact wire format, for the simulator and the tests.

/** RFC 3339 UTC text of `us` with `digits` fractional digits (Coinbase: 9 on envelopes, 6 on trades). */
export const rfc3339 = (us: number, digits: 6 | 9): string => {
  const whole = Math.floor(us / 1_000_000)
  const micros = String(us - whole * 1_000_000).padStart(6, "0")
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${digits === 9 ? `${micros}000` : micros}Z`
}

/** A book level to encode. */
export interface EncodedLevel {
  /** 0 = bid, 1 = offer. */
  readonly side: Side
  /** Price units. */
  readonly price: number
  /** Size units (0 = removed). */
  readonly size: number
}

/** Encodes an `l2_data` message with one event, as Coinbase sends it (2026 layout: no `client_id`). */
export const encodeLevel2 = (
  productId: string,
  instrument: Instrument,
  sequence: number,
  nowUs: number,
  snapshot: boolean,
  levels: ReadonlyArray<EncodedLevel>
): string => {
  const time = snapshot ? "1970-01-01T00:00:00Z" : rfc3339(nowUs, 9)
  const updates = levels.map(
    (l) =>
      `{"side":"${l.side === BID ? "bid" : "offer"}","event_time":"${time}","price_level":"${formatUnitsTrimmed(l.price, instrument.priceScale)}","new_quantity":"${formatUnitsTrimmed(l.size, instrument.sizeScale)}"}`
  )
  return `{"channel":"l2_data","timestamp":"${rfc3339(nowUs, 9)}","sequence_num":${sequence},"events":[{"type":"${snapshot ? "snapshot" : "update"}","product_id":"${productId}","updates":[${updates.join(",")}]}]}`
}

/** Encodes a `market_trades` message; `trades` newest first, as Coinbase orders them. */
export const encodeTrades = (productId: string, sequence: number, nowUs: number, snapshot: boolean, trades: ReadonlyArray<SimTrade>): string => {
  const items = trades.map((t) => {
    const i = t.instrument
    return `{"product_id":"${productId}","trade_id":"${t.id}","price":"${formatUnitsTrimmed(t.price, i.priceScale)}","size":"${formatUnitsTrimmed(t.size, i.sizeScale)}","time":"${rfc3339(t.tsUs, 6)}","side":"${t.takerSide === BID ? "BUY" : "SELL"}"}`
  })
  return `{"channel":"market_trades","timestamp":"${rfc3339(nowUs, 9)}","sequence_num":${sequence},"events":[{"type":"${snapshot ? "snapshot" : "update"}","trades":[${items.join(",")}]}]}`
}

/** Encodes a `subscriptions` acknowledgement listing the connection's subscriptions by channel. */
export const encodeSubscriptions = (sequence: number, nowUs: number, subscriptions: Readonly<Record<string, ReadonlyArray<string>>>): string =>
  `{"channel":"subscriptions","timestamp":"${rfc3339(nowUs, 9)}","sequence_num":${sequence},"events":[{"subscriptions":${JSON.stringify(subscriptions)}}]}`

/** Encodes a `heartbeats` message. */
export const encodeHeartbeat = (sequence: number, nowUs: number, counter: number): string => {
  const iso = rfc3339(nowUs, 9)
  return `{"channel":"heartbeats","timestamp":"${iso}","sequence_num":${sequence},"events":[{"current_time":"${iso.slice(0, 10)} ${iso.slice(11, -1)} +0000 UTC","heartbeat_counter":"${counter}"}]}`
}

/** Encodes an error message. */
export const encodeError = (message: string): string => JSON.stringify({ type: "error", message })
