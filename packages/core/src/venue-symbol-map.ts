/**
 * A map keyed by (venue, symbol) without building a key string per lookup: the hot path
 * looks instruments, books, positions and exposures up this way on every update.
 *
 * @module
 */

/** Values by venue, then by canonical symbol; iterates in insertion order. */
export class VenueSymbolMap<V> {
  private readonly byVenue = new Map<string, Map<string, V>>()
  private readonly inOrder: Array<V> = []

  /** The value for (venue, symbol), if any. */
  get(venue: string, symbol: string): V | undefined {
    return this.byVenue.get(venue)?.get(symbol)
  }

  /** Sets the value for (venue, symbol). */
  set(venue: string, symbol: string, value: V): void {
    let bySymbol = this.byVenue.get(venue)
    if (bySymbol === undefined) {
      bySymbol = new Map()
      this.byVenue.set(venue, bySymbol)
    }
    const previous = bySymbol.get(symbol)
    bySymbol.set(symbol, value)
    if (previous === undefined) this.inOrder.push(value)
    else this.inOrder[this.inOrder.indexOf(previous)] = value
  }

  /** Removes the value for (venue, symbol); true if there was one. */
  delete(venue: string, symbol: string): boolean {
    const bySymbol = this.byVenue.get(venue)
    const value = bySymbol?.get(symbol)
    if (bySymbol === undefined || value === undefined) return false
    bySymbol.delete(symbol)
    if (bySymbol.size === 0) this.byVenue.delete(venue)
    this.inOrder.splice(this.inOrder.indexOf(value), 1)
    return true
  }

  /** Every value, in the order first set. */
  values(): IterableIterator<V> {
    return this.inOrder.values()
  }
}
