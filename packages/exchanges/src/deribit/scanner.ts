/**
 * The hot-path decoder of Deribit notifications: a hand-written scanner over
 * `{"jsonrpc":"2.0","method":"subscription","params":{"channel":…,"data":…}}` for the
 * `book.*` and `trades.*` channels (keys in any order, unknown fields skipped) that reads
 * JSON numbers straight into integer units — exponent notation included — and allocates
 * nothing per level. Responses, heartbeats and anything unusual go to
 * {@link DeribitReferenceDecoder}, the authority; differential tests hold the two equal.
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID, parseUnitsAt } from "@hft/core"
import { Char, JsonCursor, hasEscape } from "../json-cursor.ts"
import {
  type DeribitDecoder,
  type DeribitResolver,
  ChannelKind,
  DeribitFrame,
  DeribitFrameKind,
  DeribitReferenceDecoder,
  nanosToMicros,
  parseChannel
} from "./codec.ts"
import { numberUnitsAt } from "./numbers.ts"

/** The scanner could not decode the frame on its own. */
const DEFER = -2

const BOOK_PREFIX = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.`
const DATA_TIMESTAMP = `","data":{"timestamp":`
const TYPE_CHANGE = `,"type":"change","change_id":`
const TYPE_SNAPSHOT = `,"type":"snapshot","change_id":`
const INSTRUMENT_NAME = `,"instrument_name":"`
const BIDS = `","bids":`
const ASKS = `,"asks":`
const PREV_CHANGE_ID = `,"prev_change_id":`
const END = "}}}"
const NEW = `new",`
const CHANGE = `change",`
const DELETE = `delete",`

/** The fast Deribit decoder. */
export class DeribitScanner implements DeribitDecoder {
  readonly out: DeribitFrame
  private readonly reference: DeribitReferenceDecoder
  private readonly resolve: DeribitResolver
  private readonly c = new JsonCursor()
  private readonly range: [number, number] = [0, 0]

  constructor(resolve: DeribitResolver, out: DeribitFrame = new DeribitFrame()) {
    this.out = out
    this.resolve = resolve
    this.reference = new DeribitReferenceDecoder(resolve, out)
  }

  decode(text: string): DeribitFrameKind {
    const kind = this.scan(text)
    return kind === DEFER ? this.reference.decode(text) : kind
  }

  private scan(text: string): DeribitFrameKind | typeof DEFER {
    const c = this.c
    c.reset(text)
    if (text.startsWith(BOOK_PREFIX)) {
      const kind = this.canonicalBook(text)
      if (kind !== DEFER) return kind
      c.pos = 0
    }
    if (hasEscape(text) || !c.eat(Char.LBRACE)) return DEFER
    let kind: DeribitFrameKind | typeof DEFER = DEFER
    let notification = false
    let seen = 0
    do {
      if (!c.key()) return DEFER
      if (c.is("method")) {
        if (seen & 1 || !c.string() || !c.is("subscription")) return DEFER
        seen |= 1
        notification = true
      } else if (c.is("params")) {
        if (seen & 2) return DEFER
        seen |= 2
        kind = this.params()
        if (kind === DEFER) return DEFER
      } else if (c.is("jsonrpc")) {
        if (!c.skip()) return DEFER
      } else {
        // id, result, error, …: not a notification.
        return DEFER
      }
    } while (c.eat(Char.COMMA))
    if (!c.eat(Char.RBRACE) || !c.atEnd() || !notification) return DEFER
    return kind
  }

