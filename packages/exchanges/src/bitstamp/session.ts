/**
 * Bitstamp WebSocket v2 market-data session logic: pair list, `bts:subscribe`, client
 * heartbeats, and the book sync of `diff_order_book_{pair}`.
 *
 * Sync: diffs are buffered from the subscription on; the first buffered diff triggers a
 * REST snapshot (`GET /api/v2/order_book/{pair}/`); the snapshot is used only if it is at
 * least as new as the first buffered diff (Bitstamp's REST can lag the stream; an older one
 * could miss diffs that came before the buffer, so it is fetched again); then buffered and
 * later diffs apply when their `microtimestamp` is newer than the book's.
 *
 * What this cannot do: Bitstamp has no sequence numbers and no checksum, so a diff lost in
 * transit is not detectable from the protocol. The feed resynchronises (new snapshot)
 * whenever it knows data may be lost or wrong — after a reconnect, on
 * `bts:request_reconnect` (by reconnecting), on a malformed frame (its content is gone),
 * and on a crossed book (the visible symptom of a lost diff) — and otherwise trusts the
 * stream.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { FrameKind, ORDER_BOOK_PATH, type OrderBookDiff, decodeOrderBookSnapshot, diffChannel, tradesChannel } from "./codec.ts"
import { InstrumentListError, PAIRS_PATH, parseTradingPairs } from "./instruments.ts"
import { BitstampDecoder } from "./scanner.ts"

/** Diffs buffered while a snapshot is awaited before the feed gives up and starts over. */
const MAX_BUFFERED = 10_000
/** Interval of client heartbeats (`bts:heartbeat`), which the server answers. */
const HEARTBEAT_INTERVAL_US = 10_000_000
/**
 * With no diff this long after subscribing or starting over (a quiet book), the snapshot is
 * fetched anyway; with nothing buffered it cannot be checked against the stream.
 */
const QUIET_SNAPSHOT_AFTER_US = 5_000_000

type SyncState = "buffering" | "awaiting-snapshot" | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  readonly diffChannel: string
  sync: SyncState
  /** `microtimestamp` of the snapshot or diff last applied. */
  lastMicrotimestamp: number
  buffer: Array<OrderBookDiff>
  snapshotInFlight: boolean
  /** The last snapshot failed or was stale: ask again at the next tick. */
  snapshotRetry: boolean
  /** Since when the subscribed book has waited for its first diff (µs; 0 = not subscribed). */
  waitingSinceUs: number
}

