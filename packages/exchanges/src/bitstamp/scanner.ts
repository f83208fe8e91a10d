/**
 * The hot-path decoder for Bitstamp: a hand-written scanner over the layout Bitstamp sends
 * for diffs and trades (compact JSON, `data` first, then `channel` and `event`, keys in any
 * order), writing into the same {@link BitstampFrame} as the reference decoder, without
 * parsing to objects and without allocating per level.
 *
 * `data` comes before `channel`, but the channel says which pair (and so which scales) the
 * levels are in: the scanner finds the last `"channel":"` first, and then requires the
 * walk over the top-level keys to meet the channel key exactly there. Diffs in the exact
 * layout Bitstamp sends are read in one pass of literals and values; other key orders go
 * through the general walk over the keys.
 *
 * The scanner only accepts what it recognises exactly; anything else (control events,
 * escapes, invalid text) it declines, and {@link BitstampDecoder} hands the frame to the
 * reference decoder. Whatever the scanner accepts, the reference decodes identically —
 * the differential test holds it to that.
 *
 * @module
 */
import { type Instrument, ASK, BID } from "@hft/core"
import { Char, JsonCursor } from "../json-cursor.ts"
import { BitstampFrame, BitstampReferenceDecoder, DIFF_CHANNEL, FrameKind, type OrderBookDiff, TRADES_CHANNEL, type TradeFields } from "./codec.ts"

/** {@link BitstampScanner.scan}'s answer when the frame is not one it decodes. */
export const DECLINED = -2

const CHANNEL_KEY = '"channel":"'
const KNOWN_DIFF_START = '{"data":{"timestamp":'
const KNOWN_DIFF_END = ',"event":"data"}'

/** Scans diff and trade frames; see the module doc for what it accepts. */
export class BitstampScanner {
  private readonly instruments: ReadonlyArray<Instrument>
  private readonly c = new JsonCursor()

  /** `instruments` is read at each scan, so the owner may add to it later. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.instruments = instruments
  }

  /** Decodes `text` into `out`, or returns {@link DECLINED} (then `out` holds nothing meaningful). */
  scan(text: string, out: BitstampFrame): FrameKind | typeof DECLINED {
    const c = this.c
    const channelAt = text.lastIndexOf(CHANNEL_KEY)
    if (channelAt < 0) return DECLINED
    c.reset(text, channelAt + CHANNEL_KEY.length)
    let kind: FrameKind
    let event: string
    if (c.literal(DIFF_CHANNEL)) {
      kind = FrameKind.Diff
      event = '"data"'
    } else if (c.literal(TRADES_CHANNEL)) {
      kind = FrameKind.Trade
      event = '"trade"'
    } else {
      return DECLINED
    }
    const instrument = this.symbol()
    if (instrument === undefined) return DECLINED
    const channelEnd = c.pos
    if (kind === FrameKind.Diff && this.knownDiff(text, out.diff, instrument, channelAt, channelEnd)) {
      out.diff.instrument = instrument
      return kind
    }
    c.reset(text, 0)
    if (!c.eat(Char.LBRACE)) return DECLINED
    let data = false
    let channel = false
    let eventSeen = false
    for (;;) {
      if (!c.key()) return DECLINED
      if (c.is("data")) {
        if (data) return DECLINED
        data = true
        const ok = kind === FrameKind.Diff ? this.diff(out.diff, instrument) : this.trade(out.trade, instrument)
        if (!ok) return DECLINED
      } else if (c.is("channel")) {
        if (c.start !== channelAt + 1) return DECLINED
        c.pos = channelEnd
        channel = true
      } else if (c.is("event")) {
        if (!c.literal(event)) return DECLINED
        eventSeen = true
      } else if (!c.skipUnknown()) {
        return DECLINED
      }
      const more = c.next(Char.RBRACE)
      if (more === 0) break
      if (more < 0) return DECLINED
    }
    if (c.pos !== text.length || !data || !channel || !eventSeen) return DECLINED
    if (kind === FrameKind.Diff) out.diff.instrument = instrument
    else out.trade.instrument = instrument
    return kind
  }

  /** The followed instrument whose venue symbol ends the channel string here (the closing quote is consumed). */
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

