/**
 * The hot-path decoder of Kraken v2 frames: a hand-written scanner over the text of
 * `book`, `trade` and `heartbeat` frames that writes integer units straight into the
 * reusable {@link DecodedFrame} — no `JSON.parse`, no objects per level, no strings
 * except trade ids.
 *
 * Book frames in Kraken's exact layout are matched literal by literal. Otherwise it
 * accepts any key order and whitespace except that `channel` must be the first key of a
 * frame and `symbol` the first key of a book or trade entry, as Kraken sends them.
 * Anything else — control frames, escapes in strings, duplicate keys, unfollowed
 * symbols, invalid JSON — is handed whole to the reference {@link KrakenDecoder}, so
 * the scanner never disagrees with it (the differential tests check that).
 *
 * @module
 */
import { type Instrument, type Side, ASK, BID } from "@hft/core"
import { DecodedFrame, type FollowedSymbols, FrameKind, KrakenDecoder } from "./codec.ts"
import { decimalUnits, rfc3339Us } from "./numbers.ts"
import { jsonNumberEnd } from "../json-cursor.ts"

/** Thrown inside the scanner when a frame is not in the shape it handles. */
const BAIL: unknown = Symbol("bail")

const CH_QUOTE = 34
const CH_BACKSLASH = 92
const CH_COMMA = 44
const CH_COLON = 58
const CH_LBRACE = 123
const CH_RBRACE = 125
const CH_LBRACKET = 91
const CH_RBRACKET = 93
const CH_0 = 48
const CH_9 = 57

const K_OTHER = 0
const K_CHANNEL = 1
const K_TYPE = 2
const K_DATA = 3
const K_SYMBOL = 4
const K_BIDS = 5
const K_ASKS = 6
const K_CHECKSUM = 7
const K_PRICE = 8
const K_QTY = 9
const K_SIDE = 10
const K_TRADE_ID = 11
const K_TIMESTAMP = 12

const BOOK = 1
const TRADE = 2
const HEARTBEAT = 3
const SNAPSHOT = 1
const UPDATE = 2
const MAX_CHECKSUM = 0xffffffff

const isDigit = (c: number): boolean => c >= CH_0 && c <= CH_9

/** Decodes Kraken v2 frames fast; see the module comment for what it hands over. */
export class KrakenScanner {
  /** Where results go (shared with the reference decoder). */
  readonly out: DecodedFrame
  /** Frames handed to the reference decoder (control frames, unusual or invalid ones). */
  fallbacks = 0
  private readonly symbols: FollowedSymbols
  private readonly reference: KrakenDecoder
  private text = ""
  private i = 0

  constructor(symbols: FollowedSymbols, out: DecodedFrame = new DecodedFrame()) {
    this.symbols = symbols
    this.out = out
    this.reference = new KrakenDecoder(symbols, out)
  }

  /** Decodes one frame; the kind says which part of {@link out} holds the result. */
  decode(text: string): FrameKind {
    this.text = text
    this.i = 0
    try {
      if (this.canonicalBook()) return FrameKind.Book
      this.i = 0
      return this.frame()
    } catch (error) {
      if (error !== BAIL) throw error
      this.fallbacks++
      return this.reference.decode(text)
    }
  }

  /**
   * The book frame exactly as Kraken lays it out — `{"channel":"book","type":"update",
   * "data":[{"symbol":…,"bids":[{"price":…,"qty":…},…],"asks":[…],"checksum":…,
   * "timestamp":"…"}]}` without whitespace — matched literal by literal. False as soon as
   * the text departs from that layout (the general scan takes over); throws BAIL only
   * for text that is not valid JSON there.
   */
  private canonicalBook(): boolean {
    const book = this.out.book
    book.reset()
    if (!this.literal('{"channel":"book","type":"')) return false
    if (this.literal('update"')) book.snapshot = false
    else if (this.literal('snapshot"')) book.snapshot = true
    else return false
    if (!this.literal(',"data":[{"symbol":"')) return false
    const text = this.text
    const start = this.i
    let i = start
    let c = text.charCodeAt(i)
    while (c !== CH_QUOTE) {
      if (c === CH_BACKSLASH || c !== c) return false
      c = text.charCodeAt(++i)
    }
    const instrument = this.symbols.at(text, start, i)
    if (instrument === undefined) return false
    book.instrument = instrument
    this.i = i
    if (!this.literal('","bids":[') || !this.canonicalLevels(BID, instrument)) return false
    if (!this.literal(',"asks":[') || !this.canonicalLevels(ASK, instrument)) return false
    if (!this.literal(',"checksum":')) return false
    book.checksum = this.uint32()
    book.hasChecksum = true
    if (!this.literal(',"timestamp":"')) return false
    i = this.i
    c = text.charCodeAt(i)
    while (c !== CH_QUOTE) {
      if (c === CH_BACKSLASH || c !== c) return false
      c = text.charCodeAt(++i)
    }
    this.i = i
    return this.literal('"}]}') && this.i === text.length
  }

