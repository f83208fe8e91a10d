/**
 * Bybit v5 spot market-data session logic: instrument list, subscriptions, client pings,
 * and the book rules of `orderbook.{depth}.{symbol}`.
 *
 * The book comes in band: after a subscribe ack the first message is a snapshot, then
 * deltas follow. The v5 page documents `u` only as "a sequence", but Bybit's sibling pages
 * (v3, spread) say it is normally continuous, its SBE depth feed calls it "useful to check
 * continuity", and captured deltas advance it by one; so the feed holds deltas to the
 * strongest rule that supports: a delta applies only when `u` is the last `u` + 1. Anything else — a skipped id, a repeat, a step back — is a gap: the book is
 * invalidated and the topic resubscribed, which brings a fresh snapshot. A snapshot
 * always replaces the book; one that arrives while the book is in sync (Bybit re-sends
 * one when it has a problem, with `u` = 1 after a service restart) is reported as a venue
 * reset, not an error. The book is cut to the subscribed depth after every message, so
 * levels that left the window cannot linger whether or not Bybit deletes them.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { type BookMessage, FrameKind, SPOT_DEPTHS, bookTopic, tradeTopic } from "./codec.ts"
import { INSTRUMENTS_PATH, InstrumentListError, parseInstrumentsInfo } from "./instruments.ts"
import { BybitDecoder } from "./scanner.ts"

/** WebSocket path of the public spot stream. */
const SPOT_STREAM_PATH = "/v5/public/spot"
/** Depth subscribed when the options do not ask for one. */
const DEFAULT_DEPTH = 50
/** Bybit asks for a client ping every 20 s. */
const PING_INTERVAL_US = 20_000_000
/** A book still without its snapshot this long after subscribing makes the feed reconnect. */
const SNAPSHOT_TIMEOUT_US = 10_000_000
/** Spot accepts at most 10 topics per subscribe request. */
const MAX_ARGS_PER_REQUEST = 10

/** The supported depth closest to `wanted` from above (1000 at most). */
const spotDepthFor = (wanted: number): number => SPOT_DEPTHS.find((d) => d >= wanted) ?? 1000

type SyncState = "awaiting-snapshot" | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  readonly bookTopic: string
  sync: SyncState
  lastUpdateId: number
  /** `req_id` of the subscribe that the next snapshot answers. */
  subscribeReqId: string
  /** That subscribe was acknowledged: a delta now means its snapshot was lost. */
  acked: boolean
  /** When the feed started waiting for the snapshot (µs; 0 = at the next tick). */
  awaitingSinceUs: number
}

