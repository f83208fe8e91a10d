/**
 * KuCoin spot (classic WebSocket) wire codec.
 *
 * Frames are JSON objects: control frames `{"id":…,"type":"welcome"|"ack"|"pong"|"error"}`
 * and pushes `{"topic":…,"type":"message","subject":…,"data":{…}}`. Prices and sizes are
 * strings; book sequence numbers are JSON integers (strings inside each change); trade
 * ids and trade sequences can exceed 2^53 and are kept as text.
 *
 * The scanner takes the live layout of a level-2 push (`topic` first: its symbol gives
 * the scales, and the changes are read in one pass) and walks any other key order (the
 * venue has changed its order over time), then recording where each change's texts lie
 * and reading them once `data.symbol` — which comes after `changes` in KuCoin's
 * alphabetical `data` — is known. Nothing is allocated per level. What it does not take
 * goes to the reference decoder (`JSON.parse` plus field checks), which the differential
 * tests hold it equal to.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, formatUnitsTrimmed, parseUnits, parseUnitsAt } from "@hft/core"
import { KUCOIN_OK } from "./instruments.ts"
import { jsonNumberEnd } from "../json-cursor.ts"

/** REST path of the public connection token (`POST`). */
export const KUCOIN_BULLET_PATH = "/api/v1/bullet-public"
/** REST path of the 100-level book snapshot (`GET`, `?symbol=`). */
export const KUCOIN_SNAPSHOT_PATH = "/api/v1/market/orderbook/level2_100"
/** Levels per side of that snapshot. */
export const KUCOIN_SNAPSHOT_DEPTH = 100

/** What a frame turned out to be. */
export const KucoinFrameKind = {
  /** Valid JSON we do not act on, or a symbol we do not follow. */
  Other: 0,
  /** `welcome`: the connection is ready; see {@link KucoinDecoder.id}. */
  Welcome: 1,
  /** `ack` of a subscription; see {@link KucoinDecoder.id}. */
  Ack: 2,
  /** `pong`; see {@link KucoinDecoder.id}. */
  Pong: 3,
  /** `error`; see {@link KucoinDecoder.error}. */
  Error: 4,
  /** `trade.l2update`; see {@link KucoinDecoder.diff}. */
  L2Update: 5,
  /** `trade.l3match`; see {@link KucoinDecoder.match}. */
  Match: 6,
  /** Not decodable; see {@link KucoinDecoder.error}. */
  Malformed: -1
} as const
/** A {@link KucoinFrameKind} value. */
export type KucoinFrameKind = (typeof KucoinFrameKind)[keyof typeof KucoinFrameKind]

/** One side's changes of a level-2 update: price, size (units) and sequence per change. */
export class SideChanges {
  /** Number of changes. */
  count = 0
  /** Prices (price units); 0 means "no level change, sequence only". */
  prices = new Float64Array(32)
  /** Absolute sizes (size units); 0 deletes the level. */
  sizes = new Float64Array(32)
  /** Sequence number of each change. */
  seqs = new Float64Array(32)

  /** Appends one change. */
  push(price: number, size: number, seq: number): void {
    if (this.count === this.prices.length) {
      const widen = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.prices = widen(this.prices)
      this.sizes = widen(this.sizes)
      this.seqs = widen(this.seqs)
    }
    const n = this.count++
    this.prices[n] = price
    this.sizes[n] = size
    this.seqs[n] = seq
  }

  /** Replaces the contents with those of `other`. */
  copyFrom(other: SideChanges): void {
    this.count = 0
    for (let i = 0; i < other.count; i++) this.push(other.prices[i]!, other.sizes[i]!, other.seqs[i]!)
  }
}

/** A decoded `trade.l2update`, reused from frame to frame. */
export class L2Diff {
  /** Instrument of the update. */
  instrument: Instrument | undefined = undefined
  /** First sequence number covered. */
  sequenceStart = 0
  /** Last sequence number covered. */
  sequenceEnd = 0
  /** Bid changes. */
  readonly bids = new SideChanges()
  /** Ask changes. */
  readonly asks = new SideChanges()

  /** A detached copy, for buffering while a snapshot is awaited. */
  copy(): L2Diff {
    const c = new L2Diff()
    c.instrument = this.instrument
    c.sequenceStart = this.sequenceStart
    c.sequenceEnd = this.sequenceEnd
    c.bids.copyFrom(this.bids)
    c.asks.copyFrom(this.asks)
    return c
  }
}

