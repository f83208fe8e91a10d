/**
 * The hot-path decoder of OKX pushes: a hand-written scanner over the `books` and
 * `trades` frame format (keys in any order, unknown fields skipped) that writes integer
 * units straight into the reused {@link OkxFrame} and allocates nothing per level.
 * Events, `pong` and anything it does not expect go to {@link OkxReferenceDecoder}, which
 * is the authority; differential tests hold the two equal.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, parseUnitsAt } from "@hft/core"
import { type OkxDecoder, type OkxResolver, type BookMessage, OkxFrame, OkxFrameKind, OkxReferenceDecoder } from "./codec.ts"
import { Char, JsonCursor, hasEscape } from "../json-cursor.ts"

/** The scanner could not decode the frame on its own. */
const DEFER = -2

const NO_CHANNEL = 0
const BOOKS = 1
const TRADES = 2
const OTHER_CHANNEL = 3

const BOOKS_PREFIX = `{"arg":{"channel":"books","instId":"`
const ACTION = `"},"action":"`
const UPDATE_ASKS = `update","data":[{"asks":`
const SNAPSHOT_ASKS = `snapshot","data":[{"asks":`
const BIDS = `,"bids":`
const TS = `,"ts":"`
const CHECKSUM = `","checksum":`
const PREV_SEQ_ID = `,"prevSeqId":`
const SEQ_ID = `,"seqId":`
const END = "}]}"

/** The fast OKX decoder. */
export class OkxScanner implements OkxDecoder {
  readonly out: OkxFrame
  private readonly reference: OkxReferenceDecoder
  private readonly resolve: OkxResolver
  private readonly c = new JsonCursor()
  private channel = NO_CHANNEL
  private instrument: Instrument | undefined = undefined
  private instIdSeen = false

  constructor(resolve: OkxResolver, out: OkxFrame = new OkxFrame()) {
    this.out = out
    this.resolve = resolve
    this.reference = new OkxReferenceDecoder(resolve, out)
  }

  decode(text: string): OkxFrameKind {
    const kind = this.scan(text)
    return kind === DEFER ? this.reference.decode(text) : kind
  }

  private scan(text: string): OkxFrameKind | typeof DEFER {
    const c = this.c
    c.reset(text)
    if (text.startsWith(BOOKS_PREFIX)) {
      const kind = this.canonicalBook(text)
      if (kind !== DEFER) return kind
      c.pos = 0
    }
    if (hasEscape(text)) return DEFER
    this.channel = NO_CHANNEL
    this.instrument = undefined
    this.instIdSeen = false
    let action = -1
    let dataAt = -1
    /** The kind `data` decoded to when it could be decoded in place (`arg` came first, as OKX sends it). */
    let decoded: OkxFrameKind | typeof DEFER = DEFER
    let seen = 0
    if (!c.eat(Char.LBRACE)) return DEFER
    do {
      if (!c.key()) return DEFER
      if (c.is("arg")) {
        if (seen & 1 || !this.arg()) return DEFER
        seen |= 1
      } else if (c.is("action")) {
        if (seen & 2 || !c.string()) return DEFER
        seen |= 2
        action = c.is("snapshot") ? 1 : c.is("update") ? 0 : -2
      } else if (c.is("data")) {
        if (seen & 4) return DEFER
        seen |= 4
        dataAt = c.pos
        if (this.instrument !== undefined && (this.channel === BOOKS || this.channel === TRADES)) {
          decoded = this.channel === BOOKS ? this.book(this.instrument) : this.trades(this.instrument)
          if (decoded === DEFER) return DEFER
        } else if (!c.skip()) {
          return DEFER
        }
      } else if (c.is("event")) {
        return DEFER
      } else if (!c.skipUnknown()) {
        return DEFER
      }
    } while (c.eat(Char.COMMA))
    if (!c.eat(Char.RBRACE) || !c.atEnd()) return DEFER
    if (this.channel === OTHER_CHANNEL && dataAt >= 0) return OkxFrameKind.Other
    if (this.channel === NO_CHANNEL || !this.instIdSeen || dataAt < 0) return DEFER
    const instrument = this.instrument
    if (instrument === undefined) return OkxFrameKind.Other
    if (decoded === DEFER) {
      // `data` came before `arg`: decode it now.
      c.pos = dataAt
      decoded = this.channel === BOOKS ? this.book(instrument) : this.trades(instrument)
      if (decoded === DEFER) return DEFER
    }
    if (this.channel === TRADES) return decoded
    if (action < 0) return DEFER
    this.out.book.snapshot = action === 1
    return decoded
  }

