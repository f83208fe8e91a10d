/**
 * Bitfinex WebSocket v2 wire codec.
 *
 * Data frames are arrays `[CHAN_ID, payload…, SEQ]` (SEQ is appended by the `SEQ_ALL`
 * conf flag); events are objects. Prices and amounts are JSON numbers, read here from
 * their source text into integer units — never through a double — and the text of every
 * book level is kept as received, because the venue's checksum is computed over it.
 *
 * Decoding fills one reusable {@link BitfinexFrame}. The hand-written scanner takes the
 * frames of followed channels in the venue's compact layout; anything else (events,
 * unknown channels, whitespace, malformed text) goes to the reference decoder, built on
 * the exact-number JSON parser, which the differential tests hold the scanner equal to.
 *
 * The encoders render numbers the way Bitfinex does (JavaScript's shortest form, which
 * switches to exponent notation below 1e-6) and are what the simulator sends.
 *
 * @module
 */
import { type Instrument, parseUnitsAt } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"
import { jsonNumberEnd } from "../json-cursor.ts"

/** What a frame turned out to be. */
export const BitfinexFrameKind = {
  /** A data frame of a channel we do not follow; only its sequence number was read. */
  Other: 0,
  /** An object: info, conf, subscribed, unsubscribed, error, pong; see {@link BitfinexFrame.event}. */
  Event: 1,
  /** A book snapshot; see {@link BitfinexFrame.levels}. */
  BookSnapshot: 2,
  /** One book level; see {@link BitfinexFrame.price} and its neighbours. */
  BookUpdate: 3,
  /** Recent trades sent on subscribing; see {@link BitfinexFrame.snapshotTradeIds}. */
  TradeSnapshot: 4,
  /** A `te` (executed) or `tu` (updated) trade; see {@link BitfinexFrame.tradeId}. */
  Trade: 5,
  /** `hb`: the channel is idle. */
  Heartbeat: 6,
  /** `cs`: the book checksum; see {@link BitfinexFrame.checksum}. */
  Checksum: 7,
  /** Not decodable; see {@link BitfinexDecoder.error}. */
  Malformed: -1
} as const
/** A {@link BitfinexFrameKind} value. */
export type BitfinexFrameKind = (typeof BitfinexFrameKind)[keyof typeof BitfinexFrameKind]

/** What a followed channel carries, as told by `subscribed` events. */
export interface BitfinexChannel {
  /** `book` (P0 aggregated levels) or `trades`. */
  readonly kind: "book" | "trades"
  /** The instrument of the channel, for its scales. */
  readonly instrument: Instrument
}

/** Looks up a channel id; undefined for channels we do not follow. */
export type BitfinexChannelResolver = (chanId: number) => BitfinexChannel | undefined

/** Levels of a book snapshot, best first per side as the venue sends them; reused. */
export class SnapshotLevels {
  /** Number of levels. */
  count = 0
  /** Prices (price units). */
  prices = new Float64Array(64)
  /** Order counts. */
  counts = new Float64Array(64)
  /** Signed amounts (size units): positive bid, negative ask. */
  amounts = new Float64Array(64)
  /** Price texts as received. */
  readonly priceTexts: Array<string> = []
  /** Amount texts as received. */
  readonly amountTexts: Array<string> = []

  /** Appends one level. */
  push(price: number, count: number, amount: number, priceText: string, amountText: string): void {
    if (this.count === this.prices.length) {
      const widen = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.prices = widen(this.prices)
      this.counts = widen(this.counts)
      this.amounts = widen(this.amounts)
    }
    const n = this.count++
    this.prices[n] = price
    this.counts[n] = count
    this.amounts[n] = amount
    this.priceTexts[n] = priceText
    this.amountTexts[n] = amountText
  }
}