/** A decoded `trade.l3match`, reused from frame to frame. */
export class MatchFields {
  /** Instrument traded. */
  instrument: Instrument | undefined = undefined
  /** Price units. */
  price = 0
  /** Size units. */
  size = 0
  /** Taker side (`side` is the taker's). */
  takerSide: Side = BID
  /** Trade id as text. */
  tradeId = ""
  /** Trade time, µs since the epoch (the venue sends ns). */
  timeUs = 0
}

type Resolver = (venueSymbol: string) => Instrument | undefined

const CH_QUOTE = 34
const CH_COMMA = 44
const CH_DOT = 46
const CH_0 = 48
const CH_9 = 57
const CH_COLON = 58
const CH_LBRACKET = 91
const CH_BACKSLASH = 92
const CH_RBRACKET = 93
const CH_LBRACE = 123
const CH_RBRACE = 125

/** Start of a level-2 push in the venue's live layout, up to the symbol in the topic. */
const L2_HEAD = '{"topic":"/market/level2:'
/** What follows the topic's symbol in that layout, up to the `data` object. */
const L2_TAIL = '","type":"message","subject":"trade.l2update","data":'

/** The scanner could not take the frame: the reference decoder decides. */
const NOT_SCANNED = -2

/** Where the last scan stopped (module state keeps the scanner allocation-free). */
let scanEnd = 0

/** End of the string whose opening quote is at `start` (index after the closing quote); −1 if it has escapes, control characters or no end. */
const stringEnd = (text: string, start: number): number => {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === CH_QUOTE) return i + 1
    if (c === CH_BACKSLASH || c < 32) return -1
  }
  return -1
}

/**
 * End of the JSON value at `start`, validated (so the scanner never takes text that
 * `JSON.parse` rejects); −1 for anything it does not take: whitespace, escapes, errors.
 */
const valueEnd = (text: string, start: number): number => {
  const c = text.charCodeAt(start)
  if (c === CH_QUOTE) return stringEnd(text, start)
  if (c === CH_LBRACE || c === CH_LBRACKET) {
    const object = c === CH_LBRACE
    const close = object ? CH_RBRACE : CH_RBRACKET
    let i = start + 1
    if (text.charCodeAt(i) === close) return i + 1
    while (true) {
      if (object) {
        if (text.charCodeAt(i) !== CH_QUOTE) return -1
        i = stringEnd(text, i)
        if (i < 0 || text.charCodeAt(i) !== CH_COLON) return -1
        i++
      }
      i = valueEnd(text, i)
      if (i < 0) return -1
      const d = text.charCodeAt(i)
      if (d === close) return i + 1
      if (d !== CH_COMMA) return -1
      i++
    }
  }
  if (text.startsWith("true", start)) return start + 4
  if (text.startsWith("false", start)) return start + 5
  if (text.startsWith("null", start)) return start + 4
  return jsonNumberEnd(text, start)
}

/** A non-negative integer at `start`, bare or quoted; sets {@link scanEnd}; −1 if none, not exact, or beyond 2^53. */
const scanSequence = (text: string, start: number): number => {
  const quoted = text.charCodeAt(start) === CH_QUOTE
  let i = quoted ? start + 1 : start
  const first = i
  let value = 0
  let c = text.charCodeAt(i)
  while (c >= CH_0 && c <= CH_9) {
    value = value * 10 + (c - CH_0)
    c = text.charCodeAt(++i)
  }
  if (i === first || (i - first > 1 && text.charCodeAt(first) === CH_0) || value > Number.MAX_SAFE_INTEGER) return -1
  if (quoted) {
    if (c !== CH_QUOTE) return -1
    i++
  }
  scanEnd = i
  return value
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18]

/**
 * Scans the decimal text at `start` up to its closing quote into units at `scale` in one
 * pass, setting {@link scanEnd} at the quote. Accepts what core's `parseUnitsAt` accepts
 * for unsigned text; NaN otherwise (the reference decoder then decides).
 */
const scanQuotedUnits = (text: string, start: number, scale: number): number => {
  let i = start
  let value = 0
  let c = text.charCodeAt(i)
  while (c >= CH_0 && c <= CH_9) {
    value = value * 10 + (c - CH_0)
    c = text.charCodeAt(++i)
  }
  if (i === start) return NaN
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
  if (c !== CH_QUOTE) return NaN
  scanEnd = i
  value *= POW10[scale - frac]!
  return value > Number.MAX_SAFE_INTEGER ? NaN : value
}

/** Whether `text[start, end)` is exactly `word`. */
const is = (text: string, start: number, end: number, word: string): boolean => end - start === word.length && text.startsWith(word, start)