/** The Bybit spot implementation of {@link VenueFeed}. */
export class BybitFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private readonly depth: number
  private table: InstrumentTable | undefined
  private readonly followed: Array<Instrument> = []
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byInstrument = new Map<Instrument, SymbolState>()
  private readonly decoder = new BybitDecoder(this.followed)
  private requestId = 1
  private metadataRequested = false
  private open = false
  private nowUs = 0
  private lastPingUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.depth = spotDepthFor(options.depth ?? DEFAULT_DEPTH)
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: INSTRUMENTS_PATH })
  }

  onOpen(): void {
    this.open = true
    this.lastPingUs = this.nowUs
    const topics: Array<string> = []
    for (const state of this.bySymbol.values()) topics.push(state.bookTopic, tradeTopic(state.instrument))
    for (let i = 0; i < topics.length; i += MAX_ARGS_PER_REQUEST) {
      const args = topics.slice(i, i + MAX_ARGS_PER_REQUEST)
      const reqId = this.send("subscribe", args)
      for (const state of this.bySymbol.values()) {
        if (args.includes(state.bookTopic)) this.awaitSnapshot(state, reqId)
      }
    }
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.nowUs = recvUs
    const kind = this.decoder.decode(text)
    switch (kind) {
      case FrameKind.Book:
        return this.onBook(this.decoder.frame.book, recvUs, recvMonoNs)
      case FrameKind.Trades:
        return this.onTrades(recvUs)
      case FrameKind.Reply:
        return this.onReply()
      case FrameKind.Malformed:
        // Whatever the frame held is lost; a lost delta shows as a gap in `u` on the next one.
        this.stats.malformed++
        return this.incident({ kind: "malformed", detail: `${this.decoder.frame.error}: ${text.slice(0, 120)}` })
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (request.path === INSTRUMENTS_PATH) this.onInstruments(status, body)
  }

  onClose(reason: string): void {
    this.open = false
    for (const state of this.bySymbol.values()) {
      this.invalidate(state, `disconnected: ${reason}`, false)
      state.acked = false
    }
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    // The instrument list failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) this.start()
    if (!this.open) return
    if (nowUs - this.lastPingUs >= PING_INTERVAL_US) {
      this.lastPingUs = nowUs
      this.send("ping", undefined)
    }
    for (const state of this.bySymbol.values()) {
      if (state.sync !== "awaiting-snapshot") continue
      if (state.awaitingSinceUs === 0) state.awaitingSinceUs = nowUs
      else if (nowUs - state.awaitingSinceUs > SNAPSHOT_TIMEOUT_US) {
        this.open = false
        return this.options.transport.reconnect(`no ${state.bookTopic} snapshot ${SNAPSHOT_TIMEOUT_US / 1e6} s after subscribing`)
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

  /** Sends an `op` request and returns its `req_id`. */
  private send(op: "subscribe" | "unsubscribe" | "ping", args: ReadonlyArray<string> | undefined): string {
    const reqId = String(this.requestId++)
    this.options.transport.send(JSON.stringify(args === undefined ? { op, req_id: reqId } : { op, args, req_id: reqId }))
    return reqId
  }

  private onInstruments(status: number, body: string): void {
    if (status !== 200) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `instruments-info HTTP ${status}: ${body.slice(0, 200)}` })
    }
    let instruments: Array<Instrument>
    try {
      instruments = parseInstrumentsInfo(body)
    } catch (error) {
      if (!(error instanceof InstrumentListError || error instanceof SyntaxError)) throw error
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: error.message })
    }
    this.table = new InstrumentTable(instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Bybit spot does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook()
      const state: SymbolState = {
        instrument,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        bookTopic: bookTopic(instrument, this.depth),
        sync: "awaiting-snapshot",
        lastUpdateId: 0,
        subscribeReqId: "",
        acked: false,
        awaitingSinceUs: 0
      }
      this.followed.push(instrument)
      this.bySymbol.set(symbol, state)
      this.byInstrument.set(instrument, state)
    }
    this.options.transport.connect(SPOT_STREAM_PATH)
  }

  private onReply(): void {
    const reply = this.decoder.frame.reply
    if (reply.op !== "subscribe" && reply.op !== "unsubscribe") return // pongs: any frame keeps the session fresh
    if (!reply.success) {
      return this.incident({ kind: "rejected", detail: `${reply.op} request ${reply.reqId} rejected: ${reply.message}` })
    }
    if (reply.op !== "subscribe") return
    for (const state of this.bySymbol.values()) if (state.subscribeReqId === reply.reqId) state.acked = true
  }

  private onBook(message: BookMessage, recvUs: number, recvMonoNs: number): void {
    const state = this.byInstrument.get(message.instrument!)!
    if (message.depth !== this.depth) return
    if (message.snapshot) return this.onSnapshot(state, message, recvUs, recvMonoNs)
    if (state.sync !== "synced") {
      if (!state.acked) return // a delta of the previous subscription, still in flight
      this.stats.gaps++
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: `delta u=${message.updateId} after the subscribe ack but before any snapshot: snapshot lost` })
      this.invalidate(state, "snapshot lost", true)
      return this.resubscribe(state)
    }
    const last = state.lastUpdateId
    if (message.updateId !== last + 1) {
      this.stats.gaps++
      const detail =
        message.updateId <= last
          ? `delta u=${message.updateId} repeats or goes back (last u=${last})`
          : `delta u=${message.updateId} skips ${message.updateId - last - 1} update(s) after u=${last}`
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail })
      this.invalidate(state, "sequence gap", true)
      return this.resubscribe(state)
    }
    this.apply(state, message)
    if (state.book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private onSnapshot(state: SymbolState, message: BookMessage, recvUs: number, recvMonoNs: number): void {
    // Depth 1 is snapshot-only; deeper books get a snapshot unasked only when Bybit resets them.
    if (state.sync === "synced" && this.depth > 1) {
      this.stats.resyncs++
      this.incident({
        kind: "venue-reset",
        symbol: state.instrument.symbol,
        detail: message.updateId === 1
          ? "snapshot with u=1: Bybit restarted its book service; book replaced"
          : `unsolicited snapshot u=${message.updateId} (last u=${state.lastUpdateId}); book replaced`
      })
    }
    state.book.clear()
    this.apply(state, message)
    state.sync = "synced"
    if (state.book.isCrossed()) return this.crossed(state)
    this.publish(state, recvUs, recvMonoNs)
  }

  private apply(state: SymbolState, message: BookMessage): void {
    const book = state.book
    const bids = message.bids
    const asks = message.asks
    for (let i = 0; i < bids.count; i++) book.bids.set(bids.prices[i]!, bids.sizes[i]!)
    for (let i = 0; i < asks.count; i++) book.asks.set(asks.prices[i]!, asks.sizes[i]!)
    book.truncate(this.depth)
    state.lastUpdateId = message.updateId
    this.stats.bookUpdates++
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private onTrades(recvUs: number): void {
    const batch = this.decoder.frame.trades
    const out = this.byInstrument.get(batch.instrument!)!.trade
    for (let i = 0; i < batch.count; i++) {
      out.price = batch.prices[i]!
      out.size = batch.sizes[i]!
      out.takerSide = batch.takerSides[i]!
      out.id = batch.ids[i]!
      out.exchangeUs = batch.timesMs[i]! * 1000
      out.recvUs = recvUs
      this.stats.trades++
      this.options.listener.onTrade(out)
    }
  }

  private crossed(state: SymbolState): void {
    this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after update: resubscribing" })
    this.invalidate(state, "crossed book", true)
    this.resubscribe(state)
  }

  /** Unsubscribes and subscribes the book topic again: Bybit answers with a fresh snapshot. */
  private resubscribe(state: SymbolState): void {
    this.send("unsubscribe", [state.bookTopic])
    this.awaitSnapshot(state, this.send("subscribe", [state.bookTopic]))
  }

  private awaitSnapshot(state: SymbolState, subscribeReqId: string): void {
    state.sync = "awaiting-snapshot"
    state.subscribeReqId = subscribeReqId
    state.acked = false
    state.awaitingSinceUs = this.nowUs
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.sync = "awaiting-snapshot"
    state.book.clear()
    if (resync || wasSynced) this.stats.resyncs++
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
