/**
 * OKX v5 public market-data session logic: instrument list, `books` + `trades`
 * subscriptions, text `ping` keep-alive, and the `seqId`/`prevSeqId` chain of the
 * `books` channel in both snapshot modes:
 *
 * - WS snapshot (today): the first push after subscribing is `action: "snapshot"`;
 * - REST snapshot (announced removal of the WS snapshot): when the first push is an
 *   update, buffer updates, fetch `GET /api/v5/market/books?…&source=0` (it has a
 *   `seqId`), drop updates with `seqId <= snapshot.seqId`, and require the first one
 *   applied to satisfy `prevSeqId <= snapshot.seqId < seqId`.
 *
 * Afterwards every update's `prevSeqId` must equal the last applied `seqId` (ids are not
 * contiguous, an idle update repeats the id, a reset after maintenance goes lower). A
 * mismatch, a crossed book or a non-zero checksum that does not verify invalidates the
 * book and resubscribes the channel (unsubscribe + subscribe).
 *
 * @module
 */
import { type BookUpdate, type Instrument, type Side, type TradePrint, ASK, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { LevelTexts } from "../level-texts.ts"
import { okxChecksum } from "./checksum.ts"
import { type BookMessage, OKX_BOOK_DEPTH, OkxFrameKind, decodeRestBook } from "./codec.ts"
import { OKX_INSTRUMENTS_PATH, parseOkxInstruments } from "./instruments.ts"
import { OkxScanner } from "./scanner.ts"

/** Send `ping` when nothing arrived for this long (OKX drops a connection silent for 30 s). */
export const PING_AFTER_US = 20_000_000
/** A book not in sync this long (after connecting or starting a resync): reconnect. */
const RESYNC_TIMEOUT_US = 15_000_000
/** Updates buffered while a REST snapshot is awaited before starting over. */
const MAX_BUFFERED = 10_000
/** WebSocket path of public market data. */
export const OKX_WS_PATH = "/ws/v5/public"

type SyncState =
  /** Waiting for the `books` subscribe ack (after connect or a resubscribe); pushes in flight are ignored. */
  | "subscribing"
  /** Subscribed; the first push tells the snapshot mode. */
  | "awaiting-first"
  /** Buffering updates until the REST snapshot arrives. */
  | "awaiting-rest"
  | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  sync: SyncState
  /** `seqId` of the last message applied. */
  lastSeqId: number
  /** Set after a REST snapshot until the first update is applied (the straddle rule applies). */
  firstAfterRest: boolean
  buffer: Array<BookMessage>
  restInFlight: boolean
  /** Raw level texts for checksum verification, while the venue sends non-zero checksums. */
  texts: LevelTexts | undefined
  /** When the current resync started (µs), 0 when synced. */
  resyncSinceUs: number
}

/** Applies one side of a message to the book (and to the level texts when checksums are verified). */
const applySide = (book: OrderBook, msg: BookMessage, side: Side, texts: LevelTexts | undefined): void => {
  const bookSide = book.side(side)
  const prices = msg.prices[side]
  const sizes = msg.sizes[side]
  const n = msg.count[side]
  for (let i = 0; i < n; i++) bookSide.set(prices[i]!, sizes[i]!)
  if (texts !== undefined) {
    for (let i = 0; i < n; i++) texts.set(side, prices[i]!, sizes[i]!, msg.priceText(side, i), msg.sizeText(side, i))
  }
}