/** Offsets of one side's change texts, recorded before the symbol (and so the scales) is known. */
class ChangeSpans {
  count = 0
  spans = new Int32Array(6 * 32)

  add(priceStart: number, priceEnd: number, sizeStart: number, sizeEnd: number, seqStart: number, seqEnd: number): void {
    if ((this.count + 1) * 6 > this.spans.length) {
      const wider = new Int32Array(this.spans.length * 2)
      wider.set(this.spans)
      this.spans = wider
    }
    const k = 6 * this.count++
    const s = this.spans
    s[k] = priceStart
    s[k + 1] = priceEnd
    s[k + 2] = sizeStart
    s[k + 3] = sizeEnd
    s[k + 4] = seqStart
    s[k + 5] = seqEnd
  }

  /** Converts the recorded texts into `out`; false when one is not exact at the scales. */
  convert(text: string, instrument: Instrument, out: SideChanges): boolean {
    out.count = 0
    const s = this.spans
    for (let k = 0; k < 6 * this.count; k += 6) {
      const price = parseUnitsAt(text, s[k]!, s[k + 1]!, instrument.priceScale)
      const size = parseUnitsAt(text, s[k + 2]!, s[k + 3]!, instrument.sizeScale)
      const seq = scanSequence(text, s[k + 4]! - 1)
      if (!(price >= 0) || !(size >= 0) || seq < 0 || scanEnd !== s[k + 5]! + 1) return false
      out.push(price, size, seq)
    }
    return true
  }
}

/** Reads one `["price","size","sequence"]` at `i` into `out`; returns the index after it, −1 if not in layout. */
const readChange = (text: string, i: number, instrument: Instrument, out: SideChanges): number => {
  if (text.charCodeAt(i) !== CH_LBRACKET || text.charCodeAt(i + 1) !== CH_QUOTE) return -1
  const price = scanQuotedUnits(text, i + 2, instrument.priceScale)
  if (!(price >= 0) || text.charCodeAt(scanEnd + 1) !== CH_COMMA || text.charCodeAt(scanEnd + 2) !== CH_QUOTE) return -1
  const size = scanQuotedUnits(text, scanEnd + 3, instrument.sizeScale)
  if (!(size >= 0) || text.charCodeAt(scanEnd + 1) !== CH_COMMA) return -1
  const seq = scanSequence(text, scanEnd + 2)
  if (seq < 0 || text.charCodeAt(scanEnd) !== CH_RBRACKET) return -1
  out.push(price, size, seq)
  return scanEnd + 1
}

/** Locates the texts of one `["price","size","sequence"]` at `i` into `spans`; returns the index after it, −1 if not in layout. */
const locateChange = (text: string, i: number, spans: ChangeSpans): number => {
  if (text.charCodeAt(i) !== CH_LBRACKET || text.charCodeAt(i + 1) !== CH_QUOTE) return -1
  const priceEnd = stringEnd(text, i + 1)
  if (priceEnd < 0 || text.charCodeAt(priceEnd) !== CH_COMMA || text.charCodeAt(priceEnd + 1) !== CH_QUOTE) return -1
  const sizeEnd = stringEnd(text, priceEnd + 1)
  if (sizeEnd < 0 || text.charCodeAt(sizeEnd) !== CH_COMMA || text.charCodeAt(sizeEnd + 1) !== CH_QUOTE) return -1
  const seqEnd = stringEnd(text, sizeEnd + 1)
  if (seqEnd < 0 || text.charCodeAt(seqEnd) !== CH_RBRACKET) return -1
  spans.add(i + 2, priceEnd - 1, priceEnd + 2, sizeEnd - 1, sizeEnd + 2, seqEnd - 1)
  return seqEnd + 1
}

/** Decodes KuCoin frames; control fields are set for the kind returned. */
export class KucoinDecoder {
  /** Last level-2 update decoded. */
  readonly diff = new L2Diff()
  /** Last match decoded. */
  readonly match = new MatchFields()
  /** Id of the last welcome, ack, pong or error. */
  id = ""
  /** Code and text of the last error frame, or why the last frame was malformed. */
  error = ""
  private readonly resolve: Resolver
  /** Venue symbols already resolved, matched in place by the scanner. */
  private readonly known: Array<string> = []
  private readonly askSpans = new ChangeSpans()
  private readonly bidSpans = new ChangeSpans()
  /** What the last `data` scan found. */
  private dataKind: KucoinFrameKind = KucoinFrameKind.Other

  constructor(resolve: Resolver) {
    this.resolve = resolve
  }