  /** `{"price":…,"qty":…},…]` (after the opening bracket) in Kraken's layout. */
  private canonicalLevels(side: Side, instrument: Instrument): boolean {
    const text = this.text
    const book = this.out.book
    if (text.charCodeAt(this.i) === CH_RBRACKET) {
      this.i++
      return true
    }
    for (;;) {
      if (!this.literal('{"price":')) return false
      let start = this.number()
      const price = decimalUnits(text, start, this.i, instrument.priceScale)
      if (price !== price) throw BAIL
      if (!this.literal(',"qty":')) return false
      start = this.number()
      const qty = decimalUnits(text, start, this.i, instrument.sizeScale)
      if (qty !== qty) throw BAIL
      if (text.charCodeAt(this.i) !== CH_RBRACE) return false
      book.push(side, price, qty)
      const c = text.charCodeAt(++this.i)
      this.i++
      if (c === CH_RBRACKET) return true
      if (c !== CH_COMMA) return false
    }
  }

  /** Whether `literal` follows at the current position; moves past it if so. */
  private literal(literal: string): boolean {
    const text = this.text
    const at = this.i
    const n = literal.length
    for (let k = 0; k < n; k++) if (text.charCodeAt(at + k) !== literal.charCodeAt(k)) return false
    this.i = at + n
    return true
  }

  private frame(): FrameKind {
    this.expect(CH_LBRACE)
    if (this.key() !== K_CHANNEL) throw BAIL
    const s = this.string()
    const channel = this.is(s, "book") ? BOOK : this.is(s, "trade") ? TRADE : this.is(s, "heartbeat") ? HEARTBEAT : 0
    if (channel === 0) throw BAIL
    if (channel === BOOK) this.out.book.reset()
    else if (channel === TRADE) this.out.trades.reset()
    let type = 0
    let data = false
    while (this.more(CH_RBRACE)) {
      const key = this.key()
      if (channel !== HEARTBEAT && key === K_TYPE) {
        if (type !== 0) throw BAIL
        const v = this.string()
        type = this.is(v, "snapshot") ? SNAPSHOT : this.is(v, "update") ? UPDATE : 0
        if (type === 0) throw BAIL
      } else if (channel !== HEARTBEAT && key === K_DATA) {
        if (data) throw BAIL
        data = true
        if (channel === BOOK) this.bookData()
        else this.tradeData()
      } else if (key === K_CHANNEL) {
        throw BAIL
      } else {
        this.skipValue()
      }
    }
    this.ws()
    if (this.i !== this.text.length) throw BAIL
    if (channel === HEARTBEAT) return FrameKind.Heartbeat
    if (type === 0 || !data) throw BAIL
    if (channel === BOOK) {
      this.out.book.snapshot = type === SNAPSHOT
      return FrameKind.Book
    }
    this.out.trades.snapshot = type === SNAPSHOT
    return FrameKind.Trade
  }

  /** `[{"symbol":…,"bids":[…],"asks":[…],"checksum":…,…}]` */
  private bookData(): void {
    this.expect(CH_LBRACKET)
    this.expect(CH_LBRACE)
    const instrument = this.symbolEntry()
    const book = this.out.book
    book.instrument = instrument
    let seen = 0
    while (this.more(CH_RBRACE)) {
      const key = this.key()
      if (key === K_BIDS) {
        if ((seen & 1) !== 0) throw BAIL
        seen |= 1
        this.levels(BID, instrument)
      } else if (key === K_ASKS) {
        if ((seen & 2) !== 0) throw BAIL
        seen |= 2
        this.levels(ASK, instrument)
      } else if (key === K_CHECKSUM) {
        if ((seen & 4) !== 0) throw BAIL
        seen |= 4
        book.checksum = this.uint32()
        book.hasChecksum = true
      } else if (key === K_SYMBOL) {
        throw BAIL
      } else {
        this.skipValue()
      }
    }
    this.expect(CH_RBRACKET)
  }

