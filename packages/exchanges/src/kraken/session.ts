/**
 * Kraken spot WebSocket v2 market-data session logic. Everything travels over the one
 * socket: the `status` frame opens it (its `connection_id` kept exact), the `instrument`
 * channel supplies pairs and precisions, then `book` (at the subscribed depth) and
 * `trade` are subscribed for the followed pairs — one ack per symbol.
 *
 * Kraken has no sequence numbers: each book snapshot and update carries a CRC32 of the
 * venue's top 10 levels. Updates are applied in wire order, the book is truncated back to
 * the subscribed depth after every message (Kraken sends no delete for levels that fall
 * out of range), and the checksum is recomputed and compared. A mismatch (which is how a
 * lost update shows), a crossed book, or a malformed book frame invalidates the book and
 * repairs it with unsubscribe + subscribe for a fresh snapshot; a pong or a resubscription
 * that never comes ends in a reconnect.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { ChecksumCache } from "./checksum.ts"
import { type BookMessage, DecodedFrame, FollowedSymbols, FrameKind, KRAKEN_DEPTHS } from "./codec.ts"
import { parsePairs, sameInstrument } from "./instruments.ts"
import { KrakenScanner } from "./scanner.ts"

/** Book depth subscribed when none is asked for. */
const DEFAULT_DEPTH = 10
/** WebSocket path of the public v2 API. */
const WS_PATH = "/v2"
/** Interval of application pings. */
const PING_INTERVAL_US = 10_000_000
/** A ping without pong for this long means a dead connection. */
const PONG_TIMEOUT_US = 10_000_000
/** A book (re)subscription or instrument subscription that yields no snapshot for this long ends in a reconnect. */
const RESUBSCRIBE_TIMEOUT_US = 15_000_000

/** The smallest depth Kraken offers that covers `wanted` (capped at the largest). */
const krakenDepth = (wanted: number | undefined): number =>
  KRAKEN_DEPTHS.find((d) => d >= (wanted ?? DEFAULT_DEPTH)) ?? KRAKEN_DEPTHS[KRAKEN_DEPTHS.length - 1]!

/**
 * Where a book stands: `idle` before subscribing, `subscribing` until the snapshot,
 * `synced` while updates apply, `unsubscribing` while a resync waits for the
 * unsubscribe ack before subscribing again.
 */
type BookSync = "idle" | "subscribing" | "synced" | "unsubscribing"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  readonly checksum: ChecksumCache
  sync: BookSync
  /** When the current (re)subscription started (µs, from onTick), 0 when not known yet. */
  pendingSinceUs: number
}

