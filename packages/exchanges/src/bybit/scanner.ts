/**
 * The hot-path decoder for Bybit: a hand-written scanner over the layout Bybit sends for
 * book and trade messages (compact JSON, `topic` before `data`, keys in any order),
 * writing into the same {@link BybitFrame} as the reference decoder, without `JSON.parse`
 * and without allocating per level. Book messages in the exact layout Bybit spot sends are
 * read in one pass of literals and values; other layouts go through the general walk over
 * the keys.
 *
 * The scanner only ever accepts what it recognises exactly; anything else (replies,
 * escapes, text that is not valid JSON) it declines, and {@link BybitDecoder} hands the
 * frame to the reference decoder. So whatever the scanner accepts, the reference decodes
 * identically — the differential test holds it to that.
 *
 * @module
 */
import { type Instrument, ASK, BID, type Side } from "@hft/core"
import { BOOK_TOPIC, type BookMessage, BybitFrame, BybitReferenceDecoder, FrameKind, TRADE_TOPIC, type TradeBatch } from "./codec.ts"
import { Char, JsonCursor } from "../json-cursor.ts"

/** {@link BybitScanner.scan}'s answer when the frame is not one it decodes. */
export const DECLINED = -2

const KNOWN_BOOK_START = `{"topic":"${BOOK_TOPIC}`

/** Scans book and trade frames; see the module doc for what it accepts. */
export class BybitScanner {
  private readonly instruments: ReadonlyArray<Instrument>
  private readonly c = new JsonCursor()

  /** `instruments` is read at each scan, so the owner may add to it later. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.instruments = instruments
  }

  /** Decodes `text` into `out`, or returns {@link DECLINED} (then `out` holds nothing meaningful). */
  scan(text: string, out: BybitFrame): FrameKind | typeof DECLINED {
    const c = this.c
    if (this.knownBook(text, out.book)) return FrameKind.Book
    c.reset(text, 0)
    if (!c.eat(Char.LBRACE)) return DECLINED
    let kind: FrameKind = FrameKind.Other
    let instrument: Instrument | undefined
    let depth = 0
    let type = -1
    let data = false
    for (;;) {
      if (!c.key()) return DECLINED
      if (c.is("topic")) {
        if (kind !== FrameKind.Other || !c.literal('"')) return DECLINED
        if (c.literal(BOOK_TOPIC)) {
          depth = c.uint()
          if (depth < 0 || depth > 999_999 || !c.literal(".")) return DECLINED
          kind = FrameKind.Book
        } else if (c.literal(TRADE_TOPIC)) {
          kind = FrameKind.Trades
        } else {
          return DECLINED
        }
        instrument = this.symbol()
        if (instrument === undefined) return DECLINED
      } else if (c.is("type")) {
        if (c.literal('"delta"')) type = 0
        else if (c.literal('"snapshot"')) type = 1
        else return DECLINED
      } else if (c.is("data")) {
        if (instrument === undefined || data) return DECLINED
        data = true
        const ok = kind === FrameKind.Book ? this.bookData(out.book, instrument) : this.tradeData(out.trades, instrument)
        if (!ok) return DECLINED
      } else if (!c.skipUnknown()) {
        return DECLINED
      }
      const more = c.next(Char.RBRACE)
      if (more === 0) break
      if (more < 0) return DECLINED
    }
    if (c.pos !== text.length || !data) return DECLINED
    if (kind === FrameKind.Book) {
      if (type < 0) return DECLINED
      const book = out.book
      book.instrument = instrument
      book.depth = depth
      book.snapshot = type === 1
      return FrameKind.Book
    }
    out.trades.instrument = instrument
    return FrameKind.Trades
  }

