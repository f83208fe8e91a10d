/**
 * Deribit market-data session logic over JSON-RPC 2.0: instrument list, heartbeats
 * (`public/set_heartbeat`, and an immediate `public/test` for every `test_request`),
 * `book.{instrument}.100ms` + `trades.{instrument}.100ms` subscriptions, and the
 * `change_id`/`prev_change_id` chain: the first notification is a full snapshot, each
 * change must name the last applied `change_id` as its `prev_change_id`. A mismatch or a
 * crossed book invalidates the book and resubscribes the channel (unsubscribe +
 * subscribe), which starts again from a snapshot.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type Side, type TradePrint, ASK, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { type BookChange, DeribitFrameKind } from "./codec.ts"
import { DERIBIT_FEES, DERIBIT_INSTRUMENTS_PATH, parseDeribitInstruments } from "./instruments.ts"
import { DeribitScanner } from "./scanner.ts"

/** WebSocket path of the JSON-RPC API. */
export const DERIBIT_WS_PATH = "/ws/api/v2"
/** Heartbeat interval asked for with `public/set_heartbeat` (s; Deribit accepts ≥ 10). */
export const HEARTBEAT_INTERVAL_S = 30
/** Book notification interval subscribed to (`raw` needs authentication). */
const INTERVAL = "100ms"
/** A book not in sync this long (after connecting or starting a resync): reconnect. */
const RESYNC_TIMEOUT_US = 15_000_000

type SyncState =
  /** Waiting for a snapshot (after subscribing or resubscribing); changes in flight are ignored. */
  | "awaiting-snapshot"
  | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly bookChannel: string
  readonly tradesChannel: string
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  sync: SyncState
  /** `change_id` of the last notification applied. */
  lastChangeId: number
  /** When the current resync started (µs), 0 when synced or not yet timed. */
  resyncSinceUs: number
}

/** A request awaiting its response. */
interface Pending {
  readonly method: string
  readonly channels: ReadonlyArray<string>
}

/** Applies one side of a notification to the book. */
const applySide = (book: OrderBook, msg: BookChange, side: Side): void => {
  const bookSide = book.side(side)
  const prices = msg.prices[side]
  const sizes = msg.sizes[side]
  const n = msg.count[side]
  for (let i = 0; i < n; i++) bookSide.set(prices[i]!, sizes[i]!)
}

