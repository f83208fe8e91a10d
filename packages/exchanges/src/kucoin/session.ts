/**
 * KuCoin spot (classic WebSocket) market-data session logic.
 *
 * - Instruments from `GET /api/v2/symbols`; then a connection token from
 *   `POST /api/v1/bullet-public`, whose first instance server gives the endpoint, the
 *   ping interval and the pong timeout; connect to `endpoint?token=…&connectId=…`.
 * - After `welcome`: one `/market/level2:A,B,…` and one `/market/match:A,B,…`
 *   subscription (`response: true`, acknowledged by id); `ping` every ping interval from
 *   `onTick`, reconnecting when a pong or an ack is overdue. A rejected or stale token
 *   (no welcome, or an error frame) fetches a new one.
 * - Books: buffer `trade.l2update` pushes, fetch `GET /api/v1/market/orderbook/level2_100`
 *   (its `sequence`), replay the buffer. A push is applied iff
 *   `sequenceStart <= local + 1 && sequenceEnd > local`; within it each change carries its
 *   own sequence and those `<= local` are skipped; size 0 deletes; price 0 changes nothing
 *   but its sequence. `sequenceStart > local + 1` is a gap: the book is rebuilt from a new
 *   snapshot. A crossed book is rebuilt too.
 * - Depth: the public snapshot holds the best 100 levels per side, and levels beyond them
 *   stay unknown until they change. The feed keeps only what it knows to be right: when a
 *   snapshot side is full (100 levels), its worst price becomes that side's boundary and
 *   changes beyond it are dropped; levels at or inside it are exact. The known part
 *   shrinks when the market moves toward the boundary; below {@link MIN_KNOWN_LEVELS}
 *   levels a fresh snapshot is taken. (A side shorter than 100 levels is complete.)
 * - A malformed frame whose topic names a level-2 symbol rebuilds that book at once;
 *   any other loss shows as a gap at the symbol's next push.
 * - Trades: `trade.l3match`; `side` is the taker's.
 *
 * Replay: everything is driven by the REST answers and frames themselves (matched by
 * path, in receive order); a capture holds the token and snapshot answers, so it
 * replays without network.
 *
 * @module
 */
import { type BookSide, type BookUpdate, type Instrument, type TradePrint, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import {
  KUCOIN_BULLET_PATH,
  KUCOIN_SNAPSHOT_DEPTH,
  KUCOIN_SNAPSHOT_PATH,
  KucoinDecoder,
  KucoinFrameKind,
  type L2Diff,
  type SideChanges,
  decodeKucoinSnapshot
} from "./codec.ts"
import { KUCOIN_OK, KUCOIN_SYMBOLS_PATH, parseKucoinSymbols } from "./instruments.ts"

/** A side that knows fewer levels than this, out of a full snapshot, is refreshed from a new one. */
export const MIN_KNOWN_LEVELS = 20
/** Pushes buffered while a snapshot is awaited before starting over. */
const MAX_BUFFERED = 10_000
/** Topics per subscribe message (the venue's limit). */
const TOPICS_PER_SUBSCRIBE = 100
/** A welcome or an ack later than this reconnects (µs). */
const REPLY_TIMEOUT_US = 10_000_000
/** The symbol of a level-2 push, read from what is left of a malformed frame. */
const LEVEL2_TOPIC = /"topic":"\/market\/level2:([^",]+)"/

type SyncState = "waiting-first-event" | "waiting-snapshot" | "synced"

interface SymbolState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly update: BookUpdate
  readonly trade: TradePrint
  sync: SyncState
  /** Sequence number the book is at. */
  sequence: number
  /** Worst bid price the book knows exactly (−∞: all bids). */
  bidBoundary: number
  /** Worst ask price the book knows exactly (+∞: all asks). */
  askBoundary: number
  buffer: Array<L2Diff>
  snapshotInFlight: boolean
}

interface InstanceServer {
  readonly endpoint: string
  readonly pingIntervalUs: number
  readonly pingTimeoutUs: number
}