/** The decoded content of the last frame; fields not belonging to its kind are stale. */
export class BitfinexFrame {
  /** Channel id of a data frame. */
  chanId = 0
  /** The frame's sequence number (last element), −1 when it carries none. */
  seq = -1
  /** Book update: price (price units). */
  price = 0
  /** Book update: order count; 0 deletes the level. */
  count = 0
  /** Book update: signed amount (size units), positive bid, negative ask. */
  amount = 0
  /** Book update: price text as received. */
  priceText = ""
  /** Book update: amount text as received. */
  amountText = ""
  /** Book snapshot levels. */
  readonly levels = new SnapshotLevels()
  /** Trade: true for `tu`, false for `te`. */
  tradeUpdate = false
  /** Trade: id as text (exact at any size). */
  tradeId = ""
  /** Trade: time, ms. */
  tradeMs = 0
  /** Trade: signed amount (size units), positive when the taker bought. */
  tradeAmount = 0
  /** Trade: price (price units). */
  tradePrice = 0
  /** Trade snapshot: ids of the trades it lists. */
  readonly snapshotTradeIds: Array<string> = []
  /** Trade snapshot: number of ids. */
  snapshotTradeCount = 0
  /** Checksum value (signed 32-bit). */
  checksum = 0
  /** Event object (numbers as plain JSON numbers: events carry no prices). */
  event: Record<string, unknown> = {}
}

const CH_QUOTE = 34
const CH_PLUS = 43
const CH_COMMA = 44
const CH_MINUS = 45
const CH_DOT = 46
const CH_0 = 48
const CH_9 = 57
const CH_E = 69
const CH_LBRACKET = 91
const CH_RBRACKET = 93
const CH_e = 101
const CH_h = 104
const CH_b = 98
const CH_c = 99
const CH_s = 115
const CH_t = 116
const CH_u = 117

/** The scanner could not take the frame: the reference decoder decides. */
const NOT_SCANNED = -2

/** Where the last scan stopped (module state keeps the scanner allocation-free). */
let scanEnd = 0

/** The level the scanner or reference decoder read last (module state: no allocation per level). */
const level = { price: 0, count: 0, amount: 0, priceText: "", amountText: "" }

/**
 * Parses the JSON number `text[start, end)` into units at `scale`, exactly. Accepts
 * exponent notation (`1.2e-7`, which Bitfinex sends for amounts below 1e-6); NaN when
 * the value has more decimals than `scale` or is not a safe integer in units.
 */
export const parseNumberUnits = (text: string, start: number, end: number, scale: number): number => {
  const plain = parseUnitsAt(text, start, end, scale)
  if (!Number.isNaN(plain)) return plain
  let e = start
  while (e < end && (text.charCodeAt(e) | 32) !== CH_e) e++
  if (e >= end - 1) return NaN
  let i = e + 1
  let negative = false
  const sign = text.charCodeAt(i)
  if (sign === CH_MINUS || sign === CH_PLUS) {
    negative = sign === CH_MINUS
    i++
  }
  if (i === end) return NaN
  let exponent = 0
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < CH_0 || c > CH_9 || exponent > 99) return NaN
    exponent = exponent * 10 + (c - CH_0)
  }
  const shifted = scale + (negative ? -exponent : exponent)
  return shifted < 0 ? NaN : parseUnitsAt(text, start, e, shifted)
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18]

/**
 * Scans the JSON number at `start` into units at `scale` in one pass and sets
 * {@link scanEnd} after it; exponent notation takes the exact slow path. NaN when there
 * is no number there or it is not exact at `scale` (same verdicts as {@link parseNumberUnits}).
 */
