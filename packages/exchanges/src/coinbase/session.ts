/**
 * Coinbase Advanced Trade market-data session logic: the products list, one subscribe
 * message per channel (`level2`, `market_trades`, `heartbeats`), books rebuilt from the
 * `level2` snapshot event, and the connection-wide `sequence_num` check.
 *
 * Every message on a connection carries `sequence_num`, one more than the previous,
 * whatever its channel; a data snapshot may even come before the subscription ack. So
 * any jump means some message — of any channel — was lost: every book is invalidated
 * and `level2` is resubscribed (unsubscribe + subscribe) for fresh snapshots. A book
 * that still has no snapshot some seconds later is repaired by reconnecting. A
 * malformed frame is handled the same way: its content is lost, and it is taken to have
 * used up one sequence number, so a loss right after it is still seen.
 *
 * `-USDC` products are served on the public channels under their `-USD` alias, so the
 * feed subscribes the alias and feeds every requested instrument of an alias family
 * from that one stream (they share its book).
 *
 * @module
 */
import { type BookUpdate, type Instrument, type TradePrint, ASK, BID, InstrumentTable, OrderBook } from "@hft/core"
import { type FeedIncident, type FeedOptions, type FeedStats, type RestRequest, type VenueFeed, emptyStats } from "../feed.ts"
import { CoinbaseDecoder, type CoinbaseFrame, FrameKind } from "./codec.ts"
import { PRODUCTS_PATH, parseProducts } from "./instruments.ts"
import { IdIndex } from "../id-index.ts"

/** Ticks (about a second each) a stream may wait for its `level2` snapshot before the feed reconnects. */
const SNAPSHOT_TIMEOUT_TICKS = 10

/** A requested canonical symbol, fed from a stream. */
interface Member {
  readonly instrument: Instrument
  readonly stream: Stream
  readonly update: BookUpdate
  readonly trade: TradePrint
}

/** One product id on the wire and the requested instruments fed from it. */
interface Stream {
  readonly productId: string
  readonly book: OrderBook
  readonly members: Array<Member>
  synced: boolean
  /** Ticks spent waiting for a snapshot since the last (re)subscription; -1 when not waiting. */
  waitingTicks: number
}

/** The Coinbase implementation of {@link VenueFeed}. */
export class CoinbaseFeed implements VenueFeed {
  readonly stats: FeedStats = emptyStats()
  private readonly options: FeedOptions
  private table: InstrumentTable | undefined
  private streams: Array<Stream> = []
  private readonly bySymbol = new Map<string, Member>()
  private decoder: CoinbaseDecoder | undefined
  private metadataRequested = false
  private open = false
  /** Last `sequence_num` seen on this connection, -1 before the first one. */
  private lastSequence = -1
  /** Streams to resubscribe once the current frame is handled. */
  private readonly resubscribe = new Set<Stream>()

  constructor(options: FeedOptions) {
    this.options = options
  }

  start(): void {
    this.metadataRequested = true
    this.options.transport.request({ method: "GET", path: `${PRODUCTS_PATH}?product_type=SPOT` })
  }

  onOpen(): void {
    this.open = true
    this.lastSequence = -1
    const ids = this.streams.map((s) => s.productId)
    // One channel per message, within 5 s of connecting.
    this.subscribe("subscribe", "level2", ids)
    this.subscribe("subscribe", "market_trades", ids)
    this.options.transport.send(JSON.stringify({ type: "subscribe", channel: "heartbeats" }))
    for (const stream of this.streams) stream.waitingTicks = 0
  }