  /**
   * The layout Bybit spot sends, read as literals and values in order:
   * `{"topic":"orderbook.50.BTCUSDT","ts":…,"type":"delta","data":{"s":"BTCUSDT","b":[…],"a":[…],"u":…,"seq":…},"cts":…}`.
   * The same primitives as the general walk, so what it accepts the walk would too.
   */
  private knownBook(text: string, book: BookMessage): boolean {
    const c = this.c
    c.reset(text, 0)
    if (!c.literal(KNOWN_BOOK_START)) return false
    const depth = c.uint()
    if (depth < 0 || depth > 999_999 || !c.literal(".")) return false
    const instrument = this.symbol()
    if (instrument === undefined || !c.literal(',"ts":') || !c.number()) return false
    let snapshot: boolean
    if (c.literal(',"type":"delta","data":{"s":"')) snapshot = false
    else if (c.literal(',"type":"snapshot","data":{"s":"')) snapshot = true
    else return false
    if (!c.literal(instrument.venueSymbol) || !c.literal('","b":')) return false
    if (!c.levels(book.bids, instrument.priceScale, instrument.sizeScale) || !c.literal(',"a":')) return false
    if (!c.levels(book.asks, instrument.priceScale, instrument.sizeScale) || !c.literal(',"u":')) return false
    const u = c.uint()
    if (u < 0 || !c.literal(',"seq":') || !c.number() || !c.literal('},"cts":') || !c.number()) return false
    if (!c.eat(Char.RBRACE) || c.pos !== text.length) return false
    book.instrument = instrument
    book.depth = depth
    book.snapshot = snapshot
    book.updateId = u
    return true
  }

  /** The followed instrument whose venue symbol ends the topic string here (the closing quote is consumed). */
  private symbol(): Instrument | undefined {
    const c = this.c
    const list = this.instruments
    for (let i = 0; i < list.length; i++) {
      const symbol = list[i]!.venueSymbol
      if (c.text.charCodeAt(c.pos + symbol.length) === Char.QUOTE && c.text.startsWith(symbol, c.pos)) {
        c.pos += symbol.length + 1
        return list[i]
      }
    }
    return undefined
  }

  private bookData(book: BookMessage, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACE)) return false
    let bids = false
    let asks = false
    let u = false
    for (;;) {
      if (!c.key()) return false
      if (c.isChar(98 /* b */)) {
        if (!c.levels(book.bids, instrument.priceScale, instrument.sizeScale)) return false
        bids = true
      } else if (c.isChar(97 /* a */)) {
        if (!c.levels(book.asks, instrument.priceScale, instrument.sizeScale)) return false
        asks = true
      } else if (c.isChar(117 /* u */)) {
        const id = c.uint()
        if (id < 0) return false
        book.updateId = id
        u = true
      } else if (!c.skipUnknown()) {
        return false
      }
      const more = c.next(Char.RBRACE)
      if (more === 0) return bids && asks && u
      if (more < 0) return false
    }
  }

  private tradeData(batch: TradeBatch, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACKET)) return false
    batch.count = 0
    if (c.eat(Char.RBRACKET)) return true
    for (;;) {
      if (!this.trade(batch, instrument)) return false
      const more = c.next(Char.RBRACKET)
      if (more === 0) return true
      if (more < 0) return false
    }
  }

  private trade(batch: TradeBatch, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACE)) return false
    let price = -1
    let size = -1
    let time = -1
    let side = -1
    let idStart = -1
    let idEnd = -1
    for (;;) {
      if (!c.key()) return false
      if (c.isChar(112 /* p */)) {
        price = c.decimal(instrument.priceScale)
        if (price < 0) return false
      } else if (c.isChar(118 /* v */)) {
        size = c.decimal(instrument.sizeScale)
        if (size < 0) return false
      } else if (c.isChar(84 /* T */)) {
        time = c.uint()
        if (time < 0) return false
      } else if (c.isChar(83 /* S */)) {
        if (c.literal('"Buy"')) side = BID
        else if (c.literal('"Sell"')) side = ASK
        else return false
      } else if (c.isChar(105 /* i */)) {
        if (!c.string()) return false
        idStart = c.start
        idEnd = c.end
      } else if (!c.skipUnknown()) {
        return false
      }
      const more = c.next(Char.RBRACE)
      if (more === 0) break
      if (more < 0) return false
    }
    if (price < 0 || size < 0 || time < 0 || side < 0 || idStart < 0) return false
    batch.push(price, size, side as Side, time, c.text.slice(idStart, idEnd))
    return true
  }
}

/** Decodes every Bybit frame: the scanner first, the reference decoder for whatever it declines. */
export class BybitDecoder {
  /** Where the last frame was decoded to. */
  readonly frame = new BybitFrame()
  private readonly scanner: BybitScanner
  private readonly reference: BybitReferenceDecoder

  /** `instruments` (read at each decode) are the ones whose topics are decoded; others are `Other`. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.scanner = new BybitScanner(instruments)
    this.reference = new BybitReferenceDecoder(instruments)
  }

  /** Decodes one frame into {@link frame}. */
  decode(text: string): FrameKind {
    const kind = this.scanner.scan(text, this.frame)
    return kind === DECLINED ? this.reference.decode(text, this.frame) : kind
  }
}