const scanNumber = (text: string, start: number, scale: number): number => {
  let i = start
  let c = text.charCodeAt(i)
  const negative = c === CH_MINUS
  if (negative) c = text.charCodeAt(++i)
  const digits = i
  let value = 0
  if (c === CH_0) {
    c = text.charCodeAt(++i)
  } else {
    while (c >= CH_0 && c <= CH_9) {
      value = value * 10 + (c - CH_0)
      c = text.charCodeAt(++i)
    }
  }
  if (i === digits) return NaN
  let frac = 0
  if (c === CH_DOT) {
    c = text.charCodeAt(++i)
    const fraction = i
    while (c >= CH_0 && c <= CH_9) {
      if (frac < scale) {
        value = value * 10 + (c - CH_0)
        frac++
      } else if (c !== CH_0) {
        return NaN
      }
      c = text.charCodeAt(++i)
    }
    if (i === fraction) return NaN
  }
  if (c === CH_e || c === CH_E) {
    const end = jsonNumberEnd(text, start)
    if (end < 0) return NaN
    scanEnd = end
    return parseNumberUnits(text, start, end, scale)
  }
  scanEnd = i
  value *= POW10[scale - frac]!
  if (value > Number.MAX_SAFE_INTEGER) return NaN
  return negative && value !== 0 ? -value : value
}

/** End of the non-negative JSON integer token at `start` (any length), or −1 when there is none. */
const integerEnd = (text: string, start: number): number => {
  let i = start
  let c = text.charCodeAt(i)
  while (c >= CH_0 && c <= CH_9) c = text.charCodeAt(++i)
  if (i === start || (i - start > 1 && text.charCodeAt(start) === CH_0) || c === CH_DOT || c === CH_e || c === CH_E) return -1
  return i
}

/** A non-negative JSON integer at `start` (no sign, fraction or exponent); sets {@link scanEnd}; −1 if none or beyond 2^53. */
const scanInt = (text: string, start: number): number => {
  let i = start
  let value = 0
  let c = text.charCodeAt(i)
  while (c >= CH_0 && c <= CH_9) {
    value = value * 10 + (c - CH_0)
    c = text.charCodeAt(++i)
  }
  scanEnd = i
  if (i === start || (i - start > 1 && text.charCodeAt(start) === CH_0) || value > Number.MAX_SAFE_INTEGER) return -1
  if (c === CH_DOT || c === CH_e || c === CH_E) return -1
  return value
}

/** A non-negative integer held exactly as a JSON number (count, time, sequence); −1 otherwise. */
const rawInt = (value: RawJson | undefined): number => {
  if (!(value instanceof RawNumber) || !/^(0|[1-9]\d*)$/.test(value.text)) return -1
  const n = Number(value.text)
  return Number.isSafeInteger(n) ? n : -1
}

/** Units of a raw JSON number at `scale`; NaN when it is not a number or not exact there. */
const rawUnits = (value: RawJson | undefined, scale: number): number =>
  value instanceof RawNumber ? parseNumberUnits(value.text, 0, value.text.length, scale) : NaN

/** Decodes Bitfinex v2 frames into {@link BitfinexDecoder.frame}. */
export class BitfinexDecoder {
  /** The last frame decoded. */
  readonly frame = new BitfinexFrame()
  /** Why the last malformed frame was rejected. */
  error = ""
  private readonly channel: BitfinexChannelResolver

  constructor(channel: BitfinexChannelResolver) {
    this.channel = channel
  }

  /** Decodes one frame: the scanner first, the reference decoder for what it does not take. */
  decode(text: string): BitfinexFrameKind {
    const kind = this.scan(text)
    return kind === NOT_SCANNED ? this.decodeReference(text) : kind
  }