  onFrame(text: string, recvUs: number, recvMonoNs: number): void {
    this.stats.frames++
    const decoder = this.decoder
    if (decoder === undefined) return
    const kind = decoder.decode(text)
    const frame = decoder.frame
    if (kind === FrameKind.Malformed) {
      this.stats.malformed++
      this.incident({ kind: "malformed", detail: `${frame.error}: ${text.slice(0, 120)}` })
      // Every message carries a sequence number: an unreadable frame used up the next one.
      if (frame.sequence >= 0) this.sequenced(frame.sequence)
      else if (this.lastSequence >= 0) this.lastSequence++
      this.resyncAll("malformed frame")
      return this.flushResubscribe()
    }
    if (frame.sequence >= 0) this.sequenced(frame.sequence)
    switch (kind) {
      case FrameKind.Level2:
        this.onLevel2(frame, recvUs, recvMonoNs)
        break
      case FrameKind.Trades:
        this.onTrades(frame, recvUs)
        break
      case FrameKind.Error:
        this.incident({ kind: "rejected", detail: frame.error })
        break
    }
    if (this.resubscribe.size > 0) this.flushResubscribe()
  }

  onRest(request: RestRequest, status: number, body: string, _recvUs: number): void {
    if (!request.path.startsWith(PRODUCTS_PATH)) return
    if (status !== 200) {
      this.metadataRequested = false
      return this.incident({ kind: "rejected", detail: `products HTTP ${status}: ${body.slice(0, 200)}` })
    }
    let catalog
    try {
      catalog = parseProducts(body)
    } catch (error) {
      this.metadataRequested = false
      return this.incident({ kind: "malformed", detail: `products: ${(error as Error).message}` })
    }
    this.table = new InstrumentTable(catalog.instruments)
    const byProduct = new Map<string, Stream>(this.streams.map((s) => [s.productId, s]))
    for (const symbol of this.options.symbols) {
      if (this.bySymbol.has(symbol)) continue
      const instrument = this.table.fromSymbol(symbol)
      if (instrument === undefined) {
        this.incident({ kind: "rejected", symbol, detail: `Coinbase does not list ${symbol}` })
        continue
      }
      const productId = catalog.streamOf.get(instrument.venueSymbol) ?? instrument.venueSymbol
      let stream = byProduct.get(productId)
      if (stream === undefined) {
        stream = { productId, book: new OrderBook(), members: [], synced: false, waitingTicks: -1 }
        byProduct.set(productId, stream)
        this.streams.push(stream)
      }
      const member: Member = {
        instrument,
        stream,
        update: { instrument, book: stream.book, recvUs: 0, recvMonoNs: 0 },
        trade: { instrument, price: 0, size: 0, takerSide: BID, id: "", exchangeUs: 0, recvUs: 0 }
      }
      stream.members.push(member)
      this.bySymbol.set(symbol, member)
    }
    if (this.streams.length === 0) return
    // Numbers of a stream are parsed at its own product's scales (shared by its alias family).
    this.decoder = new CoinbaseDecoder(
      new IdIndex(this.streams.map((s) => [s.productId, this.table!.fromVenueSymbol(s.productId) ?? s.members[0]!.instrument] as const))
    )
    this.options.transport.connect("/")
  }

  onClose(reason: string): void {
    this.open = false
    this.lastSequence = -1
    this.resubscribe.clear()
    for (const stream of this.streams) {
      if (this.invalidate(stream, `disconnected: ${reason}`)) this.stats.resyncs++
      stream.waitingTicks = -1
    }
  }

  onTick(_nowUs: number): void {
    // The products list failed to load: ask again.
    if (this.table === undefined && !this.metadataRequested) return this.start()
    if (!this.open) return
    for (const stream of this.streams) {
      if (stream.synced || stream.waitingTicks < 0) continue
      if (++stream.waitingTicks > SNAPSHOT_TIMEOUT_TICKS) {
        this.incident({ kind: "info", symbol: stream.members[0]!.instrument.symbol, detail: `no level2 snapshot for ${stream.productId}: reconnecting` })
        for (const s of this.streams) s.waitingTicks = -1
        return this.options.transport.reconnect(`no level2 snapshot for ${stream.productId}`)
      }
    }
  }

  instruments(): InstrumentTable | undefined {
    return this.table
  }

  book(symbol: string): OrderBook | undefined {
    const member = this.bySymbol.get(symbol)
    return member?.stream.synced === true ? member.stream.book : undefined
  }