/** The Bitstamp implementation of {@link VenueFeed}. */
export class BitstampFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly followed: Array<Instrument> = []
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byInstrument = new Map<Instrument, SymbolState>()
  private readonly byVenueSymbol = new Map<string, SymbolState>()
  private readonly decoder = new BitstampDecoder(this.followed)
  private metadataRequested = false
  private open = false
  private nowUs = 0
  private lastHeartbeatUs = 0

  constructor(options: FeedOptions) {
    this.options = options
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: PAIRS_PATH })
  }

  onOpen(): void {
    this.open = true
    this.lastHeartbeatUs = this.nowUs
    for (const state of this.bySymbol.values()) {
      this.subscribe(state.diffChannel)
      this.subscribe(tradesChannel(state.instrument))
    }
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.nowUs = recvUs
    const kind = this.decoder.decode(text)
    switch (kind) {
      case FrameKind.Diff:
        return this.onDiff(this.decoder.frame.diff, recvUs, recvMonoNs)
      case FrameKind.Trade:
        return this.onTrade(recvUs)
      case FrameKind.Subscribed:
        return this.onSubscribed(this.decoder.frame.channel)
      case FrameKind.Reconnect:
        return this.options.transport.reconnect("bts:request_reconnect")
      case FrameKind.Error:
        return this.incident({ kind: "rejected", detail: `bts:error ${this.decoder.frame.error}` })
      case FrameKind.Malformed:
        return this.onMalformed(text)
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path === PAIRS_PATH) return this.onPairs(status, body)
    if (request.path.startsWith(ORDER_BOOK_PATH)) {
      const state = this.byVenueSymbol.get(request.path.slice(ORDER_BOOK_PATH.length, -1))
      if (state !== undefined) this.onSnapshot(state, status, body)
    }
  }

  onClose(reason: string): void {
    this.open = false
    for (const state of this.bySymbol.values()) {
      this.invalidate(state, `disconnected: ${reason}`, false)
      state.waitingSinceUs = 0
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    // The pair list failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) this.start()
    if (!this.open) return
    if (nowUs - this.lastHeartbeatUs >= HEARTBEAT_INTERVAL_US) {
      this.lastHeartbeatUs = nowUs
      this.options.transport.send(`{"event":"bts:heartbeat"}`)
    }
    for (const state of this.bySymbol.values()) {
      if (state.snapshotRetry) this.requestSnapshot(state)
      else if (state.sync === "buffering" && state.waitingSinceUs > 0 && nowUs - state.waitingSinceUs > QUIET_SNAPSHOT_AFTER_US) {
        this.requestSnapshot(state)
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

  private subscribe(channel: string): void {
    this.options.transport.send(`{"event":"bts:subscribe","data":{"channel":"${channel}"}}`)
  }

  private onPairs(status: number, body: string): void {
    if (status !== 200) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `trading-pairs-info HTTP ${status}: ${body.slice(0, 200)}` })
    }
    let instruments: Array<Instrument>
    try {
      instruments = parseTradingPairs(body)
    } catch (error) {
      if (!(error instanceof InstrumentListError || error instanceof SyntaxError)) throw error
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `trading-pairs-info: ${error.message}` })
    }
    this.table = new InstrumentTable(instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Bitstamp does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook()
      const state: SymbolState = {
        instrument,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        diffChannel: diffChannel(instrument),
        sync: "buffering",
        lastMicrotimestamp: 0,
        buffer: [],
        snapshotInFlight: false,
        snapshotRetry: false,
        waitingSinceUs: 0
      }
      this.followed.push(instrument)
      this.bySymbol.set(symbol, state)
      this.byInstrument.set(instrument, state)
      this.byVenueSymbol.set(instrument.venueSymbol, state)
    }
    this.options.transport.connect("/")
  }

  private onSubscribed(channel: string): void {
    for (const state of this.bySymbol.values()) if (state.diffChannel === channel) state.waitingSinceUs = this.nowUs
  }

  private onDiff(diff: OrderBookDiff, recvUs: number, recvMonoNs: number): void {
    const state = this.byInstrument.get(diff.instrument!)!
    if (state.sync !== "synced") {
      if (state.buffer.length >= MAX_BUFFERED) {
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "snapshot too slow: buffer full, starting over" })
        state.buffer = []
      }
      state.buffer.push(diff.copy())
      if (state.sync === "buffering") this.requestSnapshot(state)
      return
    }
    // Already in the snapshot (or a repeat): nothing new.
    if (diff.microtimestamp <= state.lastMicrotimestamp) return
    this.apply(state, diff)
    if (state.book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private apply(state: SymbolState, diff: OrderBookDiff): void {
    const book = state.book
    const bids = diff.bids
    const asks = diff.asks
    for (let i = 0; i < bids.count; i++) book.bids.set(bids.prices[i]!, bids.sizes[i]!)
    for (let i = 0; i < asks.count; i++) book.asks.set(asks.prices[i]!, asks.sizes[i]!)
    state.lastMicrotimestamp = diff.microtimestamp
    this.stats.bookUpdates++
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private onTrade(recvUs: number): void {
    const t = this.decoder.frame.trade
    const out = this.byInstrument.get(t.instrument!)!.trade
    out.price = t.price
    out.size = t.size
    out.takerSide = t.takerSide
    out.id = t.id
    out.exchangeUs = t.microtimestamp
    out.recvUs = recvUs
    this.stats.trades++
    this.options.listener.onTrade(out)
  }

  /** A frame's content is lost and nothing says whose it was: every book starts over. */
  private onMalformed(text: string): void {
    this.stats.malformed++
    this.incident({ kind: "malformed", detail: `${this.decoder.frame.error}: ${text.slice(0, 120)}` })
    for (const state of this.bySymbol.values()) this.invalidate(state, "malformed frame: a diff may be lost", true)
  }

  private requestSnapshot(state: SymbolState): void {
    state.sync = "awaiting-snapshot"
    state.snapshotRetry = false
    if (state.snapshotInFlight) return
    state.snapshotInFlight = true
    this.options.transport.request({ method: "GET", path: `${ORDER_BOOK_PATH}${state.instrument.venueSymbol}/` })
  }

  private onSnapshot(state: SymbolState, status: number, body: string): void {
    state.snapshotInFlight = false
    if (state.sync !== "awaiting-snapshot") return
    if (status !== 200) {
      state.snapshotRetry = true
      return this.incident({ kind: "rejected", symbol: state.instrument.symbol, detail: `order book snapshot HTTP ${status}` })
    }
    let snapshot
    try {
      snapshot = decodeOrderBookSnapshot(body, state.instrument)
    } catch (error) {
      this.stats.malformed++
      state.snapshotRetry = true
      return this.incident({ kind: "malformed", symbol: state.instrument.symbol, detail: `order book snapshot: ${(error as Error).message}` })
    }
    const first = state.buffer[0]
    if (first !== undefined && snapshot.microtimestamp < first.microtimestamp) {
      state.snapshotRetry = true
      return this.incident({
        kind: "info",
        symbol: state.instrument.symbol,
        detail: `snapshot (${snapshot.microtimestamp}) older than the first buffered diff (${first.microtimestamp}): fetching again`
      })
    }
    const book = state.book
    book.clear()
    for (const [price, size] of snapshot.bids) book.bids.set(price, size)
    for (const [price, size] of snapshot.asks) book.asks.set(price, size)
    state.lastMicrotimestamp = snapshot.microtimestamp
    this.stats.bookUpdates++
    const buffered = state.buffer
    state.buffer = []
    for (const diff of buffered) if (diff.microtimestamp > state.lastMicrotimestamp) this.apply(state, diff)
    state.sync = "synced"
    if (book.isCrossed()) return this.crossed(state)
    this.publish(state, 0, 0)
  }

  private crossed(state: SymbolState): void {
    this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after a diff (a diff was lost): new snapshot" })
    this.invalidate(state, "crossed book", true)
  }

  /** Drops the book; it is rebuilt from a snapshot fetched when the next diff arrives. */
  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.sync = "buffering"
    state.buffer = []
    state.snapshotRetry = false
    if (state.waitingSinceUs > 0) state.waitingSinceUs = this.nowUs
    state.book.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