  /**
   * Scans a data frame of a followed channel in the venue's compact layout. Returns
   * {@link NOT_SCANNED} for anything else, leaving the verdict to the reference decoder.
   */
  scan(text: string): BitfinexFrameKind | typeof NOT_SCANNED {
    if (text.charCodeAt(0) !== CH_LBRACKET) return NOT_SCANNED
    const chanId = scanInt(text, 1)
    let i = scanEnd
    if (chanId < 0 || text.charCodeAt(i) !== CH_COMMA) return NOT_SCANNED
    const channel = this.channel(chanId)
    if (channel === undefined) return NOT_SCANNED
    const f = this.frame
    const instrument = channel.instrument
    i++
    let kind: BitfinexFrameKind
    const c = text.charCodeAt(i)
    if (c === CH_QUOTE) {
      if (text.charCodeAt(i + 3) !== CH_QUOTE) return NOT_SCANNED
      const a = text.charCodeAt(i + 1)
      const b = text.charCodeAt(i + 2)
      i += 4
      if (a === CH_h && b === CH_b) {
        kind = BitfinexFrameKind.Heartbeat
      } else if (a === CH_c && b === CH_s) {
        if (text.charCodeAt(i) !== CH_COMMA) return NOT_SCANNED
        const negative = text.charCodeAt(i + 1) === CH_MINUS
        const value = scanInt(text, negative ? i + 2 : i + 1)
        if (value < 0 || value > 2 ** 31 - (negative ? 0 : 1)) return NOT_SCANNED
        f.checksum = negative ? -value : value
        i = scanEnd
        kind = BitfinexFrameKind.Checksum
      } else if (a === CH_t && (b === CH_e || b === CH_u) && channel.kind === "trades") {
        if (text.charCodeAt(i) !== CH_COMMA || !this.scanTrade(text, i + 1, instrument)) return NOT_SCANNED
        f.tradeUpdate = b === CH_u
        i = scanEnd
        kind = BitfinexFrameKind.Trade
      } else {
        return NOT_SCANNED
      }
    } else if (c === CH_LBRACKET) {
      const next = text.charCodeAt(i + 1)
      if (channel.kind === "trades") {
        if (!this.scanTradeSnapshot(text, i + 1, instrument)) return NOT_SCANNED
        kind = BitfinexFrameKind.TradeSnapshot
      } else if (next === CH_LBRACKET || next === CH_RBRACKET) {
        if (!this.scanBookSnapshot(text, i + 1, instrument)) return NOT_SCANNED
        kind = BitfinexFrameKind.BookSnapshot
      } else {
        if (!this.scanLevel(text, i + 1, instrument)) return NOT_SCANNED
        f.price = level.price
        f.count = level.count
        f.amount = level.amount
        f.priceText = level.priceText
        f.amountText = level.amountText
        kind = BitfinexFrameKind.BookUpdate
      }
      i = scanEnd
    } else {
      return NOT_SCANNED
    }
    // Trailing integers; the last is the sequence number.
    let seq = -1
    while (text.charCodeAt(i) === CH_COMMA) {
      seq = scanInt(text, i + 1)
      if (seq < 0) return NOT_SCANNED
      i = scanEnd
    }
    if (text.charCodeAt(i) !== CH_RBRACKET || i !== text.length - 1) return NOT_SCANNED
    f.chanId = chanId
    f.seq = seq
    return kind
  }

  /** Scans `PRICE,COUNT,AMOUNT]` into {@link level}; sets {@link scanEnd} past `]`. */
  private scanLevel(text: string, start: number, instrument: Instrument): boolean {
    const price = scanNumber(text, start, instrument.priceScale)
    const priceEnd = scanEnd
    if (!(price > 0) || text.charCodeAt(priceEnd) !== CH_COMMA) return false
    const count = scanInt(text, priceEnd + 1)
    const amountStart = scanEnd + 1
    if (count < 0 || text.charCodeAt(scanEnd) !== CH_COMMA) return false
    const amount = scanNumber(text, amountStart, instrument.sizeScale)
    const amountEnd = scanEnd
    if (Number.isNaN(amount) || amount === 0 || text.charCodeAt(amountEnd) !== CH_RBRACKET) return false
    level.price = price
    level.count = count
    level.amount = amount
    level.priceText = text.slice(start, priceEnd)
    level.amountText = text.slice(amountStart, amountEnd)
    scanEnd = amountEnd + 1
    return true
  }