  /** Decodes one frame: the scanner first, the reference decoder for what it does not take. */
  decode(text: string): KucoinFrameKind {
    const kind = this.scan(text)
    return kind === NOT_SCANNED ? this.decodeReference(text) : kind
  }

  /**
   * Scans `trade.l2update` and `trade.l3match` pushes in any key order, without escapes
   * or whitespace. Returns {@link NOT_SCANNED} for anything else.
   */
  scan(text: string): KucoinFrameKind | typeof NOT_SCANNED {
    if (text.charCodeAt(0) !== CH_LBRACE) return NOT_SCANNED
    // The live layout of a level-2 push: its header is compared in place, not walked.
    if (text.startsWith(L2_HEAD, 0)) {
      const topicEnd = stringEnd(text, L2_HEAD.length - 1)
      if (topicEnd > 0 && text.startsWith(L2_TAIL, topicEnd - 1)) {
        const topic = this.resolveSlice(text, L2_HEAD.length, topicEnd - 1)
        const data = topicEnd - 1 + L2_TAIL.length
        let end = topic === undefined ? -1 : this.scanL2DataLive(text, data, topic, L2_HEAD.length, topicEnd - 1)
        if (end < 0) end = this.scanL2Data(text, data, topic)
        return end === text.length - 1 && text.charCodeAt(end) === CH_RBRACE ? this.dataKind : NOT_SCANNED
      }
    }
    let typeStart = -1
    let typeEnd = -1
    // 0 not seen yet, 1 trade.l2update, 2 trade.l3match, 3 anything else.
    let subject = 0
    let dataStart = -1
    let dataDone = false
    let i = 1
    while (true) {
      if (text.charCodeAt(i) !== CH_QUOTE) return NOT_SCANNED
      const keyEnd = stringEnd(text, i)
      if (keyEnd < 0 || text.charCodeAt(keyEnd) !== CH_COLON) return NOT_SCANNED
      const keyStart = i + 1
      const v = keyEnd + 1
      let end: number
      if (is(text, keyStart, keyEnd - 1, "data")) {
        // The subject usually comes first: then the data is decoded in this one pass.
        dataStart = v
        dataDone = subject === 1 || subject === 2
        end = subject === 1 ? this.scanL2Data(text, v, undefined) : subject === 2 ? this.scanMatchData(text, v) : valueEnd(text, v)
      } else {
        end = valueEnd(text, v)
        if (is(text, keyStart, keyEnd - 1, "type")) {
          if (text.charCodeAt(v) !== CH_QUOTE) return NOT_SCANNED
          typeStart = v + 1
          typeEnd = end - 1
        } else if (is(text, keyStart, keyEnd - 1, "subject")) {
          if (text.charCodeAt(v) !== CH_QUOTE) return NOT_SCANNED
          subject = is(text, v, end, '"trade.l2update"') ? 1 : is(text, v, end, '"trade.l3match"') ? 2 : 3
          dataDone = false
        }
      }
      if (end < 0) return NOT_SCANNED
      i = end
      const c = text.charCodeAt(i)
      if (c === CH_RBRACE) break
      if (c !== CH_COMMA) return NOT_SCANNED
      i++
    }
    if (i !== text.length - 1 || !is(text, typeStart, typeEnd, "message") || (subject !== 1 && subject !== 2) || dataStart < 0) return NOT_SCANNED
    if (!dataDone && (subject === 1 ? this.scanL2Data(text, dataStart, undefined) : this.scanMatchData(text, dataStart)) < 0) return NOT_SCANNED
    return this.dataKind
  }

  /**
   * Decodes the `data` of a `trade.l2update` laid out exactly as KuCoin sends it
   * (`changes`, `sequenceEnd`, `sequenceStart`, `symbol` — the topic's — and `time`),
   * comparing the keys in place; −1 for anything else, which the general walk then takes.
   */
  private scanL2DataLive(text: string, start: number, topic: Instrument, symbolStart: number, symbolEnd: number): number {
    if (!text.startsWith('{"changes":', start)) return -1
    let i = this.scanChanges(text, start + 11, topic)
    if (i < 0 || !text.startsWith(',"sequenceEnd":', i)) return -1
    const sequenceEnd = scanSequence(text, i + 15)
    i = scanEnd
    if (sequenceEnd < 0 || !text.startsWith(',"sequenceStart":', i)) return -1
    const sequenceStart = scanSequence(text, i + 17)
    i = scanEnd
    const length = symbolEnd - symbolStart
    if (sequenceStart < 0 || !text.startsWith(',"symbol":"', i) || text.charCodeAt(i + 11 + length) !== CH_QUOTE) return -1
    for (let k = 0; k < length; k++) if (text.charCodeAt(i + 11 + k) !== text.charCodeAt(symbolStart + k)) return -1
    i += 12 + length
    if (!text.startsWith(',"time":', i)) return -1
    i = jsonNumberEnd(text, i + 8)
    if (i < 0 || text.charCodeAt(i) !== CH_RBRACE) return -1
    const d = this.diff
    d.instrument = topic
    d.sequenceStart = sequenceStart
    d.sequenceEnd = sequenceEnd
    this.dataKind = KucoinFrameKind.L2Update
    return i + 1
  }

