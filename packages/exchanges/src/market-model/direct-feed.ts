/**
 * An in-process feed: a {@link MarketSink} that keeps its own copy of one venue's book
 * and delivers it to {@link MarketListener}s as a venue session would after decoding
 * the wire — trades at once, level changes buffered and applied as one diff per
 * flush. It wires the market model straight to paper venues and strategies (demos
 * without sockets, backtests, tests).
 *
 * Like the real feeds it reuses one {@link BookUpdate} and one {@link TradePrint}
 * object, overwritten per event: listeners copy what they keep.
 *
 * @module
 */
import {
  type BookUpdate,
  type Clock,
  type Instrument,
  type MarketListener,
  monoNs,
  OrderBook,
  type Side,
  type TradePrint
} from "@hft/core"
import type { MarketSink } from "./market-sink.ts"

/** A sink that mirrors one instrument's book and calls market listeners synchronously. */
export class DirectFeed implements MarketSink {
  /** The instrument this feed carries; changes for other symbols are ignored. */
  readonly instrument: Instrument
  /** The book as published so far (changes since the last flush are not in it yet). */
  readonly book: OrderBook
  private readonly clock: Clock
  private readonly listeners: Array<MarketListener> = []
  private readonly update: BookUpdate
  private readonly print: TradePrint
  private pendingSide = new Uint8Array(256)
  private pendingPrice = new Float64Array(256)
  private pendingSize = new Float64Array(256)
  private pendingCount = 0
  private tradeSeq = 0
  private published = false

  /** Creates the feed; `listeners` get every book update and trade. */
  constructor(clock: Clock, instrument: Instrument, listeners: ReadonlyArray<MarketListener> = []) {
    this.clock = clock
    this.instrument = instrument
    this.book = new OrderBook()
    this.listeners.push(...listeners)
    this.update = { instrument, book: this.book, recvUs: 0, recvMonoNs: 0 }
    this.print = { instrument, price: 0, size: 0, takerSide: 0, id: "", exchangeUs: 0, recvUs: 0 }
  }

  /** Adds a listener (it sees the book from the next flush on). */
  addListener(listener: MarketListener): void {
    this.listeners.push(listener)
  }

  /** Removes a listener. */
  removeListener(listener: MarketListener): void {
    const i = this.listeners.indexOf(listener)
    if (i >= 0) this.listeners.splice(i, 1)
  }

  /** Buffers a level change until the next {@link flush}. */
  setLevel(symbol: string, side: Side, price: number, size: number): void {
    if (symbol !== this.instrument.symbol) return
    if (this.pendingCount === this.pendingPrice.length) this.grow()
    const i = this.pendingCount++
    this.pendingSide[i] = side
    this.pendingPrice[i] = price
    this.pendingSize[i] = size
  }

  /** Delivers a trade to every listener at once (trade ids count up from 1). */
  trade(symbol: string, takerSide: Side, price: number, size: number, tsUs: number): void {
    if (symbol !== this.instrument.symbol) return
    const print = this.print
    print.price = price
    print.size = size
    print.takerSide = takerSide
    print.id = String(++this.tradeSeq)
    print.exchangeUs = tsUs
    print.recvUs = this.clock.nowUs()
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i]!.onTrade(print)
  }

  /** Applies the buffered changes and delivers one book update (skipped when nothing changed since the last one). */
  flush(): void {
    const n = this.pendingCount
    if (n === 0 && this.published) return
    const book = this.book
    for (let i = 0; i < n; i++) book.setLevel(this.pendingSide[i] as Side, this.pendingPrice[i]!, this.pendingSize[i]!)
    this.pendingCount = 0
    this.published = true
    const update = this.update
    update.recvUs = this.clock.nowUs()
    update.recvMonoNs = monoNs()
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i]!.onBook(update)
  }

  /** Tells the listeners the book is not trustworthy (as a feed does on a gap or disconnect). */
  invalidate(reason: string): void {
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i]!.onBookInvalid?.(this.instrument, reason)
  }

  private grow(): void {
    const n = this.pendingPrice.length * 2
    const side = new Uint8Array(n)
    const price = new Float64Array(n)
    const size = new Float64Array(n)
    side.set(this.pendingSide)
    price.set(this.pendingPrice)
    size.set(this.pendingSize)
    this.pendingSide = side
    this.pendingPrice = price
    this.pendingSize = size
  }
}