  /** Scans `[level],…]` or `]` into the snapshot levels; sets {@link scanEnd} past the outer `]`. */
  private scanBookSnapshot(text: string, start: number, instrument: Instrument): boolean {
    const levels = this.frame.levels
    levels.count = 0
    let i = start
    if (text.charCodeAt(i) === CH_RBRACKET) {
      scanEnd = i + 1
      return true
    }
    while (true) {
      if (text.charCodeAt(i) !== CH_LBRACKET || !this.scanLevel(text, i + 1, instrument)) return false
      levels.push(level.price, level.count, level.amount, level.priceText, level.amountText)
      i = scanEnd
      const c = text.charCodeAt(i)
      if (c === CH_RBRACKET) {
        scanEnd = i + 1
        return true
      }
      if (c !== CH_COMMA) return false
      i++
    }
  }

  /** Scans `[ID,MTS,AMOUNT,PRICE]` into the trade fields; sets {@link scanEnd} past `]`. */
  private scanTrade(text: string, start: number, instrument: Instrument): boolean {
    if (text.charCodeAt(start) !== CH_LBRACKET) return false
    const idEnd = integerEnd(text, start + 1)
    if (idEnd < 0 || text.charCodeAt(idEnd) !== CH_COMMA) return false
    const ms = scanInt(text, idEnd + 1)
    const amountStart = scanEnd + 1
    if (ms < 0 || text.charCodeAt(scanEnd) !== CH_COMMA) return false
    const amount = scanNumber(text, amountStart, instrument.sizeScale)
    const amountEnd = scanEnd
    if (Number.isNaN(amount) || amount === 0 || text.charCodeAt(amountEnd) !== CH_COMMA) return false
    const price = scanNumber(text, amountEnd + 1, instrument.priceScale)
    const priceEnd = scanEnd
    if (!(price > 0) || text.charCodeAt(priceEnd) !== CH_RBRACKET) return false
    const f = this.frame
    f.tradeId = text.slice(start + 1, idEnd)
    f.tradeMs = ms
    f.tradeAmount = amount
    f.tradePrice = price
    scanEnd = priceEnd + 1
    return true
  }

  /** Scans `[trade],…]` or `]`, keeping the ids; sets {@link scanEnd} past the outer `]`. */
  private scanTradeSnapshot(text: string, start: number, instrument: Instrument): boolean {
    const f = this.frame
    f.snapshotTradeCount = 0
    let i = start
    if (text.charCodeAt(i) === CH_RBRACKET) {
      scanEnd = i + 1
      return true
    }
    while (true) {
      if (!this.scanTrade(text, i, instrument)) return false
      f.snapshotTradeIds[f.snapshotTradeCount++] = f.tradeId
      i = scanEnd
      const c = text.charCodeAt(i)
      if (c === CH_RBRACKET) {
        scanEnd = i + 1
        return true
      }
      if (c !== CH_COMMA) return false
      i++
    }
  }