  /**
   * A `books` push in the exact layout OKX sends (`arg`, `action`, `data` with `asks`,
   * `bids`, `ts`, `checksum`, `prevSeqId`, `seqId`, no whitespace), matched by literals.
   * Anything else is left to the key-by-key scan.
   */
  private canonicalBook(text: string): OkxFrameKind | typeof DEFER {
    const c = this.c
    const idStart = BOOKS_PREFIX.length
    const idEnd = text.indexOf('"', idStart)
    if (idEnd < 0) return DEFER
    const instrument = this.resolve(text, idStart, idEnd)
    if (instrument === undefined) return DEFER
    let i = idEnd
    if (!text.startsWith(ACTION, i)) return DEFER
    i += ACTION.length
    let snapshot: boolean
    if (text.startsWith(UPDATE_ASKS, i)) {
      snapshot = false
      i += UPDATE_ASKS.length
    } else if (text.startsWith(SNAPSHOT_ASKS, i)) {
      snapshot = true
      i += SNAPSHOT_ASKS.length
    } else {
      return DEFER
    }
    const book = this.out.book
    book.source = text
    c.pos = this.canonicalLevels(text, i, book, ASK, instrument)
    if (c.pos < 0 || !c.literal(BIDS)) return DEFER
    c.pos = this.canonicalLevels(text, c.pos, book, BID, instrument)
    if (c.pos < 0 || !c.literal(TS)) return DEFER
    const tsEnd = text.indexOf('"', c.pos)
    const tsMs = this.digits(c.pos, tsEnd)
    if (tsMs < 0) return DEFER
    c.pos = tsEnd
    if (!c.literal(CHECKSUM)) return DEFER
    const checksum = c.integer()
    if (Number.isNaN(checksum) || !c.literal(PREV_SEQ_ID)) return DEFER
    const prevSeqId = c.integer()
    if (Number.isNaN(prevSeqId) || !c.literal(SEQ_ID)) return DEFER
    const seqId = c.integer()
    if (Number.isNaN(seqId) || !c.literal(END) || c.pos !== text.length) return DEFER
    book.instrument = instrument
    book.snapshot = snapshot
    book.seqId = seqId
    book.prevSeqId = prevSeqId
    book.checksum = checksum
    book.tsMs = tsMs
    return OkxFrameKind.Book
  }