/** The OKX implementation of {@link VenueFeed}. */
export class OkxFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  /** Followed instruments, for the allocation-free instId lookup. */
  private states: Array<SymbolState> = []
  private readonly decoder: OkxScanner
  private requestId = 1
  private metadataRequested = false
  private connected = false
  private lastRecvUs = 0
  private lastPingUs = 0
  private nowUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.decoder = new OkxScanner((text, start, end) => this.stateAt(text, start, end)?.instrument)
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: OKX_INSTRUMENTS_PATH })
  }

  onOpen(): void {
    this.connected = true
    this.lastRecvUs = this.nowUs
    for (const state of this.states) {
      state.sync = "subscribing"
      state.resyncSinceUs = 0
    }
    const args = this.states.flatMap((s) => [
      { channel: "books", instId: s.instrument.venueSymbol },
      { channel: "trades", instId: s.instrument.venueSymbol }
    ])
    if (args.length > 0) this.send("subscribe", args)
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.lastRecvUs = recvUs
    this.nowUs = recvUs
    const out = this.decoder.out
    switch (this.decoder.decode(text)) {
      case OkxFrameKind.Book:
        return this.onBook(out.book, recvUs, recvMonoNs)
      case OkxFrameKind.Trade:
        return this.onTrades(recvUs)
      case OkxFrameKind.Ack:
        return this.onAck(out.event, out.eventChannel, out.eventInstId)
      case OkxFrameKind.Error:
        return this.incident({ kind: "rejected", detail: out.error })
      case OkxFrameKind.Notice:
        this.incident({ kind: "info", detail: out.error })
        // 64008: "The connection will soon be closed for a service upgrade."
        if (out.errorCode === "64008") this.options.transport.reconnect("OKX service upgrade notice")
        return
      case OkxFrameKind.Malformed:
        this.stats.malformed++
        return this.incident({ kind: "malformed", detail: `${out.error}: ${text.slice(0, 120)}` })
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path === OKX_INSTRUMENTS_PATH) return this.onInstruments(status, body)
    if (request.path.startsWith("/api/v5/market/books?")) {
      const instId = new URLSearchParams(request.path.slice(request.path.indexOf("?") + 1)).get("instId") ?? ""
      const state = this.stateAt(instId, 0, instId.length)
      if (state !== undefined) this.onRestSnapshot(state, status, body)
    }
  }

  onClose(reason: string): void {
    this.connected = false
    for (const state of this.states) {
      this.invalidate(state, `disconnected: ${reason}`, false)
      state.sync = "subscribing"
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    if (this.table === undefined && !this.metadataRequested) this.start()
    if (!this.connected) return
    if (nowUs - Math.max(this.lastRecvUs, this.lastPingUs) >= PING_AFTER_US) {
      this.lastPingUs = nowUs
      this.options.transport.send("ping")
    }
    for (const state of this.states) {
      if (state.sync === "synced") continue
      if (state.resyncSinceUs === 0) state.resyncSinceUs = nowUs
      else if (nowUs - state.resyncSinceUs > RESYNC_TIMEOUT_US) {
        state.resyncSinceUs = 0
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "book not resynchronised in time: reconnecting" })
        this.options.transport.reconnect(`OKX ${state.instrument.venueSymbol} resync timed out`)
        return
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

  /** The followed instrument whose instId is `text[start, end)`. */
  private stateAt(text: string, start: number, end: number): SymbolState | undefined {
    const states = this.states
    for (let i = 0; i < states.length; i++) {
      const id = states[i]!.instrument.venueSymbol
      if (id.length === end - start && text.startsWith(id, start)) return states[i]
    }
    return undefined
  }

  private send(op: "subscribe" | "unsubscribe", args: ReadonlyArray<{ channel: string; instId: string }>): void {
    this.options.transport.send(JSON.stringify({ id: String(this.requestId++), op, args }))
  }

  private onInstruments(status: number, body: string): void {
    let instruments: Array<Instrument>
    try {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
      instruments = parseOkxInstruments(body)
    } catch (error) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `instruments: ${(error as Error).message}` })
    }
    this.table = new InstrumentTable(instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `OKX does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook()
      const state: SymbolState = {
        instrument,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        sync: "subscribing",
        lastSeqId: 0,
        firstAfterRest: false,
        buffer: [],
        restInFlight: false,
        texts: undefined,
        resyncSinceUs: 0
      }
      this.bySymbol.set(symbol, state)
    }
    this.states = [...this.bySymbol.values()]
    this.options.transport.connect(OKX_WS_PATH)
  }

  private onAck(event: string, channel: string, instId: string): void {
    if (event !== "subscribe" || channel !== "books") return
    const state = this.stateAt(instId, 0, instId.length)
    if (state?.sync === "subscribing") state.sync = "awaiting-first"
  }

  private onBook(msg: BookMessage, recvUs: number, recvMonoNs: number): void {
    const state = this.stateAt(msg.instrument!.venueSymbol, 0, msg.instrument!.venueSymbol.length)!
    if (state.sync === "subscribing") return
    if (msg.snapshot) return this.onWsSnapshot(state, msg, recvUs, recvMonoNs)
    switch (state.sync) {
      case "awaiting-first":
        // No WS snapshot: the venue expects a REST snapshot.
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "no WS snapshot: synchronising from REST" })
        state.buffer.push(msg.copy())
        return this.requestRestSnapshot(state)
      case "awaiting-rest":
        if (state.buffer.length >= MAX_BUFFERED) {
          this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "REST snapshot too slow: buffer full, starting over" })
          state.buffer = []
        }
        state.buffer.push(msg.copy())
        return
      default:
        break
    }
    if (state.firstAfterRest) {
      if (msg.seqId <= state.lastSeqId) return
      if (msg.prevSeqId > state.lastSeqId) return this.gap(state, msg)
      state.firstAfterRest = false
    } else if (msg.prevSeqId !== state.lastSeqId) {
      return this.gap(state, msg)
    }
    if (!this.apply(state, msg)) return
    if (msg.count[BID] + msg.count[ASK] > 0) this.publish(state, recvUs, recvMonoNs)
  }

  private onWsSnapshot(state: SymbolState, msg: BookMessage, recvUs: number, recvMonoNs: number): void {
    state.buffer = []
    state.firstAfterRest = false
    state.texts = new LevelTexts()
    state.book.clear()
    if (!this.apply(state, msg)) return
    this.publish(state, recvUs, recvMonoNs)
  }

  /**
   * Applies a snapshot or an update, verifies the checksum when the venue sends one,
   * and checks the book is not crossed. Returns false when it resynchronised instead.
   */
  private apply(state: SymbolState, msg: BookMessage): boolean {
    const book = state.book
    let texts = state.texts
    if (msg.checksum === 0) {
      // No checksum (OKX deprecated it): stop keeping level texts.
      texts = state.texts = undefined
    } else if (texts === undefined) {
      this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "checksums appeared mid-stream: resynchronising to verify them" })
      this.resync(state, "checksum without level texts")
      return false
    }
    applySide(book, msg, BID, texts)
    applySide(book, msg, ASK, texts)
    if (book.bids.count > OKX_BOOK_DEPTH || book.asks.count > OKX_BOOK_DEPTH) book.truncate(OKX_BOOK_DEPTH)
    state.lastSeqId = msg.seqId
    state.sync = "synced"
    state.resyncSinceUs = 0
    this.stats.bookUpdates++
    if (texts !== undefined) {
      const local = okxChecksum(book, texts)
      if (local !== msg.checksum) {
        this.stats.checksumFailures++
        this.incident({
          kind: "checksum",
          symbol: state.instrument.symbol,
          detail: `checksum mismatch at seqId ${msg.seqId}: venue ${msg.checksum}, local ${String(local)}`
        })
        this.resync(state, "checksum mismatch")
        return false
      }
    }
    if (book.isCrossed()) {
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: `book crossed after seqId ${msg.seqId}: resynchronising` })
      this.resync(state, "crossed book")
      return false
    }
    return true
  }

  private gap(state: SymbolState, msg: BookMessage): void {
    this.stats.gaps++
    this.incident({
      kind: "gap",
      symbol: state.instrument.symbol,
      detail: `expected prevSeqId ${state.lastSeqId}, got prevSeqId=${msg.prevSeqId} seqId=${msg.seqId}`
    })
    this.resync(state, "sequence gap")
  }

  /** Invalidates the book and resubscribes its `books` channel. */
  private resync(state: SymbolState, reason: string): void {
    this.invalidate(state, reason, true)
    state.sync = "subscribing"
    state.resyncSinceUs = this.nowUs
    const arg = { channel: "books", instId: state.instrument.venueSymbol }
    this.send("unsubscribe", [arg])
    this.send("subscribe", [arg])
  }

  private requestRestSnapshot(state: SymbolState): void {
    state.sync = "awaiting-rest"
    if (state.restInFlight) return
    state.restInFlight = true
    this.options.transport.request({
      method: "GET",
      path: `/api/v5/market/books?instId=${state.instrument.venueSymbol}&sz=${this.options.depth ?? OKX_BOOK_DEPTH}&source=0`
    })
  }

  private onRestSnapshot(state: SymbolState, status: number, body: string): void {
    state.restInFlight = false
    if (state.sync !== "awaiting-rest") return
    let snapshot: BookMessage
    try {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
      snapshot = decodeRestBook(body, state.instrument)
    } catch (error) {
      this.incident({ kind: "rejected", symbol: state.instrument.symbol, detail: `REST books: ${(error as Error).message}` })
      return this.requestRestSnapshot(state)
    }
    const pending = state.buffer.filter((m) => m.seqId > snapshot.seqId)
    // The snapshot must not be older than the stream: the first update kept must straddle it.
    if (pending.length > 0 && pending[0]!.prevSeqId > snapshot.seqId) return this.requestRestSnapshot(state)
    state.buffer = []
    state.book.clear()
    // A REST snapshot carries no checksum: keep level texts until the first update says whether checksums are sent.
    state.texts = new LevelTexts()
    applySide(state.book, snapshot, BID, state.texts)
    applySide(state.book, snapshot, ASK, state.texts)
    state.lastSeqId = snapshot.seqId
    state.sync = "synced"
    state.resyncSinceUs = 0
    state.firstAfterRest = pending.length === 0
    for (let k = 0; k < pending.length; k++) {
      const msg = pending[k]!
      if (k > 0 && msg.prevSeqId !== state.lastSeqId) return this.gap(state, msg)
      if (!this.apply(state, msg)) return
    }
    if (state.book.isCrossed()) {
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "REST snapshot crossed: resynchronising" })
      return this.resync(state, "crossed book")
    }
    this.publish(state, 0, 0)
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private onTrades(recvUs: number): void {
    const t = this.decoder.out.trades
    const state = this.stateAt(t.instrument!.venueSymbol, 0, t.instrument!.venueSymbol.length)!
    const out = state.trade
    for (let i = 0; i < t.count; i++) {
      out.price = t.prices[i]!
      out.size = t.sizes[i]!
      out.takerSide = t.sides[i] === BID ? BID : ASK
      out.id = t.ids[i]!
      out.exchangeUs = t.times[i]! * 1000
      out.recvUs = recvUs
      this.stats.trades++
      this.options.listener.onTrade(out)
    }
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.buffer = []
    state.firstAfterRest = false
    state.texts = undefined
    state.book.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