  /** The reference decoder: the exact-number JSON parser and shape checks. */
  decodeReference(text: string): BitfinexFrameKind {
    let msg: RawJson
    try {
      msg = parseRawJson(text)
    } catch (error) {
      return this.malformed(`invalid JSON: ${(error as Error).message}`)
    }
    if (msg !== null && typeof msg === "object" && !Array.isArray(msg) && !(msg instanceof RawNumber)) {
      this.frame.event = JSON.parse(text) as Record<string, unknown>
      return BitfinexFrameKind.Event
    }
    if (!Array.isArray(msg) || msg.length < 2) return this.malformed("neither an event object nor a [CHAN_ID, …] array")
    const chanId = rawInt(msg[0])
    if (chanId < 0) return this.malformed("channel id is not an integer")
    const f = this.frame
    const channel = this.channel(chanId)
    const payload = msg[1]
    let tail = 2
    let kind: BitfinexFrameKind
    if (typeof payload === "string") {
      if (payload === "hb") {
        kind = BitfinexFrameKind.Heartbeat
      } else if (payload === "cs") {
        const value = msg[2] instanceof RawNumber && /^-?(0|[1-9]\d*)$/.test(msg[2].text) ? Number(msg[2].text) : NaN
        if (!(value >= -(2 ** 31) && value < 2 ** 31)) return this.malformed("checksum is not a 32-bit integer")
        f.checksum = value
        tail = 3
        kind = BitfinexFrameKind.Checksum
      } else if ((payload === "te" || payload === "tu") && channel?.kind === "trades") {
        if (!this.referenceTrade(msg[2], channel.instrument)) return this.malformed("trade is not [ID, MTS, AMOUNT, PRICE]")
        f.tradeUpdate = payload === "tu"
        tail = 3
        kind = BitfinexFrameKind.Trade
      } else if (channel === undefined) {
        return this.other(msg, chanId)
      } else {
        return this.malformed(`unexpected message type "${payload}" on a ${channel.kind} channel`)
      }
    } else if (!Array.isArray(payload)) {
      return this.malformed("payload is neither a message type nor an array")
    } else if (channel === undefined) {
      return this.other(msg, chanId)
    } else if (channel.kind === "trades") {
      f.snapshotTradeCount = 0
      for (const row of payload) {
        if (!this.referenceTrade(row, channel.instrument)) return this.malformed("trade snapshot row is not [ID, MTS, AMOUNT, PRICE]")
        f.snapshotTradeIds[f.snapshotTradeCount++] = f.tradeId
      }
      kind = BitfinexFrameKind.TradeSnapshot
    } else if (payload.length === 0 || Array.isArray(payload[0])) {
      f.levels.count = 0
      for (const row of payload) {
        if (!this.referenceLevel(row, channel.instrument)) return this.malformed("book snapshot row is not [PRICE, COUNT, AMOUNT]")
        f.levels.push(level.price, level.count, level.amount, level.priceText, level.amountText)
      }
      kind = BitfinexFrameKind.BookSnapshot
    } else {
      if (!this.referenceLevel(payload, channel.instrument)) return this.malformed("book update is not [PRICE, COUNT, AMOUNT]")
      f.price = level.price
      f.count = level.count
      f.amount = level.amount
      f.priceText = level.priceText
      f.amountText = level.amountText
      kind = BitfinexFrameKind.BookUpdate
    }
    let seq = -1
    for (let k = tail; k < msg.length; k++) {
      seq = rawInt(msg[k])
      if (seq < 0) return this.malformed("sequence number is not an integer")
    }
    f.chanId = chanId
    f.seq = seq
    return kind
  }

  /** A data frame of a channel we do not follow: only its sequence number (last element) matters. */
  private other(msg: Array<RawJson>, chanId: number): BitfinexFrameKind {
    this.frame.chanId = chanId
    this.frame.seq = msg.length > 2 ? rawInt(msg[msg.length - 1]) : -1
    return BitfinexFrameKind.Other
  }

  private referenceLevel(row: RawJson | undefined, instrument: Instrument): boolean {
    if (!Array.isArray(row) || row.length !== 3) return false
    const [p, c, a] = row
    const price = rawUnits(p, instrument.priceScale)
    const count = rawInt(c)
    const amount = rawUnits(a, instrument.sizeScale)
    if (!(price > 0) || count < 0 || Number.isNaN(amount) || amount === 0) return false
    level.price = price
    level.count = count
    level.amount = amount
    level.priceText = (p as RawNumber).text
    level.amountText = (a as RawNumber).text
    return true
  }

  private referenceTrade(row: RawJson | undefined, instrument: Instrument): boolean {
    if (!Array.isArray(row) || row.length !== 4) return false
    const id = row[0] instanceof RawNumber && /^(0|[1-9]\d*)$/.test(row[0].text) ? row[0].text : undefined
    const ms = rawInt(row[1])
    const amount = rawUnits(row[2], instrument.sizeScale)
    const price = rawUnits(row[3], instrument.priceScale)
    if (id === undefined || ms < 0 || Number.isNaN(amount) || amount === 0 || !(price > 0)) return false
    const f = this.frame
    f.tradeId = id
    f.tradeMs = ms
    f.tradeAmount = amount
    f.tradePrice = price
    return true
  }

  private malformed(reason: string): BitfinexFrameKind {
    this.error = reason
    return BitfinexFrameKind.Malformed
  }
}

