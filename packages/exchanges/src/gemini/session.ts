/**
 * Gemini market data v2 session logic: symbol details over REST, one `l2` subscription
 * for every symbol on `/v2/marketdata`, the book taken whole from the first
 * `l2_updates` of the subscription, then maintained from change frames.
 *
 * v2 has no sequence numbers and no checksum, so a silently lost update cannot be
 * detected: that is a limit of the protocol, not something this feed can repair. What
 * it can see, it repairs by reconnecting (v2 sends the whole book again on every new
 * subscription): a malformed frame (its content is lost), a book that crosses after an
 * update (it cannot be right), a symbol whose first frame does not come.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, ASK, BID, InstrumentTable, OrderBook } from "@hft/core"
import { IdIndex } from "../id-index.ts"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { FrameKind, GeminiDecoder, type GeminiFrame } from "./codec.ts"
import { detailsPath, parseSymbolDetails, venueSymbolOf } from "./instruments.ts"

/** Ticks (about a second each) a subscribed symbol may wait for its first `l2_updates` before the feed reconnects. */
const SNAPSHOT_TIMEOUT_TICKS = 10

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  synced: boolean
  /** A subscription was sent and its first `l2_updates` (the whole book) has not come yet. */
  awaitingFirst: boolean
  /** Ticks spent waiting for the first `l2_updates`, -1 when not waiting. */
  waitingTicks: number
}