  /**
   * Decodes the `data` of a `trade.l2update`; returns its end, −1 if not in layout. Sets
   * {@link dataKind}. With the instrument its topic names, changes are read in one pass
   * (and `symbol` must name the same instrument); without, their texts are located first
   * and read once `symbol` is known.
   */
  private scanL2Data(text: string, start: number, topic: Instrument | undefined): number {
    if (text.charCodeAt(start) !== CH_LBRACE) return -1
    let sequenceStart = -1
    let sequenceEnd = -1
    let symbolStart = -1
    let symbolEnd = -1
    let changes = false
    let i = start + 1
    while (true) {
      if (text.charCodeAt(i) !== CH_QUOTE) return -1
      const keyEnd = stringEnd(text, i)
      if (keyEnd < 0 || text.charCodeAt(keyEnd) !== CH_COLON) return -1
      const keyStart = i + 1
      const v = keyEnd + 1
      let end: number
      if (is(text, keyStart, keyEnd - 1, "changes")) {
        end = this.scanChanges(text, v, topic)
        changes = true
      } else if (is(text, keyStart, keyEnd - 1, "sequenceStart")) {
        sequenceStart = scanSequence(text, v)
        end = sequenceStart < 0 ? -1 : scanEnd
      } else if (is(text, keyStart, keyEnd - 1, "sequenceEnd")) {
        sequenceEnd = scanSequence(text, v)
        end = sequenceEnd < 0 ? -1 : scanEnd
      } else if (is(text, keyStart, keyEnd - 1, "symbol")) {
        if (text.charCodeAt(v) !== CH_QUOTE) return -1
        end = stringEnd(text, v)
        symbolStart = v + 1
        symbolEnd = end - 1
      } else {
        end = valueEnd(text, v)
      }
      if (end < 0) return -1
      i = end
      const c = text.charCodeAt(i)
      if (c === CH_RBRACE) break
      if (c !== CH_COMMA) return -1
      i++
    }
    if (!changes || sequenceStart < 0 || sequenceEnd < 0 || symbolStart < 0) return -1
    const instrument = this.resolveSlice(text, symbolStart, symbolEnd)
    if (instrument !== topic && topic !== undefined) return -1
    if (instrument === undefined) {
      this.dataKind = KucoinFrameKind.Other
      return i + 1
    }
    const d = this.diff
    if (topic === undefined && (!this.askSpans.convert(text, instrument, d.asks) || !this.bidSpans.convert(text, instrument, d.bids))) return -1
    d.instrument = instrument
    d.sequenceStart = sequenceStart
    d.sequenceEnd = sequenceEnd
    this.dataKind = KucoinFrameKind.L2Update
    return i + 1
  }

  /**
   * Scans `{"asks":[…],"bids":[…]}` (either order, each once): into the diff when the
   * instrument is known, into the change spans otherwise. Returns the end, −1 if not in layout.
   */
  private scanChanges(text: string, start: number, instrument: Instrument | undefined): number {
    if (text.charCodeAt(start) !== CH_LBRACE) return -1
    this.askSpans.count = 0
    this.bidSpans.count = 0
    this.diff.asks.count = 0
    this.diff.bids.count = 0
    let asks = false
    let bids = false
    let i = start + 1
    while (true) {
      const isAsks = text.startsWith('"asks":', i)
      if (isAsks ? asks : bids || !text.startsWith('"bids":', i)) return -1
      if (isAsks) asks = true
      else bids = true
      const spans = isAsks ? this.askSpans : this.bidSpans
      const out = isAsks ? this.diff.asks : this.diff.bids
      i += 7
      if (text.charCodeAt(i) !== CH_LBRACKET) return -1
      i++
      if (text.charCodeAt(i) === CH_RBRACKET) {
        i++
      } else {
        while (true) {
          i = instrument === undefined ? locateChange(text, i, spans) : readChange(text, i, instrument, out)
          if (i < 0) return -1
          const c = text.charCodeAt(i)
          i++
          if (c === CH_RBRACKET) break
          if (c !== CH_COMMA) return -1
        }
      }
      const c = text.charCodeAt(i)
      if (c === CH_RBRACE) return asks && bids ? i + 1 : -1
      if (c !== CH_COMMA) return -1
      i++
    }
  }