  instrument(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol)?.instrument
  }

  /** Checks a frame's `sequence_num` against the last one: any jump is a gap (a new connection starts a new count). */
  private sequenced(sequence: number): void {
    if (this.lastSequence >= 0 && sequence !== this.lastSequence + 1) {
      this.stats.gaps++
      this.incident({ kind: "gap", detail: `sequence_num ${sequence} after ${this.lastSequence}` })
      this.resyncAll("sequence gap")
    }
    this.lastSequence = sequence
  }

  private onLevel2(frame: CoinbaseFrame, recvUs: number, recvMonoNs: number): void {
    for (let e = 0; e < frame.eventCount; e++) {
      const product = frame.eventProduct[e]!
      if (product < 0) continue
      const stream = this.streams[product]!
      const book = stream.book
      if (frame.eventSnapshot[e] === 1) {
        book.clear()
        stream.synced = true
        stream.waitingTicks = -1
        this.resubscribe.delete(stream)
      } else if (!stream.synced) {
        continue
      }
      const sides = frame.levelSide
      const prices = frame.levelPrice
      const sizes = frame.levelSize
      for (let i = frame.eventStart[e]!, end = frame.eventEnd[e]!; i < end; i++) {
        if (sides[i] === BID) book.bids.set(prices[i]!, sizes[i]!)
        else book.asks.set(prices[i]!, sizes[i]!)
      }
      this.stats.bookUpdates++
      if (book.isCrossed()) {
        this.incident({ kind: "gap", symbol: stream.members[0]!.instrument.symbol, detail: `${stream.productId} book crossed after an update: resubscribing` })
        this.resync(stream, "crossed book")
        continue
      }
      const members = stream.members
      for (let m = 0; m < members.length; m++) {
        const update = members[m]!.update
        update.recvUs = recvUs
        update.recvMonoNs = recvMonoNs
        this.options.listener.onBook(update)
      }
    }
  }

  private onTrades(frame: CoinbaseFrame, recvUs: number): void {
    // Coinbase lists a batch newest first: deliver oldest first. Snapshot events are
    // history from before the subscription and are not delivered as new prints.
    for (let i = frame.tradeCount - 1; i >= 0; i--) {
      if (frame.tradeSnapshot[i] === 1) continue
      const members = this.streams[frame.tradeProduct[i]!]!.members
      for (let m = 0; m < members.length; m++) {
        const out = members[m]!.trade
        out.price = frame.tradePrice[i]!
        out.size = frame.tradeSize[i]!
        out.takerSide = frame.tradeSide[i] === BID ? BID : ASK
        out.id = frame.tradeId[i]!
        const us = frame.tradeUs[i]!
        out.exchangeUs = Number.isNaN(us) ? recvUs : us
        out.recvUs = recvUs
        this.stats.trades++
        this.options.listener.onTrade(out)
      }
    }
  }

  private resyncAll(reason: string): void {
    for (const stream of this.streams) this.resync(stream, reason)
  }

  private resync(stream: Stream, reason: string): void {
    this.invalidate(stream, reason)
    this.stats.resyncs++
    this.resubscribe.add(stream)
  }

  /** Unsubscribes and resubscribes `level2` for the streams that need a new snapshot, in one message each. */
  private flushResubscribe(): void {
    if (!this.open) return this.resubscribe.clear()
    const ids = [...this.resubscribe].map((s) => s.productId)
    for (const stream of this.resubscribe) stream.waitingTicks = 0
    this.resubscribe.clear()
    this.subscribe("unsubscribe", "level2", ids)
    this.subscribe("subscribe", "level2", ids)
  }

  private subscribe(type: "subscribe" | "unsubscribe", channel: string, productIds: ReadonlyArray<string>): void {
    if (productIds.length > 0) this.options.transport.send(JSON.stringify({ type, product_ids: productIds, channel }))
  }

  /** Drops a stream's book; true when it was in sync (its members are told). */
  private invalidate(stream: Stream, reason: string): boolean {
    const wasSynced = stream.synced
    stream.synced = false
    stream.book.clear()
    if (wasSynced) for (const member of stream.members) this.options.listener.onBookInvalid?.(member.instrument, reason)
    return wasSynced
  }

  private incident(incident: FeedIncident): void {
    this.options.onIncident?.(incident)
  }
}
