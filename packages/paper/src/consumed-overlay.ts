/**
 * Liquidity our own orders already took from one side of a live book.
 *
 * Paper orders never reach the venue, so the public book still shows the size they
 * took. The overlay remembers, per price, how much we consumed and what the level
 * displayed at that moment; the next order sees only `displayed − consumed`. When the
 * venue's book shows a different size at that price the level has been updated by the
 * market, and the overlay entry is dropped (the new size is the venue's word).
 *
 * Entries are few (the levels our takers touched since the book last changed there):
 * flat arrays, linear search, no allocation once grown.
 *
 * @module
 */
import type { BookSide } from "@hft/core"

/** Consumed size per price level on one side of a book. */
export class ConsumedOverlay {
  private prices = new Float64Array(8)
  private consumed = new Float64Array(8)
  private displayed = new Float64Array(8)
  /** Number of levels with consumed size. */
  count = 0

  /** Size still available at `price` when the book displays `displayedNow` there. */
  available(price: number, displayedNow: number): number {
    const i = this.indexOf(price)
    if (i < 0 || this.displayed[i] !== displayedNow) return displayedNow
    const left = displayedNow - this.consumed[i]!
    return left > 0 ? left : 0
  }

  /** Records that we took `size` at `price` while the book displayed `displayedNow` there. */
  consume(price: number, size: number, displayedNow: number): void {
    let i = this.indexOf(price)
    if (i >= 0 && this.displayed[i] !== displayedNow) {
      this.consumed[i] = 0
      this.displayed[i] = displayedNow
    }
    if (i < 0) {
      if (this.count === this.prices.length) this.grow()
      i = this.count++
      this.prices[i] = price
      this.consumed[i] = 0
      this.displayed[i] = displayedNow
    }
    this.consumed[i]! += size
  }

  /** Drops the entries whose level the book now displays with a different size (or not at all). */
  reconcile(side: BookSide): void {
    let i = 0
    while (i < this.count) {
      if (side.sizeAtPrice(this.prices[i]!) !== this.displayed[i]) this.removeAt(i)
      else i++
    }
  }

  /** Forgets everything (e.g. when the book was invalidated). */
  clear(): void {
    this.count = 0
  }

  private indexOf(price: number): number {
    for (let i = 0; i < this.count; i++) if (this.prices[i] === price) return i
    return -1
  }

  private removeAt(i: number): void {
    const last = --this.count
    this.prices[i] = this.prices[last]!
    this.consumed[i] = this.consumed[last]!
    this.displayed[i] = this.displayed[last]!
  }

  private grow(): void {
    const n = this.prices.length * 2
    const prices = new Float64Array(n)
    const consumed = new Float64Array(n)
    const displayed = new Float64Array(n)
    prices.set(this.prices)
    consumed.set(this.consumed)
    displayed.set(this.displayed)
    this.prices = prices
    this.consumed = consumed
    this.displayed = displayed
  }
}