/** The Kraken implementation of {@link VenueFeed}. */
export class KrakenFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  /** Book depth subscribed (and kept) per pair. */
  readonly depth: number
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byVenueSymbol = new Map<string, SymbolState>()
  private readonly followed = new FollowedSymbols()
  private readonly frame = new DecodedFrame()
  private readonly scanner = new KrakenScanner(this.followed, this.frame)
  private connected = false
  private connection = ""
  private nextReqId = 1
  private lastPingUs = 0
  private pendingPing = -1
  private pendingPingUs = 0
  private nowUs = 0
  /** Whether the instrument snapshot of this connection is awaited, and since when (µs; 0 = next tick). */
  private instrumentsPending = false
  private instrumentsPendingUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.depth = krakenDepth(options.depth)
  }

  /** `connection_id` of the current connection as exact decimal text ('' before the status frame). */
  connectionId(): string {
    return this.connection
  }

  start(): void {
    this.options.transport.connect(WS_PATH)
  }

  onOpen(): void {
    this.connected = true
    this.lastPingUs = this.nowUs
    this.pendingPing = -1
    this.instrumentsPending = true
    this.instrumentsPendingUs = 0
    this.send({ method: "subscribe", params: { channel: "instrument", snapshot: true } })
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    const kind = this.scanner.decode(text)
    switch (kind) {
      case FrameKind.Book:
        return this.onBook(this.frame.book, recvUs, recvMonoNs)
      case FrameKind.Trade:
        return this.onTrades(recvUs)
      case FrameKind.Heartbeat:
        return
      case FrameKind.Status:
        return this.onStatus()
      case FrameKind.Instrument:
        return this.onInstruments()
      case FrameKind.Ack:
        return this.onAck()
      case FrameKind.Pong:
        if (this.frame.control.reqId === this.pendingPing) this.pendingPing = -1
        return
      case FrameKind.Malformed:
        return this.onMalformed(text)
      default:
        return
    }
  }

  onRest(_request: RestRequest, _status: number, _body: string, _recvUs: number): void {
    // Kraken's market data needs no REST.
  }

  onClose(reason: string): void {
    this.connected = false
    this.pendingPing = -1
    for (const state of this.bySymbol.values()) {
      if (state.sync === "synced") this.stats.resyncs++
      this.invalidate(state, `disconnected: ${reason}`)
      state.sync = "idle"
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    if (!this.connected) return
    if (this.pendingPing >= 0) {
      if (nowUs - this.pendingPingUs > PONG_TIMEOUT_US) {
        this.incident({ kind: "stale", detail: `no pong to ping ${this.pendingPing} within ${PONG_TIMEOUT_US / 1e6} s` })
        this.pendingPing = -1
        return this.options.transport.reconnect("no pong")
      }
    } else if (nowUs - this.lastPingUs >= PING_INTERVAL_US) {
      this.lastPingUs = nowUs
      this.pendingPingUs = nowUs
      this.pendingPing = this.send({ method: "ping" })
    }
    if (this.instrumentsPending) {
      if (this.instrumentsPendingUs === 0) this.instrumentsPendingUs = nowUs
      else if (nowUs - this.instrumentsPendingUs > RESUBSCRIBE_TIMEOUT_US) {
        this.incident({ kind: "stale", detail: "no instrument snapshot" })
        return this.options.transport.reconnect("no instrument snapshot")
      }
    }
    for (const state of this.bySymbol.values()) {
      if (state.sync !== "subscribing" && state.sync !== "unsubscribing") continue
      if (state.pendingSinceUs === 0) state.pendingSinceUs = nowUs
      else if (nowUs - state.pendingSinceUs > RESUBSCRIBE_TIMEOUT_US) {
        this.incident({ kind: "stale", symbol: state.instrument.symbol, detail: "book subscription produced no snapshot" })
        return this.options.transport.reconnect(`no book snapshot for ${state.instrument.symbol}`)
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

  // --- control plane ------------------------------------------------------------------

  private send(request: { method: string; params?: object }): number {
    const reqId = this.nextReqId++
    this.options.transport.send(JSON.stringify({ ...request, req_id: reqId }))
    return reqId
  }

  private onStatus(): void {
    const { connectionId, system } = this.frame.control
    this.connection = connectionId
    if (system !== "" && system !== "online") this.incident({ kind: "info", detail: `Kraken system status: ${system}` })
  }

  private onInstruments(): void {
    const control = this.frame.control
    const { instruments, problems } = parsePairs(control.pairs)
    const known = new Map((control.snapshot ? [] : (this.table?.all ?? [])).map((i) => [i.venueSymbol, i]))
    for (const instrument of instruments) known.set(instrument.venueSymbol, instrument)
    this.table = new InstrumentTable([...known.values()])
    if (!control.snapshot) return this.onInstrumentUpdate(instruments)
    this.instrumentsPending = false
    for (const problem of problems) this.incident({ kind: "info", detail: `instrument list: ${problem}` })
    const subscribe: Array<string> = []
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Kraken does not list ${symbol}` })
        continue
      }
      let state = this.bySymbol.get(symbol)
      if (state === undefined || !sameInstrument(state.instrument, instrument)) {
        if (state !== undefined) this.byVenueSymbol.delete(state.instrument.venueSymbol)
        state = this.makeState(instrument)
      }
      if (state.sync !== "idle") continue
      state.sync = "subscribing"
      state.pendingSinceUs = 0
      subscribe.push(instrument.venueSymbol)
    }
    if (subscribe.length === 0) return
    this.send({ method: "subscribe", params: { channel: "book", symbol: subscribe, depth: this.depth, snapshot: true } })
    this.send({ method: "subscribe", params: { channel: "trade", symbol: subscribe, snapshot: false } })
  }

  private makeState(instrument: Instrument): SymbolState {
    const book = new OrderBook(this.depth + 1)
    const state: SymbolState = {
      instrument,
      book,
      update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
      trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
      checksum: new ChecksumCache(),
      sync: "idle",
      pendingSinceUs: 0
    }
    this.bySymbol.set(instrument.symbol, state)
    this.byVenueSymbol.set(instrument.venueSymbol, state)
    this.followed.set(instrument)
    return state
  }

  /** A followed pair whose definition changed mid-connection: start over with the new one. */
  private onInstrumentUpdate(changed: ReadonlyArray<Instrument>): void {
    for (const instrument of changed) {
      const state = this.byVenueSymbol.get(instrument.venueSymbol)
      if (state === undefined || sameInstrument(state.instrument, instrument)) continue
      this.incident({ kind: "venue-reset", symbol: state.instrument.symbol, detail: "pair definition changed: reconnecting" })
      return this.options.transport.reconnect(`instrument ${instrument.venueSymbol} changed`)
    }
  }

  private onAck(): void {
    const { method, success, channel, symbol, error } = this.frame.control
    const state = this.byVenueSymbol.get(symbol)
    if (!success) {
      this.incident({ kind: "rejected", ...(state === undefined ? {} : { symbol: state.instrument.symbol }), detail: `${method} ${channel} ${symbol}: ${error}` })
    }
    // Whether the unsubscribe worked or not (nothing to unsubscribe), subscribe afresh.
    if (method === "unsubscribe" && state?.sync === "unsubscribing") this.subscribeBook(state)
  }

  private subscribeBook(state: SymbolState): void {
    state.sync = "subscribing"
    state.pendingSinceUs = 0
    this.send({ method: "subscribe", params: { channel: "book", symbol: [state.instrument.venueSymbol], depth: this.depth, snapshot: true } })
  }

  /** Invalidates the book and asks for a fresh snapshot: unsubscribe, then subscribe on the ack. */
  private resync(state: SymbolState, reason: string): void {
    this.invalidate(state, reason)
    this.stats.resyncs++
    if (!this.connected || state.sync === "unsubscribing") return
    state.sync = "unsubscribing"
    state.pendingSinceUs = 0
    this.send({ method: "unsubscribe", params: { channel: "book", symbol: [state.instrument.venueSymbol], depth: this.depth } })
  }

  private invalidate(state: SymbolState, reason: string): void {
    state.book.clear()
    if (state.sync !== "synced") return
    state.sync = "subscribing"
    this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  /**
   * A frame that could not be decoded. Its start usually still names the channel and
   * symbol; a lost book frame can leave the book wrong, so that book (or every book, when
   * the frame cannot be attributed) is resynchronised.
   */
  private onMalformed(text: string): void {
    this.stats.malformed++
    this.incident({ kind: "malformed", detail: `${this.frame.error}: ${text.slice(0, 120)}` })
    const channel = /"channel"\s*:\s*"([^"]*)"/.exec(text)?.[1]
    if (channel !== undefined && channel !== "book") return
    const symbol = /"symbol"\s*:\s*"([^"]*)"/.exec(text)?.[1]
    const state = symbol === undefined ? undefined : this.byVenueSymbol.get(symbol)
    const affected = channel === "book" && state !== undefined ? [state] : [...this.bySymbol.values()]
    for (const s of affected) if (s.sync === "synced") this.resync(s, "malformed frame")
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }

  // --- hot path -----------------------------------------------------------------------

  private onBook(msg: BookMessage, recvUs: number, recvMonoNs: number): void {
    const state = this.byVenueSymbol.get(msg.instrument!.venueSymbol)!
    const book = state.book
    if (msg.snapshot) {
      // A snapshot for a subscription being torn down is stale; the next one will follow.
      if (state.sync === "unsubscribing") return
      book.clear()
    } else if (state.sync !== "synced") {
      return
    }
    const bids = book.bids
    const asks = book.asks
    for (let i = 0; i < msg.bidCount; i++) bids.set(msg.bidPrices[i]!, msg.bidSizes[i]!)
    for (let i = 0; i < msg.askCount; i++) asks.set(msg.askPrices[i]!, msg.askSizes[i]!)
    book.truncate(this.depth)
    if (msg.hasChecksum) {
      const computed = state.checksum.of(book)
      if (computed !== msg.checksum) return this.checksumMismatch(state, msg.checksum, computed)
    }
    state.sync = "synced"
    if (book.isCrossed()) {
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after update: resynchronising" })
      return this.resync(state, "crossed book")
    }
    this.stats.bookUpdates++
    const update = state.update
    update.recvUs = recvUs
    update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(update)
  }

  private checksumMismatch(state: SymbolState, expected: number, computed: number): void {
    this.stats.checksumFailures++
    this.incident({ kind: "checksum", symbol: state.instrument.symbol, detail: `Kraken sent ${expected}, book gives ${computed}` })
    this.resync(state, "checksum mismatch")
  }

  private onTrades(recvUs: number): void {
    const trades = this.frame.trades
    // A snapshot is history from before we subscribed, not new prints.
    if (trades.snapshot) return
    for (let i = 0; i < trades.count; i++) {
      const out = this.byVenueSymbol.get(trades.instruments[i]!.venueSymbol)!.trade
      out.price = trades.prices[i]!
      out.size = trades.sizes[i]!
      out.takerSide = trades.sides[i]!
      out.id = trades.ids[i]!
      out.exchangeUs = trades.timesUs[i]!
      out.recvUs = recvUs
      this.stats.trades++
      this.options.listener.onTrade(out)
    }
  }
}