  /**
   * A book notification in the exact layout Deribit sends (`channel` then `data` with
   * `timestamp`, `type`, `change_id`, `instrument_name`, `bids`, `asks`, then
   * `prev_change_id` on changes; no whitespace), matched by literals. Anything else is
   * left to the key-by-key scan.
   */
  private canonicalBook(text: string): DeribitFrameKind | typeof DEFER {
    const c = this.c
    const channelEnd = text.indexOf('"', BOOK_PREFIX.length)
    if (channelEnd < 0) return DEFER
    const nameEnd = text.lastIndexOf(".", channelEnd - 1)
    if (nameEnd <= BOOK_PREFIX.length) return DEFER
    const instrument = this.resolve(text, BOOK_PREFIX.length, nameEnd)
    if (instrument === undefined) return DEFER
    c.pos = channelEnd
    if (!c.literal(DATA_TIMESTAMP)) return DEFER
    const timestamp = c.integer()
    if (Number.isNaN(timestamp)) return DEFER
    let snapshot: boolean
    if (c.literal(TYPE_CHANGE)) snapshot = false
    else if (c.literal(TYPE_SNAPSHOT)) snapshot = true
    else return DEFER
    const changeId = c.integer()
    if (Number.isNaN(changeId)) return DEFER
    if (!c.literal(INSTRUMENT_NAME)) return DEFER
    const nameClose = text.indexOf('"', c.pos)
    // The name is not interpreted; an escaped quote would end it in the wrong place.
    if (nameClose < 0 || text.charCodeAt(nameClose - 1) === Char.BACKSLASH) return DEFER
    c.pos = nameClose
    if (!c.literal(BIDS)) return DEFER
    c.pos = this.canonicalLevels(text, c.pos, BID, instrument)
    if (c.pos < 0 || !c.literal(ASKS)) return DEFER
    c.pos = this.canonicalLevels(text, c.pos, ASK, instrument)
    if (c.pos < 0) return DEFER
    let prev = -1
    if (!snapshot) {
      if (!c.literal(PREV_CHANGE_ID)) return DEFER
      prev = c.integer()
      if (!(prev >= 0)) return DEFER
    }
    if (!c.literal(END) || c.pos !== text.length) return DEFER
    const book = this.out.book
    book.instrument = instrument
    book.snapshot = snapshot
    book.changeId = changeId
    book.prevChangeId = prev
    book.timestampMs = timestamp
    return DeribitFrameKind.Book
  }

  /**
   * `[["new",price,amount],…]` without whitespace, from `i`, into one side of the book.
   * Returns the index after the closing bracket, or −1.
   */
  private canonicalLevels(text: string, i: number, side: Side, instrument: Instrument): number {
    const book = this.out.book
    if (text.charCodeAt(i) !== Char.LBRACKET) return -1
    i++
    let n = 0
    if (text.charCodeAt(i) === Char.RBRACKET) {
      book.count[side] = 0
      return i + 1
    }
    while (true) {
      if (text.charCodeAt(i) !== Char.LBRACKET || text.charCodeAt(i + 1) !== Char.QUOTE) return -1
      i += 2
      let remove = false
      if (text.startsWith(NEW, i)) i += NEW.length
      else if (text.startsWith(CHANGE, i)) i += CHANGE.length
      else if (text.startsWith(DELETE, i)) {
        i += DELETE.length
        remove = true
      } else return -1
      const priceEnd = text.indexOf(",", i)
      const price = this.units(text, i, priceEnd, instrument.priceScale)
      const amountEnd = text.indexOf("]", priceEnd + 1)
      const amount = this.units(text, priceEnd + 1, amountEnd, instrument.sizeScale)
      if (Number.isNaN(price) || Number.isNaN(amount) || amount < 0) return -1
      if (n === book.prices[side].length) book.reserve(side, n + 1)
      book.prices[side][n] = price
      book.sizes[side][n] = remove ? 0 : amount
      n++
      i = amountEnd + 1
      const next = text.charCodeAt(i++)
      if (next === Char.RBRACKET) break
      if (next !== Char.COMMA) return -1
    }
    book.count[side] = n
    return i
  }

