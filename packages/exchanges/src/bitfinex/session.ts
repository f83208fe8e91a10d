/**
 * Bitfinex WebSocket v2 market-data session logic.
 *
 * - Instruments from the configuration endpoint (see `instruments.ts`).
 * - On connect: `conf` with checksum (131072) and `SEQ_ALL` (65536), then per instrument
 *   a P0/F0/len 25 `book` and a `trades` subscription; `subscribed` events map channel
 *   ids to instruments (whoever sent the subscription: a replay works the same).
 * - Sequencing: with `SEQ_ALL` every data frame ends with a sequence number that counts
 *   up by one per frame across the whole connection. A jump is a gap somewhere on the
 *   connection: every book is invalidated and resubscribed (unsubscribe, wait for
 *   `unsubscribed`, subscribe, new snapshot). A malformed frame consumed a number too and
 *   is handled the same way at once.
 * - Books: snapshot then one level per frame; COUNT 0 deletes (AMOUNT ±1 names the
 *   side), otherwise AMOUNT's sign is the side and |AMOUNT| the size. At most 25 levels
 *   per side are kept, the venue's window. A crossed book is resynchronised.
 * - Checksum `[CHAN_ID,"cs",CRC]`: the top 25 levels with their texts as received; a
 *   mismatch resubscribes that book.
 * - Trades: `te` then `tu` for the same trade: delivered once (by id); the AMOUNT sign is
 *   the taker side. The trades sent on subscribing are history and are not delivered.
 * - Info 20051 (server restart) reconnects; 20060 (maintenance) invalidates the books
 *   until 20061, which resubscribes them. A subscription step that stalls (its event
 *   lost) reconnects after {@link STEP_TIMEOUT_US}.
 *
 * Keep-alive: the venue sends `hb` on idle channels every 15 s; it needs no client ping,
 * and the session's stale-feed check catches a dead socket.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, ASK, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { LevelTexts, truncateSide } from "../level-texts.ts"
import { BITFINEX_BOOK_DEPTH, bitfinexChecksum } from "./checksum.ts"
import { type BitfinexChannel, BitfinexDecoder, BitfinexFrameKind } from "./codec.ts"
import { BITFINEX_CONF_PATH, parseBitfinexConf } from "./instruments.ts"

/** `conf` flags: checksums (131072) and sequence numbers on every message (65536). */
export const BITFINEX_CONF_FLAGS = 131072 + 65536
/** A subscription step (subscribe, snapshot, unsubscribe) that takes longer than this reconnects. */
const STEP_TIMEOUT_US = 10_000_000
/** Recent trade ids remembered to drop the `tu` that repeats a `te`. */
const RECENT_TRADES = 64

/** Info codes. */
const INFO_RESTART = 20051
const INFO_MAINTENANCE_START = 20060
const INFO_MAINTENANCE_END = 20061

type BookSync = "idle" | "subscribing" | "snapshot" | "synced" | "unsubscribing" | "maintenance"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly texts: LevelTexts
  readonly update: BookUpdate
  readonly trade: TradePrint
  sync: BookSync
  /** When the current subscription step began (µs). */
  stepSinceUs: number
  /** Channel id of the book subscription, −1 when there is none. */
  bookChanId: number
  readonly recentTrades: Array<string>
  recentNext: number
}

interface Channel extends BitfinexChannel {
  readonly state: SymbolState
}