  /**
   * `[["px","sz","0","n"],…]` without whitespace, from `i`, into one side of `book`.
   * Returns the index after the closing bracket, or −1.
   */
  private canonicalLevels(text: string, i: number, book: BookMessage, side: Side, instrument: Instrument): number {
    if (text.charCodeAt(i) !== Char.LBRACKET) return -1
    i++
    let n = 0
    if (text.charCodeAt(i) === Char.RBRACKET) {
      book.count[side] = 0
      return i + 1
    }
    while (true) {
      if (text.charCodeAt(i) !== Char.LBRACKET || text.charCodeAt(i + 1) !== Char.QUOTE) return -1
      const ps = i + 2
      const pe = text.indexOf('"', ps)
      if (pe < 0 || text.charCodeAt(pe + 1) !== Char.COMMA || text.charCodeAt(pe + 2) !== Char.QUOTE) return -1
      const ss = pe + 3
      const se = text.indexOf('"', ss)
      if (se < 0) return -1
      const price = parseUnitsAt(text, ps, pe, instrument.priceScale)
      const size = parseUnitsAt(text, ss, se, instrument.sizeScale)
      if (Number.isNaN(price) || Number.isNaN(size) || size < 0) return -1
      if (n === book.prices[side].length) book.reserve(side, n + 1)
      book.prices[side][n] = price
      book.sizes[side][n] = size
      const spans = book.spans[side]
      spans[n * 4] = ps
      spans[n * 4 + 1] = pe
      spans[n * 4 + 2] = ss
      spans[n * 4 + 3] = se
      n++
      i = se + 1
      // Trailing string fields ("0" and the order count).
      while (text.charCodeAt(i) === Char.COMMA) {
        if (text.charCodeAt(i + 1) !== Char.QUOTE) return -1
        const close = text.indexOf('"', i + 2)
        // Not interpreted; an escaped quote would end it in the wrong place.
        if (close < 0 || text.charCodeAt(close - 1) === Char.BACKSLASH) return -1
        i = close + 1
      }
      if (text.charCodeAt(i) !== Char.RBRACKET) return -1
      i++
      const next = text.charCodeAt(i)
      i++
      if (next === Char.RBRACKET) break
      if (next !== Char.COMMA) return -1
    }
    book.count[side] = n
    return i
  }