/** The Deribit implementation of {@link VenueFeed}. */
export class DeribitFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  /** Followed instruments, for the allocation-free instrument-name lookup. */
  private states: Array<SymbolState> = []
  private readonly decoder: DeribitScanner
  private readonly pending = new Map<number, Pending>()
  private requestId = 1
  private metadataRequested = false
  private connected = false
  private nowUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.decoder = new DeribitScanner((text, start, end) => this.stateAt(text, start, end)?.instrument)
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: DERIBIT_INSTRUMENTS_PATH })
  }

  onOpen(): void {
    this.connected = true
    this.pending.clear()
    for (const state of this.states) {
      state.sync = "awaiting-snapshot"
      state.resyncSinceUs = 0
    }
    this.call("public/set_heartbeat", { interval: HEARTBEAT_INTERVAL_S })
    const channels = this.states.flatMap((s) => [s.bookChannel, s.tradesChannel])
    if (channels.length > 0) this.call("public/subscribe", { channels })
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.nowUs = recvUs
    const out = this.decoder.out
    switch (this.decoder.decode(text)) {
      case DeribitFrameKind.Book:
        return this.onBook(out.book, recvUs, recvMonoNs)
      case DeribitFrameKind.Trade:
        return this.onTrades(recvUs)
      case DeribitFrameKind.TestRequest:
        return this.call("public/test", {})
      case DeribitFrameKind.Result:
        return this.onResult(out.replyId)
      case DeribitFrameKind.Error: {
        const request = this.pending.get(out.replyId)
        this.pending.delete(out.replyId)
        return this.incident({ kind: "rejected", detail: `${request?.method ?? "request"} ${request?.channels.join(",") ?? ""}: ${out.error}` })
      }
      case DeribitFrameKind.Malformed:
        this.stats.malformed++
        return this.incident({ kind: "malformed", detail: `${out.error}: ${text.slice(0, 120)}` })
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path === DERIBIT_INSTRUMENTS_PATH) this.onInstruments(status, body)
  }

  onClose(reason: string): void {
    this.connected = false
    for (const state of this.states) {
      this.invalidate(state, `disconnected: ${reason}`, false)
      state.sync = "awaiting-snapshot"
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    if (this.table === undefined && !this.metadataRequested) this.start()
    if (!this.connected) return
    for (const state of this.states) {
      if (state.sync === "synced") continue
      if (state.resyncSinceUs === 0) state.resyncSinceUs = nowUs
      else if (nowUs - state.resyncSinceUs > RESYNC_TIMEOUT_US) {
        state.resyncSinceUs = 0
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "book not resynchronised in time: reconnecting" })
        this.options.transport.reconnect(`Deribit ${state.instrument.venueSymbol} resync timed out`)
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

  /** The followed instrument whose name is `text[start, end)`. */
  private stateAt(text: string, start: number, end: number): SymbolState | undefined {
    const states = this.states
    for (let i = 0; i < states.length; i++) {
      const name = states[i]!.instrument.venueSymbol
      if (name.length === end - start && text.startsWith(name, start)) return states[i]
    }
    return undefined
  }

  /** Sends a JSON-RPC request, remembering what it was for. */
  private call(method: string, params: { readonly channels?: ReadonlyArray<string>; readonly interval?: number }): void {
    const id = this.requestId++
    this.pending.set(id, { method, channels: params.channels ?? [] })
    this.options.transport.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }))
  }

  private onResult(id: number): void {
    const request = this.pending.get(id)
    if (request === undefined) return
    this.pending.delete(id)
    if (request.method !== "public/subscribe") return
    const result = this.decoder.out.result
    const granted = new Set(Array.isArray(result) ? result.filter((c): c is string => typeof c === "string") : [])
    const refused = request.channels.filter((c) => !granted.has(c))
    if (refused.length > 0) this.incident({ kind: "rejected", detail: `Deribit did not subscribe ${refused.join(", ")}` })
  }

  private onInstruments(status: number, body: string): void {
    let list: ReturnType<typeof parseDeribitInstruments>
    try {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
      list = parseDeribitInstruments(body)
    } catch (error) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `get_instruments: ${(error as Error).message}` })
    }
    this.table = new InstrumentTable(list.instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Deribit does not list ${symbol} as an active spot instrument` })
        continue
      }
      const commission = list.commissions.find((c) => c.symbol === symbol)
      if (commission !== undefined && (commission.makerPpm !== DERIBIT_FEES.makerPpm || commission.takerPpm !== DERIBIT_FEES.takerPpm)) {
        this.incident({
          kind: "info",
          symbol,
          detail: `Deribit lists ${commission.makerPpm} / ${commission.takerPpm} ppm maker/taker; the paper venue charges ${DERIBIT_FEES.makerPpm} / ${DERIBIT_FEES.takerPpm}`
        })
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook()
      this.bySymbol.set(symbol, {
        instrument,
        bookChannel: `book.${instrument.venueSymbol}.${INTERVAL}`,
        tradesChannel: `trades.${instrument.venueSymbol}.${INTERVAL}`,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        sync: "awaiting-snapshot",
        lastChangeId: 0,
        resyncSinceUs: 0
      })
    }
    this.states = [...this.bySymbol.values()]
    this.options.transport.connect(DERIBIT_WS_PATH)
  }

  private onBook(msg: BookChange, recvUs: number, recvMonoNs: number): void {
    const state = this.stateAt(msg.instrument!.venueSymbol, 0, msg.instrument!.venueSymbol.length)!
    const book = state.book
    if (msg.snapshot) {
      book.clear()
    } else if (state.sync !== "synced") {
      return
    } else if (msg.prevChangeId !== state.lastChangeId) {
      this.stats.gaps++
      this.incident({
        kind: "gap",
        symbol: state.instrument.symbol,
        detail: `expected prev_change_id ${state.lastChangeId}, got ${msg.prevChangeId} (change_id ${msg.changeId})`
      })
      return this.resync(state, "sequence gap")
    }
    applySide(book, msg, BID)
    applySide(book, msg, ASK)
    state.lastChangeId = msg.changeId
    state.sync = "synced"
    state.resyncSinceUs = 0
    this.stats.bookUpdates++
    if (book.isCrossed()) {
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: `book crossed after change_id ${msg.changeId}: resynchronising` })
      return this.resync(state, "crossed book")
    }
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  /** Invalidates the book and resubscribes its channel; the new subscription starts with a snapshot. */
  private resync(state: SymbolState, reason: string): void {
    this.invalidate(state, reason, true)
    state.sync = "awaiting-snapshot"
    state.resyncSinceUs = this.nowUs
    this.call("public/unsubscribe", { channels: [state.bookChannel] })
    this.call("public/subscribe", { channels: [state.bookChannel] })
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
      out.exchangeUs = t.timesUs[i]!
      out.recvUs = recvUs
      this.stats.trades++
      this.options.listener.onTrade(out)
    }
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.book.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