  /** Decodes the `data` of a `trade.l3match`; returns its end, −1 if not in layout. Sets {@link dataKind}. */
  private scanMatchData(text: string, start: number): number {
    if (text.charCodeAt(start) !== CH_LBRACE) return -1
    let priceStart = -1
    let priceEnd = -1
    let sizeStart = -1
    let sizeEnd = -1
    let side = -1
    let symbolStart = -1
    let symbolEnd = -1
    let idStart = -1
    let idEnd = -1
    let timeStart = -1
    let timeEnd = -1
    let i = start + 1
    while (true) {
      if (text.charCodeAt(i) !== CH_QUOTE) return -1
      const keyEnd = stringEnd(text, i)
      if (keyEnd < 0 || text.charCodeAt(keyEnd) !== CH_COLON) return -1
      const keyStart = i + 1
      const k = keyEnd - 1
      const v = keyEnd + 1
      const end = valueEnd(text, v)
      if (end < 0) return -1
      const quoted = text.charCodeAt(v) === CH_QUOTE
      if (is(text, keyStart, k, "price")) {
        if (!quoted) return -1
        priceStart = v + 1
        priceEnd = end - 1
      } else if (is(text, keyStart, k, "size")) {
        if (!quoted) return -1
        sizeStart = v + 1
        sizeEnd = end - 1
      } else if (is(text, keyStart, k, "side")) {
        side = is(text, v, end, '"buy"') ? BID : is(text, v, end, '"sell"') ? ASK : -2
      } else if (is(text, keyStart, k, "symbol")) {
        if (!quoted) return -1
        symbolStart = v + 1
        symbolEnd = end - 1
      } else if (is(text, keyStart, k, "tradeId")) {
        if (!quoted) return -1
        idStart = v + 1
        idEnd = end - 1
      } else if (is(text, keyStart, k, "time")) {
        if (!quoted) return -1
        timeStart = v + 1
        timeEnd = end - 1
      }
      i = end
      const c = text.charCodeAt(i)
      if (c === CH_RBRACE) break
      if (c !== CH_COMMA) return -1
      i++
    }
    if (priceStart < 0 || sizeStart < 0 || side < 0 || symbolStart < 0 || idStart < 0 || timeStart < 0) return -1
    const instrument = this.resolveSlice(text, symbolStart, symbolEnd)
    if (instrument === undefined) {
      this.dataKind = KucoinFrameKind.Other
      return i + 1
    }
    const price = parseUnitsAt(text, priceStart, priceEnd, instrument.priceScale)
    const size = parseUnitsAt(text, sizeStart, sizeEnd, instrument.sizeScale)
    const timeUs = nsToUs(text, timeStart, timeEnd)
    if (!(price > 0) || !(size > 0) || timeUs < 0) return -1
    const m = this.match
    m.instrument = instrument
    m.price = price
    m.size = size
    m.takerSide = side as Side
    m.tradeId = text.slice(idStart, idEnd)
    m.timeUs = timeUs
    this.dataKind = KucoinFrameKind.Match
    return i + 1
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
  decodeReference(text: string): KucoinFrameKind {
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      return this.malformed(`invalid JSON: ${(error as Error).message}`)
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.malformed("not a JSON object")
    const type = msg["type"]
    const id = msg["id"]
    switch (type) {
      case "welcome":
      case "ack":
      case "pong":
        this.id = String(id)
        return type === "welcome" ? KucoinFrameKind.Welcome : type === "ack" ? KucoinFrameKind.Ack : KucoinFrameKind.Pong
      case "error":
        this.id = String(id)
        this.error = `code ${String(msg["code"])}: ${typeof msg["data"] === "string" ? msg["data"] : JSON.stringify(msg["data"])}`
        return KucoinFrameKind.Error
      case "message":
        break
      default:
        return KucoinFrameKind.Other
    }
    const data = msg["data"]
    if (typeof data !== "object" || data === null) return msg["subject"] === "trade.l2update" || msg["subject"] === "trade.l3match" ? this.malformed("push without a data object") : KucoinFrameKind.Other
    const fields = data as Record<string, unknown>
    if (msg["subject"] === "trade.l2update") return this.referenceL2Update(fields)
    if (msg["subject"] === "trade.l3match") return this.referenceMatch(fields)
    return KucoinFrameKind.Other
  }

  private referenceL2Update(data: Record<string, unknown>): KucoinFrameKind {
    const sequence = (value: unknown): number => {
      const n = typeof value === "string" && /^(0|[1-9]\d*)$/.test(value) ? Number(value) : typeof value === "number" ? value : NaN
      return Number.isSafeInteger(n) && n >= 0 ? n : -1
    }
    const changes = data["changes"] as Record<string, unknown> | undefined
    const start = sequence(data["sequenceStart"])
    const end = sequence(data["sequenceEnd"])
    if (typeof changes !== "object" || changes === null || !Array.isArray(changes["asks"]) || !Array.isArray(changes["bids"]) || start < 0 || end < 0 || typeof data["symbol"] !== "string") {
      return this.malformed("l2update lacks changes.asks/bids, sequenceStart, sequenceEnd or symbol")
    }
    const instrument = this.resolve(data["symbol"])
    if (instrument === undefined) return KucoinFrameKind.Other
    const side = (levels: ReadonlyArray<unknown>, out: SideChanges): boolean => {
      out.count = 0
      for (const level of levels) {
        if (!Array.isArray(level) || level.length !== 3 || !level.every((x) => typeof x === "string")) return false
        const [p, s, q] = level as [string, string, string]
        const price = parseUnitsAt(p, 0, p.length, instrument.priceScale)
        const size = parseUnitsAt(s, 0, s.length, instrument.sizeScale)
        const seq = sequence(q)
        if (!(price >= 0) || !(size >= 0) || seq < 0) return false
        out.push(price, size, seq)
      }
      return true
    }
    const d = this.diff
    if (!side(changes["asks"] as ReadonlyArray<unknown>, d.asks) || !side(changes["bids"] as ReadonlyArray<unknown>, d.bids)) {
      return this.malformed("l2update change is not [price, size, sequence] text exact at the instrument's scales")
    }
    d.instrument = instrument
    d.sequenceStart = start
    d.sequenceEnd = end
    return KucoinFrameKind.L2Update
  }

  private referenceMatch(data: Record<string, unknown>): KucoinFrameKind {
    const { price, size, side, symbol, tradeId, time } = data
    if (typeof price !== "string" || typeof size !== "string" || (side !== "buy" && side !== "sell") || typeof symbol !== "string" || typeof tradeId !== "string" || typeof time !== "string") {
      return this.malformed("match lacks price, size, side, symbol, tradeId or time as text")
    }
    const instrument = this.resolve(symbol)
    if (instrument === undefined) return KucoinFrameKind.Other
    const m = this.match
    const p = parseUnitsAt(price, 0, price.length, instrument.priceScale)
    const s = parseUnitsAt(size, 0, size.length, instrument.sizeScale)
    const timeUs = nsToUs(time, 0, time.length)
    if (!(p > 0) || !(s > 0) || timeUs < 0) return this.malformed("match price, size or time is not exact")
    m.instrument = instrument
    m.price = p
    m.size = s
    m.takerSide = side === "buy" ? BID : ASK
    m.tradeId = tradeId
    m.timeUs = timeUs
    return KucoinFrameKind.Match
  }

  private malformed(reason: string): KucoinFrameKind {
    this.error = reason
    return KucoinFrameKind.Malformed
  }
}

/** Nanoseconds as decimal text (19 digits, beyond 2^53) → whole µs, exactly; −1 if not digits. */
const nsToUs = (text: string, start: number, end: number): number => {
  if (end - start <= 3 || end - start > 22) return -1
  let value = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < CH_0 || c > CH_9) return -1
    if (i < end - 3) value = value * 10 + (c - CH_0)
  }
  return value > Number.MAX_SAFE_INTEGER ? -1 : value
}