/** The Gemini implementation of {@link VenueFeed}. */
export class GeminiFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private readonly states: Array<SymbolState> = []
  private readonly bySymbol = new Map<string, SymbolState>()
  /** Canonical symbols whose details were asked for and not yet answered, or must be asked again. */
  private readonly detailsPending = new Map<string, "asked" | "retry">()
  private table: InstrumentTable | undefined
  private decoder: GeminiDecoder | undefined
  private connectRequested = false
  private open = false

  constructor(options: FeedOptions) {
    this.options = options
  }

  start(): void {
    for (const symbol of this.options.symbols) {
      if (!this.bySymbol.has(symbol)) this.requestDetails(symbol)
    }
  }

  onOpen(): void {
    this.open = true
    this.subscribe(this.states)
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    const decoder = this.decoder
    if (decoder === undefined) return
    const kind = decoder.decode(text)
    const frame = decoder.frame
    switch (kind) {
      case FrameKind.Level2:
        return this.onChanges(frame, recvUs, recvMonoNs)
      case FrameKind.Trade:
        return this.onTrade(frame, recvUs)
      case FrameKind.Malformed:
        this.stats.malformed++
        this.incident({ kind: "malformed", detail: `${frame.error}: ${text.slice(0, 120)}` })
        return this.resyncByReconnect("malformed frame")
      case FrameKind.Error:
        return this.incident({ kind: "rejected", detail: frame.error })
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    const symbol = [...this.detailsPending.keys()].find((s) => request.path === detailsPath(venueSymbolOf(s)))
    if (symbol === undefined) return
    if (status === 0 || status >= 500) {
      this.detailsPending.set(symbol, "retry")
      return this.incident({ kind: "info", symbol, detail: `symbol details HTTP ${status}: retrying` })
    }
    this.detailsPending.delete(symbol)
    if (status !== 200) {
      this.incident({ kind: "rejected", symbol, detail: `Gemini does not list ${symbol} (HTTP ${status}: ${body.slice(0, 200)})` })
    } else {
      try {
        const instrument = parseSymbolDetails(body)
        if (instrument.symbol === symbol) this.add(instrument)
        else this.incident({ kind: "rejected", symbol, detail: `details of ${instrument.venueSymbol} describe ${instrument.symbol}, not ${symbol}` })
      } catch (error) {
        this.incident({ kind: "rejected", symbol, detail: (error as Error).message })
      }
    }
    // Connect once every symbol has been answered once (retried ones subscribe when they come).
    const answered = ![...this.detailsPending.values()].includes("asked")
    if (answered && !this.connectRequested && this.states.length > 0) {
      this.connectRequested = true
      this.options.transport.connect("/v2/marketdata")
    }
  }

  onClose(reason: string): void {
    this.open = false
    for (const state of this.states) {
      if (this.invalidate(state, `disconnected: ${reason}`)) this.stats.resyncs++
      state.awaitingFirst = false
      state.waitingTicks = -1
    }
  }

  onTick(_nowUs: number): void {
    for (const [symbol, pending] of this.detailsPending) if (pending === "retry") this.requestDetails(symbol)
    if (!this.open) return
    for (const state of this.states) {
      if (state.synced || state.waitingTicks < 0) continue
      if (++state.waitingTicks > SNAPSHOT_TIMEOUT_TICKS) {
        this.incident({ kind: "info", symbol: state.instrument.symbol, detail: "no l2_updates after subscribing: reconnecting" })
        return this.options.transport.reconnect(`no l2_updates for ${state.instrument.venueSymbol}`)
      }
    }
  }

  instruments(): InstrumentTable | undefined {
    return this.table
  }

  book(symbol: string): OrderBook | undefined {
    const state = this.bySymbol.get(symbol)
    return state?.synced === true ? state.book : undefined
  }

  instrument(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol)?.instrument
  }

  private requestDetails(symbol: string): void {
    this.detailsPending.set(symbol, "asked")
    this.options.transport.request({ method: "GET", path: detailsPath(venueSymbolOf(symbol)) })
  }

  private add(instrument: Instrument): void {
    if (this.bySymbol.has(instrument.symbol)) return
    const book = new OrderBook()
    const state: SymbolState = {
      instrument,
      book,
      update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
      trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
      synced: false,
      awaitingFirst: false,
      waitingTicks: -1
    }
    this.states.push(state)
    this.bySymbol.set(instrument.symbol, state)
    this.table = new InstrumentTable(this.states.map((s) => s.instrument))
    this.decoder = new GeminiDecoder(new IdIndex(this.states.map((s) => [s.instrument.venueSymbol, s.instrument] as const)))
    // Details that arrive after the connection opened (a retried request) subscribe on their own.
    if (this.open) this.subscribe([state])
  }

  private subscribe(states: ReadonlyArray<SymbolState>): void {
    if (states.length === 0) return
    for (const state of states) {
      state.awaitingFirst = true
      state.waitingTicks = 0
    }
    const symbols = states.map((s) => s.instrument.venueSymbol)
    this.options.transport.send(JSON.stringify({ type: "subscribe", subscriptions: [{ name: "l2", symbols }] }))
  }

  private onChanges(frame: GeminiFrame, recvUs: number, recvMonoNs: number): void {
    const state = this.states[frame.symbol]!
    const book = state.book
    // The first frame of a subscription is the whole book; a capture replay, which does
    // not see reconnections, recognises it by its `trades`.
    if (frame.initial || state.awaitingFirst) {
      book.clear()
      state.synced = true
      state.awaitingFirst = false
      state.waitingTicks = -1
    } else if (!state.synced) {
      return
    }
    const sides = frame.levelSide
    const prices = frame.levelPrice
    const sizes = frame.levelSize
    for (let i = 0; i < frame.levelCount; i++) {
      if (sides[i] === BID) book.bids.set(prices[i]!, sizes[i]!)
      else book.asks.set(prices[i]!, sizes[i]!)
    }
    this.stats.bookUpdates++
    if (book.isCrossed()) {
      this.incident({ kind: "gap", symbol: state.instrument.symbol, detail: "book crossed after an update: an update was lost, reconnecting" })
      return this.resyncByReconnect("crossed book")
    }
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private onTrade(frame: GeminiFrame, recvUs: number): void {
    const out = this.states[frame.symbol]!.trade
    out.price = frame.tradePrice
    out.size = frame.tradeSize
    out.takerSide = frame.tradeSide === BID ? BID : ASK
    out.id = frame.tradeId
    out.exchangeUs = frame.tradeMs * 1000
    out.recvUs = recvUs
    this.stats.trades++
    this.options.listener.onTrade(out)
  }

  /** v2 offers no way to re-request one book: every book is dropped and the connection renewed. */
  private resyncByReconnect(reason: string): void {
    // Frames still in flight on the old socket must not pass for a first frame: only a
    // new subscription (or a frame carrying `trades`) starts a book again.
    for (const state of this.states) {
      this.invalidate(state, reason)
      state.awaitingFirst = false
      state.waitingTicks = -1
    }
    this.stats.resyncs++
    this.options.transport.reconnect(reason)
  }

  /** Drops a book; true when it was in sync (the listener is told). */
  private invalidate(state: SymbolState, reason: string): boolean {
    const wasSynced = state.synced
    state.synced = false
    state.book.clear()
    if (wasSynced) this.options.listener.onBookInvalid?.(state.instrument, reason)
    return wasSynced
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
