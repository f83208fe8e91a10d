/**
 * Binance spot market-data session logic: instrument list, subscriptions, and the
 * documented diff-depth synchronisation — buffer events, fetch a REST snapshot, drop
 * what it already contains, require the first event to straddle `lastUpdateId`, then
 * apply strictly contiguous events; a gap discards the book and starts over.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { BinanceDecoder, type DepthDiff, FrameKind, decodeDepthSnapshot } from "./codec.ts"
import { parseExchangeInfo } from "./instruments.ts"

/** Diff events buffered while a snapshot is awaited before the session gives up and starts over. */
const MAX_BUFFERED = 10_000
/** Levels asked for in a REST snapshot. */
const SNAPSHOT_LIMIT = 1000

type SyncState = "waiting-first-event" | "waiting-snapshot" | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  sync: SyncState
  lastUpdateId: number
  buffer: Array<DepthDiff>
  snapshotInFlight: boolean
}

/** The Binance implementation of {@link VenueFeed}. */
export class BinanceFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byVenueSymbol = new Map<string, SymbolState>()
  private readonly decoder: BinanceDecoder
  private requestId = 1
  private metadataRequested = false

  constructor(options: FeedOptions) {
    this.options = options
    this.decoder = new BinanceDecoder((venueSymbol) => this.byVenueSymbol.get(venueSymbol)?.instrument)
  }

  start(): void {
    this.metadataRequested = true
    const wanted = this.options.symbols.map((s) => `"${s.replace("/", "")}"`).join(",")
    this.options.transport.request({ method: "GET", path: `/api/v3/exchangeInfo?symbols=${encodeURIComponent(`[${wanted}]`)}` })
  }

  onOpen(): void {
    const params = [...this.bySymbol.values()].flatMap((s) => {
      const name = s.instrument.venueSymbol.toLowerCase()
      return [`${name}@depth@100ms`, `${name}@trade`]
    })
    this.options.transport.send(JSON.stringify({ method: "SUBSCRIBE", params, id: this.requestId++ }))
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    const kind = this.decoder.decode(text)
    switch (kind) {
      case FrameKind.Depth:
        return this.onDepth(this.decoder.depth, recvUs, recvMonoNs)
      case FrameKind.Trade:
        return this.onTrade(recvUs)
      case FrameKind.Malformed:
        this.stats.malformed++
        return this.incident({ kind: "malformed", detail: `${this.decoder.error}: ${text.slice(0, 120)}` })
      case FrameKind.Error:
        return this.incident({ kind: "rejected", detail: this.decoder.error })
      case FrameKind.Shutdown:
        return this.options.transport.reconnect("serverShutdown event")
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path.startsWith("/api/v3/exchangeInfo")) return this.onExchangeInfo(status, body)
    if (request.path.startsWith("/api/v3/depth")) {
      const symbol = new URLSearchParams(request.path.slice(request.path.indexOf("?") + 1)).get("symbol") ?? ""
      const state = this.byVenueSymbol.get(symbol)
      if (state !== undefined) this.onSnapshot(state, status, body)
    }
  }

  onClose(reason: string): void {
    for (const state of this.bySymbol.values()) this.invalidate(state, `disconnected: ${reason}`, false)
  }

  onTick(_nowUs: number): void {
    // The instrument list failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) this.start()
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

  private onExchangeInfo(status: number, body: string): void {
    if (status !== 200) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `exchangeInfo HTTP ${status}: ${body.slice(0, 200)}` })
    }
    this.table = new InstrumentTable(parseExchangeInfo(body))
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Binance does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook()
      const state: SymbolState = {
        instrument,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        sync: "waiting-first-event",
        lastUpdateId: 0,
        buffer: [],
        snapshotInFlight: false
      }
      this.bySymbol.set(symbol, state)
      this.byVenueSymbol.set(instrument.venueSymbol, state)
    }
    this.options.transport.connect("/ws")
  }

  private onDepth(diff: DepthDiff, recvUs: number, recvMonoNs: number): void {
    const state = this.byVenueSymbol.get(diff.instrument!.venueSymbol)!
    if (state.sync !== "synced") {
      if (state.buffer.length >= MAX_BUFFERED) {
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "snapshot too slow: buffer full, starting over" })
        state.buffer = []
      }
      state.buffer.push(diff.copy())
      if (state.sync === "waiting-first-event") this.requestSnapshot(state)
      return
    }
    if (diff.lastId <= state.lastUpdateId) return
    if (diff.firstId > state.lastUpdateId + 1) {
      this.stats.gaps++
      this.incident({
        kind: "gap",
        symbol: state.instrument.symbol,
        detail: `expected U <= ${state.lastUpdateId + 1}, got U=${diff.firstId} u=${diff.lastId}`
      })
      this.invalidate(state, "sequence gap", true)
      state.buffer.push(diff.copy())
      this.requestSnapshot(state)
      return
    }
    this.apply(state, diff)
    if (state.book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private apply(state: SymbolState, diff: DepthDiff): void {
    const book = state.book
    for (let i = 0; i < diff.bidCount; i++) book.bids.set(diff.bidPrices[i]!, diff.bidSizes[i]!)
    for (let i = 0; i < diff.askCount; i++) book.asks.set(diff.askPrices[i]!, diff.askSizes[i]!)
    state.lastUpdateId = diff.lastId
    this.stats.bookUpdates++
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private onTrade(recvUs: number): void {
    const t = this.decoder.trade
    const state = this.byVenueSymbol.get(t.instrument!.venueSymbol)!
    const out = state.trade
    out.price = t.price
    out.size = t.size
    out.takerSide = t.takerSide
    out.id = t.id
    out.exchangeUs = t.tradeMs * 1000
    out.recvUs = recvUs
    this.stats.trades++
    this.options.listener.onTrade(out)
  }

  private requestSnapshot(state: SymbolState): void {
    state.sync = "waiting-snapshot"
    if (state.snapshotInFlight) return
    state.snapshotInFlight = true
    this.options.transport.request({
      method: "GET",
      path: `/api/v3/depth?symbol=${state.instrument.venueSymbol}&limit=${this.options.depth ?? SNAPSHOT_LIMIT}`
    })
  }

  private onSnapshot(state: SymbolState, status: number, body: string): void {
    state.snapshotInFlight = false
    if (state.sync !== "waiting-snapshot") return
    if (status !== 200) {
      this.incident({ kind: "rejected", symbol: state.instrument.symbol, detail: `depth snapshot HTTP ${status}` })
      return this.requestSnapshot(state)
    }
    let snapshot
    try {
      snapshot = decodeDepthSnapshot(body, state.instrument)
    } catch (error) {
      this.stats.malformed++
      this.incident({ kind: "malformed", symbol: state.instrument.symbol, detail: `depth snapshot: ${(error as Error).message}` })
      return this.requestSnapshot(state)
    }
    const first = state.buffer[0]
    // The snapshot must not be older than the first buffered event.
    if (first === undefined || snapshot.lastUpdateId < first.firstId) return this.requestSnapshot(state)
    const book = state.book
    book.clear()
    for (const [price, size] of snapshot.bids) book.bids.set(price, size)
    for (const [price, size] of snapshot.asks) book.asks.set(price, size)
    state.lastUpdateId = snapshot.lastUpdateId
    const buffered = state.buffer
    state.buffer = []
    let firstApplied = true
    for (const diff of buffered) {
      if (diff.lastId <= state.lastUpdateId) continue
      const straddles = diff.firstId <= state.lastUpdateId + 1 && state.lastUpdateId + 1 <= diff.lastId
      if (firstApplied ? !straddles : diff.firstId !== state.lastUpdateId + 1) {
        this.stats.gaps++
        this.incident({
          kind: "gap",
          symbol: state.instrument.symbol,
          detail: `buffered event U=${diff.firstId} u=${diff.lastId} does not follow ${state.lastUpdateId}`
        })
        this.invalidate(state, "sequence gap after snapshot", true)
        state.buffer = buffered.slice(buffered.indexOf(diff))
        return this.requestSnapshot(state)
      }
      firstApplied = false
      this.apply(state, diff)
    }
    state.sync = "synced"
    if (book.isCrossed()) return this.crossed(state)
    this.publish(state, 0, 0)
  }

  private crossed(state: SymbolState): void {
    this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after update: resynchronising" })
    this.invalidate(state, "crossed book", true)
    this.requestSnapshot(state)
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.sync = "waiting-first-event"
    state.buffer = []
    state.book.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