  /**
   * The JSON number filling `text[start, end)` in units at `scale`; `NaN` when the range
   * is not exactly one valid JSON number. Plain decimals take one pass; exponent
   * notation and anything odd go through the grammar-checked cursor.
   */
  private units(text: string, start: number, end: number, scale: number): number {
    if (end < 0) return NaN
    const plain = parseUnitsAt(text, start, end, scale)
    const digit = text.charCodeAt(start) === Char.MINUS ? start + 1 : start
    // JSON forbids leading zeros ("01"), which the decimal parser accepts.
    const leadingZero = text.charCodeAt(digit) === Char.D0 && digit + 1 < end && text.charCodeAt(digit + 1) !== Char.DOT
    if (!Number.isNaN(plain) && !leadingZero) return plain
    const c = this.c
    c.pos = start
    if (!c.number() || c.end !== end) return NaN
    return numberUnitsAt(text, start, end, scale)
  }

  /** `{"channel":…,"data":…}`: `data` is decoded in place when the channel came first (as Deribit sends it). */
  private params(): DeribitFrameKind | typeof DEFER {
    const c = this.c
    let channel = 0
    let instrument: Instrument | undefined
    let dataAt = -1
    let kind: DeribitFrameKind | typeof DEFER = DEFER
    if (!c.eat(Char.LBRACE)) return DEFER
    do {
      if (!c.key()) return DEFER
      if (c.is("channel")) {
        if (channel !== 0 || !c.string()) return DEFER
        channel = parseChannel(c.text, c.start, c.end, this.range)
        instrument = channel === ChannelKind.Other ? undefined : this.resolve(c.text, this.range[0], this.range[1])
      } else if (c.is("data")) {
        if (dataAt >= 0) return DEFER
        dataAt = c.pos
        if (channel === 0 || instrument === undefined) {
          if (!c.skip()) return DEFER
        } else {
          kind = channel === ChannelKind.Book ? this.book(instrument) : this.trades(instrument)
          if (kind === DEFER) return DEFER
        }
      } else if (!c.skipUnknown()) {
        return DEFER
      }
    } while (c.eat(Char.COMMA))
    if (!c.eat(Char.RBRACE) || channel === 0 || dataAt < 0) return DEFER
    if (instrument === undefined) return DeribitFrameKind.Other
    if (kind === DEFER) {
      // `data` came before `channel`: decode it now, then continue after `params`.
      const end = c.pos
      c.pos = dataAt
      kind = channel === ChannelKind.Book ? this.book(instrument) : this.trades(instrument)
      c.pos = end
    }
    return kind
  }

  /** `{"timestamp":…,"type":…,"change_id":…,"instrument_name":…,"bids":…,"asks":…,"prev_change_id":…}`. */
  private book(instrument: Instrument): DeribitFrameKind | typeof DEFER {
    const c = this.c
    const book = this.out.book
    let type = 0
    let changeId = -1
    let prev = -1
    let timestamp = 0
    let seen = 0
    if (!c.eat(Char.LBRACE)) return DEFER
    do {
      if (!c.key()) return DEFER
      if (c.is("bids")) {
        if (!this.levels(BID, instrument)) return DEFER
        seen |= 1
      } else if (c.is("asks")) {
        if (!this.levels(ASK, instrument)) return DEFER
        seen |= 2
      } else if (c.is("change_id")) {
        changeId = c.integer()
        if (Number.isNaN(changeId)) return DEFER
        seen |= 4
      } else if (c.is("prev_change_id")) {
        prev = c.integer()
        if (Number.isNaN(prev)) return DEFER
      } else if (c.is("type")) {
        if (!c.string()) return DEFER
        type = c.is("snapshot") ? 1 : c.is("change") ? 2 : 0
      } else if (c.is("timestamp")) {
        timestamp = c.integer()
        if (Number.isNaN(timestamp)) return DEFER
      } else if (!c.skipUnknown()) {
        return DEFER
      }
    } while (c.eat(Char.COMMA))
    if (!c.eat(Char.RBRACE) || seen !== 7 || type === 0 || prev < -1 || (type === 2 && prev < 0)) return DEFER
    book.instrument = instrument
    book.snapshot = type === 1
    book.changeId = changeId
    book.prevChangeId = prev
    book.timestampMs = timestamp
    return DeribitFrameKind.Book
  }