/** A REST level-2 snapshot in integer units. */
export interface KucoinSnapshot {
  /** The book's sequence number. */
  readonly sequence: number
  /** Bids as [price, size] units, best first. */
  readonly bids: ReadonlyArray<readonly [number, number]>
  /** Asks as [price, size] units, best first. */
  readonly asks: ReadonlyArray<readonly [number, number]>
}

/** Decodes a `GET /api/v1/market/orderbook/level2_100` body. Throws with a clear message when it is not one. */
export const decodeKucoinSnapshot = (body: string, instrument: Instrument): KucoinSnapshot => {
  const envelope = JSON.parse(body) as { code?: unknown; data?: { sequence?: unknown; bids?: unknown; asks?: unknown } }
  const data = envelope.data
  if (envelope.code !== KUCOIN_OK || typeof data !== "object" || data === null) throw new Error(`level2 snapshot: code ${String(envelope.code)}`)
  const sequence = typeof data.sequence === "string" && /^\d+$/.test(data.sequence) ? Number(data.sequence) : NaN
  if (!Number.isSafeInteger(sequence) || !Array.isArray(data.bids) || !Array.isArray(data.asks)) {
    throw new Error("level2 snapshot lacks sequence, bids or asks")
  }
  const levels = (raw: ReadonlyArray<unknown>): Array<readonly [number, number]> =>
    raw.map((level) => {
      if (!Array.isArray(level) || typeof level[0] !== "string" || typeof level[1] !== "string") {
        throw new Error("level2 snapshot level is not [price, size] text")
      }
      return [parseUnits(level[0], instrument.priceScale), parseUnits(level[1], instrument.sizeScale)] as const
    })
  return { sequence, bids: levels(data.bids), asks: levels(data.asks) }
}