/**
 * Renders integer units at `scale` the way Bitfinex (JavaScript) renders a number: the
 * shortest decimal, and exponent notation below 1e-6 (`1.2e-7`).
 */
export const bitfinexNumber = (units: number, scale: number): string => {
  if (units === 0) return "0"
  const negative = units < 0
  const digits = String(Math.abs(units))
  const trimmed = digits.replace(/0+$/, "")
  // Decimal exponent of the leading digit.
  const exponent = digits.length - 1 - scale
  let body: string
  if (exponent < -6) {
    body = trimmed.length === 1 ? `${trimmed}e${exponent}` : `${trimmed[0]}.${trimmed.slice(1)}e${exponent}`
  } else if (exponent < 0) {
    body = `0.${"0".repeat(-exponent - 1)}${trimmed}`
  } else {
    const whole = digits.slice(0, exponent + 1)
    const fraction = digits.slice(exponent + 1).replace(/0+$/, "")
    body = fraction.length === 0 ? whole : `${whole}.${fraction}`
  }
  return negative ? `-${body}` : body
}

/** One book level to encode: price and signed amount in units, order count. */
export interface BitfinexLevel {
  /** Price units. */
  readonly price: number
  /** Orders at the level; 0 deletes it. */
  readonly count: number
  /** Signed amount units (positive bid, negative ask; ±1 unit of the whole amount when deleting). */
  readonly amount: number
}

const levelText = (instrument: Instrument, l: BitfinexLevel): string =>
  `[${bitfinexNumber(l.price, instrument.priceScale)},${l.count},${bitfinexNumber(l.amount, instrument.sizeScale)}]`

/** `[CHAN_ID,[[PRICE,COUNT,AMOUNT],…],SEQ]`. */
export const encodeBookSnapshot = (chanId: number, instrument: Instrument, levels: ReadonlyArray<BitfinexLevel>, seq: number): string =>
  `[${chanId},[${levels.map((l) => levelText(instrument, l)).join(",")}],${seq}]`

/** `[CHAN_ID,[PRICE,COUNT,AMOUNT],SEQ]`. */
export const encodeBookUpdate = (chanId: number, instrument: Instrument, l: BitfinexLevel, seq: number): string =>
  `[${chanId},${levelText(instrument, l)},${seq}]`

/** `[CHAN_ID,"cs",CHECKSUM,SEQ]`. */
export const encodeChecksum = (chanId: number, checksum: number, seq: number): string => `[${chanId},"cs",${checksum},${seq}]`

/** `[CHAN_ID,"hb",SEQ]`. */
export const encodeHeartbeat = (chanId: number, seq: number): string => `[${chanId},"hb",${seq}]`

/** One public trade to encode. */
export interface BitfinexTrade {
  /** Trade id. */
  readonly id: number
  /** Time, ms. */
  readonly ms: number
  /** Signed amount units: positive when the taker bought. */
  readonly amount: number
  /** Price units. */
  readonly price: number
}

const tradeText = (instrument: Instrument, t: BitfinexTrade): string =>
  `[${t.id},${t.ms},${bitfinexNumber(t.amount, instrument.sizeScale)},${bitfinexNumber(t.price, instrument.priceScale)}]`

/** `[CHAN_ID,"te"|"tu",[ID,MTS,AMOUNT,PRICE],SEQ]`. */
export const encodeTrade = (chanId: number, tag: "te" | "tu", instrument: Instrument, trade: BitfinexTrade, seq: number): string =>
  `[${chanId},"${tag}",${tradeText(instrument, trade)},${seq}]`

/** `[CHAN_ID,[[ID,MTS,AMOUNT,PRICE],…],SEQ]`, most recent first. */
export const encodeTradeSnapshot = (chanId: number, instrument: Instrument, trades: ReadonlyArray<BitfinexTrade>, seq: number): string =>
  `[${chanId},[${trades.map((t) => tradeText(instrument, t)).join(",")}],${seq}]`