  /** `"symbol":"BTC/USD"` as the first key of an entry: the followed instrument, or bail. */
  private symbolEntry(): Instrument {
    if (this.key() !== K_SYMBOL) throw BAIL
    const s = this.string()
    const instrument = this.symbols.at(this.text, s, this.i - 1)
    if (instrument === undefined) throw BAIL
    return instrument
  }

  /** `[{"price":…,"qty":…},…]` appended to one side of the book message. */
  private levels(side: Side, instrument: Instrument): void {
    this.expect(CH_LBRACKET)
    if (this.ws() === CH_RBRACKET) {
      this.i++
      return
    }
    const book = this.out.book
    const text = this.text
    do {
      this.expect(CH_LBRACE)
      let price = NaN
      let qty = NaN
      do {
        const key = this.key()
        if (key === K_PRICE) {
          if (price === price) throw BAIL
          const start = this.number()
          price = decimalUnits(text, start, this.i, instrument.priceScale)
          if (price !== price) throw BAIL
        } else if (key === K_QTY) {
          if (qty === qty) throw BAIL
          const start = this.number()
          qty = decimalUnits(text, start, this.i, instrument.sizeScale)
          if (qty !== qty) throw BAIL
        } else {
          this.skipValue()
        }
      } while (this.more(CH_RBRACE))
      if (price !== price || qty !== qty) throw BAIL
      book.push(side, price, qty)
    } while (this.more(CH_RBRACKET))
  }

  /** `[{"symbol":…,"side":…,"price":…,"qty":…,"trade_id":…,"timestamp":…},…]` */
  private tradeData(): void {
    this.expect(CH_LBRACKET)
    if (this.ws() === CH_RBRACKET) {
      this.i++
      return
    }
    const text = this.text
    do {
      this.expect(CH_LBRACE)
      const instrument = this.symbolEntry()
      let side = -1
      let price = NaN
      let qty = NaN
      let id: string | undefined
      let timeUs = NaN
      while (this.more(CH_RBRACE)) {
        const key = this.key()
        if (key === K_SIDE) {
          if (side >= 0) throw BAIL
          const v = this.string()
          side = this.is(v, "buy") ? BID : this.is(v, "sell") ? ASK : -1
          if (side < 0) throw BAIL
        } else if (key === K_PRICE) {
          if (price === price) throw BAIL
          const start = this.number()
          price = decimalUnits(text, start, this.i, instrument.priceScale)
          if (price !== price) throw BAIL
        } else if (key === K_QTY) {
          if (qty === qty) throw BAIL
          const start = this.number()
          qty = decimalUnits(text, start, this.i, instrument.sizeScale)
          if (qty !== qty) throw BAIL
        } else if (key === K_TRADE_ID) {
          if (id !== undefined) throw BAIL
          if (this.ws() === CH_QUOTE) {
            const start = this.string()
            id = text.slice(start, this.i - 1)
          } else {
            const start = this.number()
            id = text.slice(start, this.i)
          }
        } else if (key === K_TIMESTAMP) {
          if (timeUs === timeUs) throw BAIL
          const start = this.string()
          timeUs = rfc3339Us(text, start, this.i - 1)
          if (timeUs !== timeUs) throw BAIL
        } else if (key === K_SYMBOL) {
          throw BAIL
        } else {
          this.skipValue()
        }
      }
      if (side < 0 || price !== price || qty !== qty || id === undefined || timeUs !== timeUs) throw BAIL
      this.out.trades.push(instrument, side as Side, price, qty, id, timeUs)
    } while (this.more(CH_RBRACKET))
  }

  // --- lexical helpers --------------------------------------------------------------

