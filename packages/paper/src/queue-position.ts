/**
 * Queue position of one resting paper order at its price level.
 *
 * The rules (conservative where the data is ambiguous):
 * - **Arrival.** The order queues behind everything the level displays when it
 *   arrives (`ahead = displayed`; 0 on a new level).
 * - **Trades.** A public trade at our price against our side first consumes the queue
 *   ahead of us; only what is left of it reaches us ({@link QueuePosition.onTrade}).
 * - **Cancels ahead.** At each book update, the drop of the displayed size that the
 *   trades since the previous update do not explain is taken as cancellations, spread
 *   evenly over the queue: `ahead` shrinks by the same fraction as the level did
 *   (`ahead × cancelled / sizeBeforeCancels`, rounded so that `ahead` stays the larger),
 *   and `ahead` never exceeds what the level displays. Growth of the level (orders
 *   joining) lands behind us and changes nothing.
 * - **Trade-through.** When the market trades or quotes through our price the queue at
 *   our price is gone: {@link QueuePosition.clear}.
 *
 * Our own earlier orders at the same price are not in the public size; the venue
 * counts them separately (they are ahead of a later own order).
 *
 * @module
 */

/** Public size ahead of a resting order, maintained from trades and book updates. */
export class QueuePosition {
  /** Public size ahead of us, in size units. */
  ahead: number
  /** Size the level displayed at the last book update (or at arrival). */
  displayed: number
  /** Public volume traded at our price against our side since that update. */
  traded = 0

  /** Starts behind `displayedAtArrival` (the level's displayed size when the order arrived). */
  constructor(displayedAtArrival: number) {
    this.ahead = displayedAtArrival
    this.displayed = displayedAtArrival
  }

  /** A public trade of `size` hit our price level: returns the part that reaches past the queue ahead (0 when it does not). */
  onTrade(size: number): number {
    const reach = size - this.ahead
    this.ahead = reach >= 0 ? 0 : -reach
    this.traded += size
    return reach > 0 ? reach : 0
  }

  /** The book now displays `displayedNow` at our price: infers cancellations ahead of us (see the module rules). */
  onLevel(displayedNow: number): void {
    const drop = this.displayed - displayedNow
    if (drop > this.traded && this.ahead > 0) {
      const cancelled = drop - this.traded
      const before = this.displayed - this.traded
      this.ahead -= Math.floor((this.ahead * cancelled) / before)
    }
    if (this.ahead > displayedNow) this.ahead = displayedNow
    this.displayed = displayedNow
    this.traded = 0
  }

  /** Starts over from the level as displayed now, keeping the position (after the book was resynchronised). */
  resync(displayedNow: number): void {
    if (this.ahead > displayedNow) this.ahead = displayedNow
    this.displayed = displayedNow
    this.traded = 0
  }

  /** The market went through our price: nothing is ahead of us any more. */
  clear(): void {
    this.ahead = 0
  }
}