/** The KuCoin implementation of {@link VenueFeed}. */
export class KucoinFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private readonly bySymbol = new Map<string, SymbolState>()
  private readonly byVenueSymbol = new Map<string, SymbolState>()
  private readonly decoder: KucoinDecoder
  private metadataRequested = false
  private tokenRequested = false
  private server: InstanceServer | undefined
  private connected = false
  private welcomed = false
  private openedUs = 0
  private lastPingUs = 0
  /** Id and send time of the ping awaiting its pong. */
  private pendingPing: { readonly id: string; readonly sentUs: number } | undefined
  /** Subscriptions awaiting their ack, by id, with their send time. */
  private readonly pendingAcks = new Map<string, number>()
  private nextId = 1
  private nowUs = 0

  constructor(options: FeedOptions) {
    this.options = options
    this.decoder = new KucoinDecoder((venueSymbol) => this.byVenueSymbol.get(venueSymbol)?.instrument)
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: KUCOIN_SYMBOLS_PATH })
  }

  onOpen(): void {
    this.connected = true
    this.welcomed = false
    this.openedUs = this.nowUs
    this.pendingPing = undefined
    this.pendingAcks.clear()
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    this.nowUs = recvUs
    const kind = this.decoder.decode(text)
    switch (kind) {
      case KucoinFrameKind.L2Update:
        return this.onDiff(this.decoder.diff, recvUs, recvMonoNs)
      case KucoinFrameKind.Match:
        return this.onMatch(recvUs)
      case KucoinFrameKind.Welcome:
        return this.onWelcome()
      case KucoinFrameKind.Ack:
        this.pendingAcks.delete(this.decoder.id)
        return
      case KucoinFrameKind.Pong:
        if (this.pendingPing?.id === this.decoder.id) this.pendingPing = undefined
        return
      case KucoinFrameKind.Error:
        this.incident({ kind: "rejected", detail: `error frame ${this.decoder.id}: ${this.decoder.error}` })
        // Before the welcome, an error is the token's: get a new one.
        if (!this.welcomed) this.requestToken()
        return
      case KucoinFrameKind.Malformed: {
        this.stats.malformed++
        this.incident({ kind: "malformed", detail: `${this.decoder.error}: ${text.slice(0, 120)}` })
        // A lost level-2 push would only show as a gap at the symbol's next push: when the
        // topic survived, rebuild that book now rather than keep it in sync on paper.
        const state = this.byVenueSymbol.get(LEVEL2_TOPIC.exec(text)?.[1] ?? "")
        if (state?.sync === "synced") this.rebuild(state, "malformed frame", "level-2 push lost in a malformed frame: rebuilding")
        return
      }
      default:
        return
    }
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    const path = request.path
    if (path.startsWith(KUCOIN_SYMBOLS_PATH)) return this.onSymbols(status, body)
    if (path.startsWith(KUCOIN_BULLET_PATH)) return this.onToken(status, body)
    if (path.startsWith(KUCOIN_SNAPSHOT_PATH)) {
      const symbol = new URLSearchParams(path.slice(path.indexOf("?") + 1)).get("symbol") ?? ""
      const state = this.byVenueSymbol.get(symbol)
      if (state !== undefined) this.onSnapshot(state, status, body)
    }
  }

  onClose(reason: string): void {
    this.connected = false
    this.welcomed = false
    for (const state of this.bySymbol.values()) this.invalidate(state, `disconnected: ${reason}`, false)
  }

  onTick(nowUs: number): void {
    this.nowUs = nowUs
    // The instrument list or the token failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) return this.start()
    if (this.table !== undefined && this.server === undefined && !this.tokenRequested) return this.requestToken()
    for (const state of this.bySymbol.values()) {
      if (state.sync === "waiting-snapshot" && !state.snapshotInFlight) this.requestSnapshot(state)
    }
    if (!this.connected || this.server === undefined) return
    if (!this.welcomed) {
      if (nowUs - this.openedUs > REPLY_TIMEOUT_US) {
        this.incident({ kind: "info", detail: "no welcome: fetching a new token" })
        this.requestToken()
        this.openedUs = nowUs
      }
      return
    }
    if (this.pendingPing !== undefined && nowUs - this.pendingPing.sentUs > this.server.pingTimeoutUs) {
      this.pendingPing = undefined
      return this.options.transport.reconnect("no pong within the venue's ping timeout")
    }
    for (const sentUs of this.pendingAcks.values()) {
      if (nowUs - sentUs > REPLY_TIMEOUT_US) return this.options.transport.reconnect("subscription not acknowledged")
    }
    if (this.pendingPing === undefined && nowUs - this.lastPingUs >= this.server.pingIntervalUs) {
      const id = String(this.nextId++)
      this.pendingPing = { id, sentUs: nowUs }
      this.lastPingUs = nowUs
      this.send({ id, type: "ping" })
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

  private onSymbols(status: number, body: string): void {
    let instruments: Array<Instrument>
    try {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
      instruments = parseKucoinSymbols(body)
    } catch (error) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `symbol list: ${(error as Error).message}` })
    }
    this.table = new InstrumentTable(instruments)
    for (const symbol of this.options.symbols) {
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `KuCoin does not list ${symbol}` })
        continue
      }
      if (this.bySymbol.has(symbol)) continue
      const book = new OrderBook(256)
      const state: SymbolState = {
        instrument,
        book,
        update: { instrument, book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 },
        sync: "waiting-first-event",
        sequence: 0,
        bidBoundary: -Infinity,
        askBoundary: Infinity,
        buffer: [],
        snapshotInFlight: false
      }
      this.bySymbol.set(symbol, state)
      this.byVenueSymbol.set(instrument.venueSymbol, state)
    }
    this.requestToken()
  }

  private requestToken(): void {
    this.tokenRequested = true
    this.options.transport.request({ method: "POST", path: KUCOIN_BULLET_PATH })
  }

  private onToken(status: number, body: string): void {
    this.tokenRequested = false
    let token: string
    let server: InstanceServer
    try {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
      const envelope = JSON.parse(body) as { code?: unknown; data?: { token?: unknown; instanceServers?: unknown } }
      const first = Array.isArray(envelope.data?.instanceServers) ? (envelope.data.instanceServers[0] as Record<string, unknown> | undefined) : undefined
      if (envelope.code !== KUCOIN_OK || typeof envelope.data?.token !== "string" || typeof first?.["endpoint"] !== "string") {
        throw new Error(`no token or instance server: ${body.slice(0, 200)}`)
      }
      token = envelope.data.token
      const interval = typeof first["pingInterval"] === "number" ? first["pingInterval"] : 18_000
      const timeout = typeof first["pingTimeout"] === "number" ? first["pingTimeout"] : 10_000
      server = { endpoint: first["endpoint"], pingIntervalUs: interval * 1000, pingTimeoutUs: timeout * 1000 }
    } catch (error) {
      return this.incident({ kind: "rejected", detail: `connection token: ${(error as Error).message}` })
    }
    this.server = server
    const connectId = `hft${Date.now().toString(36)}`
    this.options.transport.connect(`${server.endpoint}?token=${encodeURIComponent(token)}&connectId=${connectId}`)
  }

  private onWelcome(): void {
    this.welcomed = true
    this.lastPingUs = this.nowUs
    const symbols = [...this.bySymbol.values()].map((s) => s.instrument.venueSymbol)
    for (let i = 0; i < symbols.length; i += TOPICS_PER_SUBSCRIBE) {
      const chunk = symbols.slice(i, i + TOPICS_PER_SUBSCRIBE).join(",")
      for (const topic of [`/market/level2:${chunk}`, `/market/match:${chunk}`]) {
        const id = String(this.nextId++)
        this.pendingAcks.set(id, this.nowUs)
        this.send({ id, type: "subscribe", topic, privateChannel: false, response: true })
      }
    }
  }

  private onDiff(diff: L2Diff, recvUs: number, recvMonoNs: number): void {
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
    if (diff.sequenceEnd <= state.sequence) return
    if (diff.sequenceStart > state.sequence + 1) return this.gap(state, diff.copy(), "")
    this.apply(state, diff)
    if (state.book.isCrossed()) return this.rebuild(state, "crossed book", "book crossed after update: rebuilding")
    if (this.depthExhausted(state)) return this.rebuild(state, "known depth exhausted", "fewer known levels than the minimum: new snapshot")
    this.publish(state, recvUs, recvMonoNs)
  }

  /** Applies the changes newer than the book's sequence and moves the book to the push's end. */
  private apply(state: SymbolState, diff: L2Diff): void {
    applySide(state.book.bids, diff.bids, state.sequence, state.bidBoundary, 1)
    applySide(state.book.asks, diff.asks, state.sequence, state.askBoundary, -1)
    state.sequence = diff.sequenceEnd
    this.stats.bookUpdates++
  }

  private depthExhausted(state: SymbolState): boolean {
    const book = state.book
    return (state.bidBoundary > -Infinity && book.bids.count < MIN_KNOWN_LEVELS) || (state.askBoundary < Infinity && book.asks.count < MIN_KNOWN_LEVELS)
  }

  private onMatch(recvUs: number): void {
    const m = this.decoder.match
    const state = this.byVenueSymbol.get(m.instrument!.venueSymbol)!
    const out = state.trade
    out.price = m.price
    out.size = m.size
    out.takerSide = m.takerSide
    out.id = m.tradeId
    out.exchangeUs = m.timeUs
    out.recvUs = recvUs
    this.stats.trades++
    this.options.listener.onTrade(out)
  }

  private requestSnapshot(state: SymbolState): void {
    state.sync = "waiting-snapshot"
    if (state.snapshotInFlight) return
    state.snapshotInFlight = true
    this.options.transport.request({ method: "GET", path: `${KUCOIN_SNAPSHOT_PATH}?symbol=${state.instrument.venueSymbol}` })
  }

  private onSnapshot(state: SymbolState, status: number, body: string): void {
    state.snapshotInFlight = false
    if (state.sync !== "waiting-snapshot") return
    // A failed request is asked again from the next tick, not at once (rate limits).
    if (status !== 200) {
      return this.incident({ kind: "rejected", symbol: state.instrument.symbol, detail: `level2 snapshot HTTP ${status}: ${body.slice(0, 200)}` })
    }
    let snapshot
    try {
      snapshot = decodeKucoinSnapshot(body, state.instrument)
    } catch (error) {
      this.stats.malformed++
      return this.incident({ kind: "malformed", symbol: state.instrument.symbol, detail: `level2 snapshot: ${(error as Error).message}` })
    }
    const first = state.buffer[0]
    // The snapshot must reach the first buffered push; an older one is fetched again.
    if (first !== undefined && snapshot.sequence + 1 < first.sequenceStart) return this.requestSnapshot(state)
    const book = state.book
    book.clear()
    for (const [price, size] of snapshot.bids) book.bids.set(price, size)
    for (const [price, size] of snapshot.asks) book.asks.set(price, size)
    state.bidBoundary = snapshot.bids.length >= KUCOIN_SNAPSHOT_DEPTH ? snapshot.bids.at(-1)![0] : -Infinity
    state.askBoundary = snapshot.asks.length >= KUCOIN_SNAPSHOT_DEPTH ? snapshot.asks.at(-1)![0] : Infinity
    state.sequence = snapshot.sequence
    const buffered = state.buffer
    state.buffer = []
    for (let k = 0; k < buffered.length; k++) {
      const diff = buffered[k]!
      if (diff.sequenceEnd <= state.sequence) continue
      if (diff.sequenceStart > state.sequence + 1) {
        this.gap(state, diff, " after snapshot")
        state.buffer.push(...buffered.slice(k + 1))
        return
      }
      this.apply(state, diff)
    }
    state.sync = "synced"
    if (book.isCrossed()) return this.rebuild(state, "crossed book", "book crossed after snapshot: rebuilding")
    this.publish(state, 0, 0)
  }

  /** A push that does not follow the book: counted, and the book rebuilt from it on. `diff` is a detached copy. */
  private gap(state: SymbolState, diff: L2Diff, where: string): void {
    this.stats.gaps++
    this.incident({
      kind: "gap",
      symbol: state.instrument.symbol,
      detail: `push ${diff.sequenceStart}..${diff.sequenceEnd} does not follow ${state.sequence}${where}`
    })
    this.invalidate(state, "sequence gap", true)
    state.buffer.push(diff)
    this.requestSnapshot(state)
  }

  /** Drops the book and rebuilds it from a new snapshot (not a gap). */
  private rebuild(state: SymbolState, reason: string, detail: string): void {
    this.incident({ kind: "info", symbol: state.instrument.symbol, detail })
    this.invalidate(state, reason, true)
    this.requestSnapshot(state)
  }

  private publish(state: SymbolState, recvUs: number, recvMonoNs: number): void {
    state.update.recvUs = recvUs
    state.update.recvMonoNs = recvMonoNs
    this.options.listener.onBook(state.update)
  }

  private invalidate(state: SymbolState, reason: string, resync: boolean): void {
    const wasSynced = state.sync === "synced"
    state.sync = "waiting-first-event"
    state.buffer = []
    state.book.clear()
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

/**
 * Applies one side's changes newer than `sequence`: size 0 deletes, price 0 only
 * advances the sequence, levels beyond `boundary` (worse than the snapshot's last) are
 * not kept. `sign` is +1 for bids, −1 for asks.
 */
const applySide = (side: BookSide, changes: SideChanges, sequence: number, boundary: number, sign: 1 | -1): void => {
  for (let i = 0; i < changes.count; i++) {
    if (changes.seqs[i]! <= sequence) continue
    const price = changes.prices[i]!
    if (price === 0 || price * sign < boundary * sign) continue
    side.set(price, changes.sizes[i]!)
  }
}