/** The Bitfinex implementation of {@link VenueFeed}. */
export class BitfinexFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byVenueSymbol = new Map<string, SymbolState>()
  private readonly channels = new Map<number, Channel>()
  private readonly decoder: BitfinexDecoder
  private metadataRequested = false
  private connected = false
  /** Sequence number of the last data frame on this connection, −1 before the first. */
  private lastSeq = -1
  private nowUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.decoder = new BitfinexDecoder((chanId) => this.channels.get(chanId))
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: BITFINEX_CONF_PATH })
  }

  onOpen(): void {
    this.connected = true
    this.lastSeq = -1
    this.channels.clear()
    this.send({ event: "conf", flags: BITFINEX_CONF_FLAGS })
    for (const state of this.bySymbol.values()) {
      this.subscribeBook(state)
      this.send({ event: "subscribe", channel: "trades", symbol: state.instrument.venueSymbol })
    }
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.nowUs = recvUs
    const kind = this.decoder.decode(text)
    if (kind === BitfinexFrameKind.Malformed) {
      this.stats.malformed++
      this.incident({ kind: "malformed", detail: `${this.decoder.error}: ${text.slice(0, 120)}` })
      // Whatever the frame was, it used up a sequence number: the books may miss it.
      this.lastSeq = -1
      return this.resyncAll("malformed frame")
    }
    if (kind === BitfinexFrameKind.Event) return this.onEvent(this.decoder.frame.event)
    const frame = this.decoder.frame
    if (frame.seq < 0) {
      this.stats.malformed++
      this.incident({ kind: "malformed", detail: `data frame without a sequence number (SEQ_ALL not in effect): ${text.slice(0, 120)}` })
      return this.options.transport.reconnect("frames lack sequence numbers")
    }
    if (this.lastSeq >= 0 && frame.seq !== this.lastSeq + 1) {
      this.stats.gaps++
      this.incident({ kind: "gap", detail: `expected sequence ${this.lastSeq + 1}, got ${frame.seq}` })
      this.resyncAll("sequence gap")
    }
    this.lastSeq = frame.seq
    const channel = this.channels.get(frame.chanId)
    if (channel === undefined) return
    switch (kind) {
      case BitfinexFrameKind.BookSnapshot:
        return this.onBookSnapshot(channel.state, frame.chanId, recvUs, recvMonoNs)
      case BitfinexFrameKind.BookUpdate:
        return this.onBookUpdate(channel.state, frame.chanId, recvUs, recvMonoNs)
      case BitfinexFrameKind.Checksum:
        return this.onChecksum(channel.state, frame.chanId, frame.checksum)
      case BitfinexFrameKind.Trade:
        return this.onTrade(channel.state, recvUs)
      case BitfinexFrameKind.TradeSnapshot:
        for (let i = 0; i < frame.snapshotTradeCount; i++) this.remember(channel.state, frame.snapshotTradeIds[i]!)
        return
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path.startsWith("/v2/conf/")) this.onConf(status, body)
  }

  onClose(reason: string): void {
    this.connected = false
    this.channels.clear()
    this.lastSeq = -1
    for (const state of this.bySymbol.values()) {
      this.invalidate(state, `disconnected: ${reason}`, false)
      state.sync = "idle"
      state.bookChanId = -1
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    // The instrument list failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) this.start()
    if (!this.connected) return
    for (const state of this.bySymbol.values()) {
      const waiting = state.sync === "subscribing" || state.sync === "snapshot" || state.sync === "unsubscribing"
      if (waiting && nowUs - state.stepSinceUs > STEP_TIMEOUT_US) {
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: `book subscription stuck in ${state.sync}: reconnecting` })
        return this.options.transport.reconnect(`${state.instrument.symbol} book subscription stuck in ${state.sync}`)
      }
    }
  }

  instruments(): InstrumentTable | undefined {
    return this.table
  }

  book(symbol: string): OrderBook | undefined {
    const state = this.bySymbol.get(symbol)
    return state?.sync === "synced" ? state.book : undefined
  }

  instrument(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol)?.instrument
  }

  private onConf(status: number, body: string): void {
    if (status !== 200) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `configuration HTTP ${status}: ${body.slice(0, 200)}` })
    }
    let instruments: Array<Instrument>
    try {
      instruments = parseBitfinexConf(body)
    } catch (error) {
      this.metadataRequested = false
      return this.incident({ kind: "malformed", detail: `configuration: ${(error as Error).message}` })
    }
    this.table = new InstrumentTable(instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Bitfinex does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook(64)
      const state: SymbolState = {
        instrument,
        book,
        texts: new LevelTexts(),
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        sync: "idle",
        stepSinceUs: 0,
        bookChanId: -1,
        recentTrades: [],
        recentNext: 0
      }
      this.bySymbol.set(symbol, state)
      this.byVenueSymbol.set(instrument.venueSymbol, state)
    }
    this.options.transport.connect("/ws/2")
  }

  private onEvent(event: Record<string, unknown>): void {
    switch (event["event"]) {
      case "info":
        return this.onInfo(event)
      case "conf":
        if (event["status"] === "OK") return
        this.incident({ kind: "rejected", detail: `conf flags refused: ${JSON.stringify(event)}` })
        return this.options.transport.reconnect("conf flags refused")
      case "subscribed":
        return this.onSubscribed(event)
      case "unsubscribed":
        return this.onUnsubscribed(event)
      case "error":
        return this.incident({ kind: "rejected", detail: `error ${String(event["code"])}: ${String(event["msg"])}` })
      default:
        return
    }
  }

  private onInfo(event: Record<string, unknown>): void {
    const code = event["code"]
    if (code === INFO_RESTART) {
      this.incident({ kind: "venue-reset", detail: "server restarting (info 20051)" })
      return this.options.transport.reconnect("Bitfinex server restart (info 20051)")
    }
    if (code === INFO_MAINTENANCE_START) {
      this.incident({ kind: "venue-reset", detail: "maintenance started (info 20060): books paused" })
      for (const state of this.bySymbol.values()) {
        this.invalidate(state, "venue maintenance", true)
        state.sync = "maintenance"
      }
      return
    }
    if (code === INFO_MAINTENANCE_END) {
      this.incident({ kind: "venue-reset", detail: "maintenance ended (info 20061): resubscribing" })
      return this.resyncAll("venue maintenance ended")
    }
    if (code !== undefined) return
    if (event["version"] !== 2) this.incident({ kind: "rejected", detail: `unexpected API version: ${JSON.stringify(event)}` })
    const platform = event["platform"] as { status?: unknown } | undefined
    if (platform?.status === 0) this.incident({ kind: "venue-reset", detail: "platform in maintenance (info platform.status 0)" })
  }

  private onSubscribed(event: Record<string, unknown>): void {
    const chanId = event["chanId"]
    const symbol = event["symbol"]
    const state = typeof symbol === "string" ? this.byVenueSymbol.get(symbol) : undefined
    if (state === undefined || typeof chanId !== "number") return
    if (event["channel"] === "book") {
      this.channels.set(chanId, { kind: "book", instrument: state.instrument, state })
      state.bookChanId = chanId
      state.sync = "snapshot"
      state.stepSinceUs = this.nowUs
    } else if (event["channel"] === "trades") {
      this.channels.set(chanId, { kind: "trades", instrument: state.instrument, state })
    }
  }

  private onUnsubscribed(event: Record<string, unknown>): void {
    const chanId = event["chanId"]
    if (typeof chanId !== "number") return
    const channel = this.channels.get(chanId)
    this.channels.delete(chanId)
    if (channel?.kind !== "book" || channel.state.bookChanId !== chanId) return
    const state = channel.state
    state.bookChanId = -1
    if (state.sync === "unsubscribing") this.subscribeBook(state)
  }

  private onBookSnapshot(state: SymbolState, chanId: number, recvUs: number, recvMonoNs: number): void {
    if (state.sync !== "snapshot" || state.bookChanId !== chanId) return
    const levels = this.decoder.frame.levels
    const book = state.book
    const texts = state.texts
    book.clear()
    texts.clear()
    for (let i = 0; i < levels.count; i++) {
      const amount = levels.amounts[i]!
      if (levels.counts[i] === 0) continue
      const side = amount > 0 ? BID : ASK
      const price = levels.prices[i]!
      book.setLevel(side, price, Math.abs(amount))
      texts.side(side).set(price, levels.priceTexts[i]!, levels.amountTexts[i]!)
    }
    truncateSide(book.bids, texts.bids, BITFINEX_BOOK_DEPTH)
    truncateSide(book.asks, texts.asks, BITFINEX_BOOK_DEPTH)
    state.sync = "synced"
    this.stats.bookUpdates++
    if (book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private onBookUpdate(state: SymbolState, chanId: number, recvUs: number, recvMonoNs: number): void {
    if (state.sync !== "synced" || state.bookChanId !== chanId) return
    const f = this.decoder.frame
    const side = f.amount > 0 ? BID : ASK
    const levels = side === BID ? state.book.bids : state.book.asks
    const texts = side === BID ? state.texts.bids : state.texts.asks
    if (f.count === 0) {
      levels.set(f.price, 0)
      texts.delete(f.price)
    } else {
      levels.set(f.price, Math.abs(f.amount))
      texts.set(f.price, f.priceText, f.amountText)
      if (levels.count > BITFINEX_BOOK_DEPTH) truncateSide(levels, texts, BITFINEX_BOOK_DEPTH)
    }
    this.stats.bookUpdates++
    if (state.book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private onChecksum(state: SymbolState, chanId: number, expected: number): void {
    if (state.sync !== "synced" || state.bookChanId !== chanId) return
    const actual = bitfinexChecksum(state.book, state.texts)
    if (actual === expected) return
    this.stats.checksumFailures++
    this.incident({ kind: "checksum", symbol: state.instrument.symbol, detail: `venue ${expected}, local ${String(actual)}` })
    this.resyncBook(state, "checksum mismatch")
  }

  private onTrade(state: SymbolState, recvUs: number): void {
    const f = this.decoder.frame
    if (!this.remember(state, f.tradeId)) return
    const out = state.trade
    out.price = f.tradePrice
    out.size = Math.abs(f.tradeAmount)
    out.takerSide = f.tradeAmount > 0 ? BID : ASK
    out.id = f.tradeId
    out.exchangeUs = f.tradeMs * 1000
    out.recvUs = recvUs
    this.stats.trades++
    this.options.listener.onTrade(out)
  }

  /** Records a trade id; false when it was already seen. */
  private remember(state: SymbolState, id: string): boolean {
    const recent = state.recentTrades
    for (let i = 0; i < recent.length; i++) if (recent[i] === id) return false
    recent[state.recentNext] = id
    state.recentNext = (state.recentNext + 1) % RECENT_TRADES
    return true
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private subscribeBook(state: SymbolState): void {
    state.sync = "subscribing"
    state.stepSinceUs = this.nowUs
    this.send({ event: "subscribe", channel: "book", symbol: state.instrument.venueSymbol, prec: "P0", freq: "F0", len: String(BITFINEX_BOOK_DEPTH) })
  }

  /** Drops a book and asks for a fresh snapshot: unsubscribe, then subscribe on `unsubscribed`. */
  private resyncBook(state: SymbolState, reason: string): void {
    this.invalidate(state, reason, true)
    if (!this.connected) return
    if (state.bookChanId >= 0) {
      state.sync = "unsubscribing"
      state.stepSinceUs = this.nowUs
      this.send({ event: "unsubscribe", chanId: state.bookChanId })
    } else if (state.sync === "idle" || state.sync === "maintenance" || state.sync === "synced") {
      this.subscribeBook(state)
    }
  }

  private resyncAll(reason: string): void {
    for (const state of this.bySymbol.values()) if (state.sync !== "unsubscribing") this.resyncBook(state, reason)
  }

  private crossed(state: SymbolState): void {
    this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after update: resynchronising" })
    this.resyncBook(state, "crossed book")
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.book.clear()
    state.texts.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private send(message: object): void {
    this.options.transport.send(JSON.stringify(message))
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