  /** `{"channel":…,"instId":…}`. */
  private arg(): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACE)) return false
    if (c.eat(Char.RBRACE)) return true
    do {
      if (!c.key()) return false
      if (c.is("channel")) {
        if (!c.string()) return false
        this.channel = c.is("books") ? BOOKS : c.is("trades") ? TRADES : OTHER_CHANNEL
      } else if (c.is("instId")) {
        if (!c.string()) return false
        this.instIdSeen = true
        this.instrument = this.resolve(c.text, c.start, c.end)
      } else if (!c.skipUnknown()) {
        return false
      }
    } while (c.eat(Char.COMMA))
    return c.eat(Char.RBRACE)
  }

  /** `[{"asks":…,"bids":…,"ts":…,"checksum":…,"prevSeqId":…,"seqId":…}]` (the action is set by the caller). */
  private book(instrument: Instrument): OkxFrameKind | typeof DEFER {
    const c = this.c
    const book = this.out.book
    book.source = c.text
    let seen = 0
    let checksum = 0
    let tsMs = 0
    let seqId = 0
    let prevSeqId = 0
    if (!c.eat(Char.LBRACKET) || !c.eat(Char.LBRACE)) return DEFER
    do {
      if (!c.key()) return DEFER
      if (c.is("asks")) {
        if (!this.levels(book, ASK, instrument)) return DEFER
        seen |= 1
      } else if (c.is("bids")) {
        if (!this.levels(book, BID, instrument)) return DEFER
        seen |= 2
      } else if (c.is("seqId")) {
        seqId = c.integer()
        if (Number.isNaN(seqId)) return DEFER
        seen |= 4
      } else if (c.is("prevSeqId")) {
        prevSeqId = c.integer()
        if (Number.isNaN(prevSeqId)) return DEFER
        seen |= 8
      } else if (c.is("checksum")) {
        checksum = c.integer()
        if (Number.isNaN(checksum)) return DEFER
      } else if (c.is("ts")) {
        if (c.peek() !== Char.QUOTE || !c.string()) return DEFER
        tsMs = this.digits(c.start, c.end)
        if (tsMs < 0) return DEFER
      } else if (!c.skipUnknown()) {
        return DEFER
      }
    } while (c.eat(Char.COMMA))
    if (!c.eat(Char.RBRACE) || !c.eat(Char.RBRACKET) || seen !== 15) return DEFER
    book.instrument = instrument
    book.seqId = seqId
    book.prevSeqId = prevSeqId
    book.checksum = checksum
    book.tsMs = tsMs
    return OkxFrameKind.Book
  }

  /** `[["px","sz",…],…]` into one side of `book`. */
  private levels(book: BookMessage, side: Side, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACKET)) return false
    let n = 0
    if (!c.eat(Char.RBRACKET)) {
      do {
        if (!c.eat(Char.LBRACKET) || !c.string()) return false
        if (n === book.prices[side].length) book.reserve(side, n + 1)
        const ps = c.start
        const pe = c.end
        if (!c.eat(Char.COMMA) || !c.string()) return false
        const price = parseUnitsAt(c.text, ps, pe, instrument.priceScale)
        const size = parseUnitsAt(c.text, c.start, c.end, instrument.sizeScale)
        if (Number.isNaN(price) || Number.isNaN(size) || size < 0) return false
        book.prices[side][n] = price
        book.sizes[side][n] = size
        const spans = book.spans[side]
        spans[n * 4] = ps
        spans[n * 4 + 1] = pe
        spans[n * 4 + 2] = c.start
        spans[n * 4 + 3] = c.end
        n++
        // Trailing fields ("0" and the order count on OKX): usually plain strings.
        while (c.eat(Char.COMMA)) if (!(c.peek() === Char.QUOTE ? c.string() : c.skip())) return false
        if (!c.eat(Char.RBRACKET)) return false
      } while (c.eat(Char.COMMA))
      if (!c.eat(Char.RBRACKET)) return false
    }
    book.count[side] = n
    return true
  }

  /** `[{"instId":…,"tradeId":…,"px":…,"sz":…,"side":…,"ts":…},…]`. */
  private trades(instrument: Instrument): OkxFrameKind | typeof DEFER {
    const c = this.c
    const t = this.out.trades
    if (!c.eat(Char.LBRACKET)) return DEFER
    let n = 0
    if (!c.eat(Char.RBRACKET)) {
      do {
        if (!c.eat(Char.LBRACE)) return DEFER
        t.reserve(n + 1)
        let seen = 0
        let ts = 0
        if (!c.eat(Char.RBRACE)) {
          do {
            if (!c.key()) return DEFER
            if (c.is("px")) {
              if (!c.string()) return DEFER
              t.prices[n] = parseUnitsAt(c.text, c.start, c.end, instrument.priceScale)
              if (Number.isNaN(t.prices[n])) return DEFER
              seen |= 1
            } else if (c.is("sz")) {
              if (!c.string()) return DEFER
              t.sizes[n] = parseUnitsAt(c.text, c.start, c.end, instrument.sizeScale)
              if (Number.isNaN(t.sizes[n])) return DEFER
              seen |= 2
            } else if (c.is("side")) {
              if (!c.string()) return DEFER
              if (c.is("buy")) t.sides[n] = BID
              else if (c.is("sell")) t.sides[n] = ASK
              else return DEFER
              seen |= 4
            } else if (c.is("tradeId")) {
              if (!c.string()) return DEFER
              t.ids[n] = c.text.slice(c.start, c.end)
              seen |= 8
            } else if (c.is("ts") && c.peek() === Char.QUOTE) {
              if (!c.string()) return DEFER
              ts = this.digits(c.start, c.end)
              if (ts < 0) return DEFER
            } else if (!c.skipUnknown()) {
              return DEFER
            }
          } while (c.eat(Char.COMMA))
          if (!c.eat(Char.RBRACE)) return DEFER
        }
        if (seen !== 15) return DEFER
        t.times[n] = ts
        n++
      } while (c.eat(Char.COMMA))
      if (!c.eat(Char.RBRACKET)) return DEFER
    }
    t.instrument = instrument
    t.count = n
    t.ids.length = n
    return OkxFrameKind.Trade
  }

  /** A non-empty run of at most 15 digits in `[start, end)` as a number; −1 otherwise. */
  private digits(start: number, end: number): number {
    if (end === start || end - start > 15) return -1
    const text = this.c.text
    let value = 0
    for (let i = start; i < end; i++) {
      const d = text.charCodeAt(i) - 48
      if (d < 0 || d > 9) return -1
      value = value * 10 + d
    }
    return value
  }
}