  /** Skips whitespace; returns the character code there (NaN at the end). */
  private ws(): number {
    const text = this.text
    let i = this.i
    let c = text.charCodeAt(i)
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i)
    this.i = i
    return c
  }

  private expect(code: number): void {
    if (this.ws() !== code) throw BAIL
    this.i++
  }

  /** After a member or element: true on `,`, false on `close`. */
  private more(close: number): boolean {
    const c = this.ws()
    this.i++
    if (c === CH_COMMA) return true
    if (c === close) return false
    throw BAIL
  }

  /** Scans a string without escapes; returns the index of its first character (it ends at `this.i - 1`). */
  private string(): number {
    if (this.ws() !== CH_QUOTE) throw BAIL
    const text = this.text
    const start = this.i + 1
    let i = start
    let c = text.charCodeAt(i)
    while (c !== CH_QUOTE) {
      if (c === CH_BACKSLASH || c !== c) throw BAIL
      c = text.charCodeAt(++i)
    }
    this.i = i + 1
    return start
  }

  /** Scans an object key and its colon; returns which key it is (K_OTHER for keys the scanner skips). */
  private key(): number {
    const s = this.string()
    const text = this.text
    const c = text.charCodeAt(s)
    let key = K_OTHER
    // Dispatch on length and first character, then compare the rest.
    switch (this.i - 1 - s) {
      case 3:
        if (c === 113 && this.rest(s, "qty")) key = K_QTY
        break
      case 4:
        if (c === 116) key = this.rest(s, "type") ? K_TYPE : K_OTHER
        else if (c === 100) key = this.rest(s, "data") ? K_DATA : K_OTHER
        else if (c === 98) key = this.rest(s, "bids") ? K_BIDS : K_OTHER
        else if (c === 97) key = this.rest(s, "asks") ? K_ASKS : K_OTHER
        else if (c === 115) key = this.rest(s, "side") ? K_SIDE : K_OTHER
        break
      case 5:
        if (c === 112 && this.rest(s, "price")) key = K_PRICE
        break
      case 6:
        if (c === 115 && this.rest(s, "symbol")) key = K_SYMBOL
        break
      case 7:
        if (c === 99 && this.rest(s, "channel")) key = K_CHANNEL
        break
      case 8:
        if (c === 99) key = this.rest(s, "checksum") ? K_CHECKSUM : K_OTHER
        else if (c === 116) key = this.rest(s, "trade_id") ? K_TRADE_ID : K_OTHER
        break
      case 9:
        if (c === 116 && this.rest(s, "timestamp")) key = K_TIMESTAMP
        break
    }
    this.expect(CH_COLON)
    return key
  }

  /** Whether `text[start + 1 ..]` matches `name` after its first character (the caller checked the first and the length). */
  private rest(start: number, name: string): boolean {
    const text = this.text
    for (let k = 1; k < name.length; k++) if (text.charCodeAt(start + k) !== name.charCodeAt(k)) return false
    return true
  }

  /** Whether the string that starts at `start` and just ended is `name`. */
  private is(start: number, name: string): boolean {
    return this.i - 1 - start === name.length && this.text.charCodeAt(start) === name.charCodeAt(0) && this.rest(start, name)
  }

  /** Scans a JSON number; returns its start (it ends at `this.i`). */
  private number(): number {
    this.ws()
    const start = this.i
    const end = jsonNumberEnd(this.text, start)
    if (end < 0) throw BAIL
    this.i = end
    return start
  }


  /** Scans a number that must be a plain unsigned 32-bit integer. */
  private uint32(): number {
    const start = this.number()
    const text = this.text
    let value = 0
    for (let k = start; k < this.i; k++) {
      const c = text.charCodeAt(k)
      if (!isDigit(c)) throw BAIL
      value = value * 10 + (c - CH_0)
    }
    if (value > MAX_CHECKSUM) throw BAIL
    return value
  }

  /** Skips any JSON value, checking its syntax. */
  private skipValue(): void {
    const c = this.ws()
    if (c === CH_QUOTE) {
      this.string()
    } else if (c === CH_LBRACE) {
      this.i++
      if (this.ws() === CH_RBRACE) {
        this.i++
        return
      }
      do {
        this.string()
        this.expect(CH_COLON)
        this.skipValue()
      } while (this.more(CH_RBRACE))
    } else if (c === CH_LBRACKET) {
      this.i++
      if (this.ws() === CH_RBRACKET) {
        this.i++
        return
      }
      do this.skipValue(); while (this.more(CH_RBRACKET))
    } else if (this.text.startsWith("true", this.i)) {
      this.i += 4
    } else if (this.text.startsWith("false", this.i)) {
      this.i += 5
    } else if (this.text.startsWith("null", this.i)) {
      this.i += 4
    } else {
      this.number()
    }
  }
}