  /**
   * The layout Bitstamp sends, read as literals and values in order:
   * `{"data":{"timestamp":"…","microtimestamp":"…","bids":[…],"asks":[…]},"channel":"…","event":"data"}`.
   * The same primitives as the general walk, so what it accepts the walk would too.
   */
  private knownDiff(text: string, diff: OrderBookDiff, instrument: Instrument, channelAt: number, channelEnd: number): boolean {
    const c = this.c
    if (channelEnd + KNOWN_DIFF_END.length !== text.length || !text.startsWith(KNOWN_DIFF_END, channelEnd)) return false
    c.reset(text, 0)
    if (!c.literal(KNOWN_DIFF_START) || !c.string() || !c.literal(',"microtimestamp":')) return false
    const mts = c.quotedUint()
    if (mts < 0 || !c.literal(',"bids":') || !c.levels(diff.bids, instrument.priceScale, instrument.sizeScale)) return false
    if (!c.literal(',"asks":') || !c.levels(diff.asks, instrument.priceScale, instrument.sizeScale)) return false
    if (!c.literal("},") || c.pos !== channelAt) return false
    diff.microtimestamp = mts
    return true
  }

  private diff(diff: OrderBookDiff, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACE)) return false
    let mts = -1
    let bids = false
    let asks = false
    for (;;) {
      if (!c.key()) return false
      if (c.is("bids")) {
        if (!c.levels(diff.bids, instrument.priceScale, instrument.sizeScale)) return false
        bids = true
      } else if (c.is("asks")) {
        if (!c.levels(diff.asks, instrument.priceScale, instrument.sizeScale)) return false
        asks = true
      } else if (c.is("microtimestamp")) {
        mts = c.quotedUint()
        if (mts < 0) return false
      } else if (!c.skipUnknown()) {
        return false
      }
      const more = c.next(Char.RBRACE)
      if (more < 0) return false
      if (more === 0) break
    }
    diff.microtimestamp = mts
    return mts >= 0 && bids && asks
  }

  private trade(trade: TradeFields, instrument: Instrument): boolean {
    const c = this.c
    if (!c.eat(Char.LBRACE)) return false
    let price = -1
    let size = -1
    let type = -1
    let mts = -1
    let idStart = -1
    let idEnd = -1
    for (;;) {
      if (!c.key()) return false
      if (c.is("price_str")) {
        price = c.decimal(instrument.priceScale)
        if (price < 0) return false
      } else if (c.is("amount_str")) {
        size = c.decimal(instrument.sizeScale)
        if (size < 0) return false
      } else if (c.is("type")) {
        const at = c.pos
        if (!c.number() || c.pos !== at + 1) return false
        type = c.text.charCodeAt(at) - Char.D0
        if (type > 1) return false
      } else if (c.is("id")) {
        if (c.text.charCodeAt(c.pos) === Char.QUOTE) {
          if (!c.string()) return false
        } else if (!c.number()) {
          return false
        }
        idStart = c.start
        idEnd = c.end
      } else if (c.is("microtimestamp")) {
        mts = c.quotedUint()
        if (mts < 0) return false
      } else if (!c.skipUnknown()) {
        return false
      }
      const more = c.next(Char.RBRACE)
      if (more < 0) return false
      if (more === 0) break
    }
    if (price < 0 || size < 0 || type < 0 || mts < 0 || idStart < 0) return false
    trade.price = price
    trade.size = size
    trade.takerSide = type === 0 ? BID : ASK
    trade.id = c.text.slice(idStart, idEnd)
    trade.microtimestamp = mts
    return true
  }
}

/** Decodes every Bitstamp frame: the scanner first, the reference decoder for whatever it declines. */
export class BitstampDecoder {
  /** Where the last frame was decoded to. */
  readonly frame = new BitstampFrame()
  private readonly scanner: BitstampScanner
  private readonly reference: BitstampReferenceDecoder

  /** `instruments` (read at each decode) are the pairs whose channels are decoded; others are `Other`. */
  constructor(instruments: ReadonlyArray<Instrument>) {
    this.scanner = new BitstampScanner(instruments)
    this.reference = new BitstampReferenceDecoder(instruments)
  }

  /** Decodes one frame into {@link frame}. */
  decode(text: string): FrameKind {
    const kind = this.scanner.scan(text, this.frame)
    return kind === DECLINED ? this.reference.decode(text, this.frame) : kind
  }
}