/** One change to encode: side, price (0 = sequence only), absolute size and its sequence number. */
export interface KucoinChange {
  /** Book side. */
  readonly side: Side
  /** Price units; 0 for a change that only advances the sequence. */
  readonly price: number
  /** Size units; 0 deletes. */
  readonly size: number
  /** Sequence number of the change. */
  readonly seq: number
}

const changeText = (instrument: Instrument, c: KucoinChange): string =>
  `["${formatUnitsTrimmed(c.price, instrument.priceScale)}","${formatUnitsTrimmed(c.size, instrument.sizeScale)}","${c.seq}"]`

/** Encodes a `trade.l2update` push as KuCoin sends it (keys of `data` in alphabetical order). */
export const encodeL2Update = (instrument: Instrument, sequenceStart: number, sequenceEnd: number, timeMs: number, changes: ReadonlyArray<KucoinChange>): string => {
  const asks = changes.filter((c) => c.side === ASK).map((c) => changeText(instrument, c))
  const bids = changes.filter((c) => c.side === BID).map((c) => changeText(instrument, c))
  return `{"topic":"/market/level2:${instrument.venueSymbol}","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[${asks.join(",")}],"bids":[${bids.join(",")}]},"sequenceEnd":${sequenceEnd},"sequenceStart":${sequenceStart},"symbol":"${instrument.venueSymbol}","time":${timeMs}}}`
}

/** A trade to encode as a `trade.l3match` push. */
export interface KucoinMatch {
  /** Instrument traded. */
  readonly instrument: Instrument
  /** Taker side. */
  readonly takerSide: Side
  /** Price units. */
  readonly price: number
  /** Size units. */
  readonly size: number
  /** Trade id (numeric text, may exceed 2^53). */
  readonly tradeId: string
  /** Sequence number of the match. */
  readonly sequence: number
  /** Trade time, µs since the epoch. */
  readonly timeUs: number
}

/** Encodes a `trade.l3match` push as KuCoin sends it (2026 layout: plain decimals, ns time). */
export const encodeMatch = (m: KucoinMatch): string => {
  const i = m.instrument
  return `{"topic":"/market/match:${i.venueSymbol}","type":"message","subject":"trade.l3match","data":{"makerOrderId":"${m.tradeId}1","price":"${formatUnitsTrimmed(m.price, i.priceScale)}","sequence":"${m.sequence}","side":"${m.takerSide === BID ? "buy" : "sell"}","size":"${formatUnitsTrimmed(m.size, i.sizeScale)}","symbol":"${i.venueSymbol}","takerOrderId":"${m.tradeId}2","time":"${m.timeUs}000","tradeId":"${m.tradeId}","type":"match"}}`
}

/** Encodes a `GET /api/v1/market/orderbook/level2_100` body from levels (best first). */
export const encodeKucoinSnapshot = (
  instrument: Instrument,
  sequence: number,
  timeMs: number,
  bids: ReadonlyArray<readonly [number, number]>,
  asks: ReadonlyArray<readonly [number, number]>
): string => {
  const side = (levels: ReadonlyArray<readonly [number, number]>) =>
    levels.map(([p, s]) => `["${formatUnitsTrimmed(p, instrument.priceScale)}","${formatUnitsTrimmed(s, instrument.sizeScale)}"]`).join(",")
  return `{"code":"${KUCOIN_OK}","data":{"time":${timeMs},"sequence":"${sequence}","bids":[${side(bids)}],"asks":[${side(asks)}]}}`
}