  /** `[["new"|"change"|"delete",price,amount],…]` into one side of the book. */
  private levels(side: Side, instrument: Instrument): boolean {
    const c = this.c
    const book = this.out.book
    if (!c.eat(Char.LBRACKET)) return false
    let n = 0
    if (!c.eat(Char.RBRACKET)) {
      do {
        if (!c.eat(Char.LBRACKET) || !c.string()) return false
        const remove = c.is("delete")
        if (!remove && !c.is("new") && !c.is("change")) return false
        if (!c.eat(Char.COMMA) || !c.number()) return false
        const price = numberUnitsAt(c.text, c.start, c.end, instrument.priceScale)
        if (!c.eat(Char.COMMA) || !c.number()) return false
        const amount = numberUnitsAt(c.text, c.start, c.end, instrument.sizeScale)
        if (Number.isNaN(price) || Number.isNaN(amount) || amount < 0) return false
        while (c.eat(Char.COMMA)) if (!c.skip()) return false
        if (!c.eat(Char.RBRACKET)) return false
        if (n === book.prices[side].length) book.reserve(side, n + 1)
        book.prices[side][n] = price
        book.sizes[side][n] = remove ? 0 : amount
        n++
      } while (c.eat(Char.COMMA))
      if (!c.eat(Char.RBRACKET)) return false
    }
    book.count[side] = n
    return true
  }

  /** `[{"timestamp":…,"price":…,"direction":…,"trade_id":…,"amount":…,"starbase_timestamp":…,…},…]`. */
  private trades(instrument: Instrument): DeribitFrameKind | typeof DEFER {
    const c = this.c
    const t = this.out.trades
    if (!c.eat(Char.LBRACKET)) return DEFER
    let n = 0
    if (!c.eat(Char.RBRACKET)) {
      do {
        if (!c.eat(Char.LBRACE)) return DEFER
        t.reserve(n + 1)
        let seen = 0
        let ms = 0
        let us = -1
        if (!c.eat(Char.RBRACE)) {
          do {
            if (!c.key()) return DEFER
            if (c.is("price")) {
              if (!c.number()) return DEFER
              t.prices[n] = numberUnitsAt(c.text, c.start, c.end, instrument.priceScale)
              if (Number.isNaN(t.prices[n])) return DEFER
              seen |= 1
            } else if (c.is("amount")) {
              if (!c.number()) return DEFER
              t.sizes[n] = numberUnitsAt(c.text, c.start, c.end, instrument.sizeScale)
              if (Number.isNaN(t.sizes[n])) return DEFER
              seen |= 2
            } else if (c.is("direction")) {
              if (!c.string()) return DEFER
              if (c.is("buy")) t.sides[n] = BID
              else if (c.is("sell")) t.sides[n] = ASK
              else return DEFER
              seen |= 4
            } else if (c.is("trade_id")) {
              if (c.peek() === Char.QUOTE ? !c.string() : !c.number()) return DEFER
              t.ids[n] = c.text.slice(c.start, c.end)
              seen |= 8
            } else if (c.is("timestamp")) {
              ms = c.integer()
              if (Number.isNaN(ms)) return DEFER
              seen |= 16
            } else if (c.is("starbase_timestamp")) {
              if (!c.number()) return DEFER
              us = nanosToMicros(c.text, c.start, c.end)
            } else if (!c.skipUnknown()) {
              return DEFER
            }
          } while (c.eat(Char.COMMA))
          if (!c.eat(Char.RBRACE)) return DEFER
        }
        if (seen !== 31) return DEFER
        t.timesUs[n] = us >= 0 ? us : ms * 1000
        n++
      } while (c.eat(Char.COMMA))
      if (!c.eat(Char.RBRACKET)) return DEFER
    }
    t.instrument = instrument
    t.count = n
    t.ids.length = n
    return DeribitFrameKind.Trade
  }
}
