/**
 * A first-in first-out message line with a delay, on a {@link Clock}: the network leg
 * between us and a paper venue. Each message gets its own delay, but a message never
 * overtakes the one sent before it (like bytes on one connection), so an ack is never
 * delivered after the fill that follows it.
 *
 * One clock timer at a time, for the head of the line.
 *
 * @module
 */
import type { Clock, TimerHandle } from "@hft/core"

/** A delayed FIFO that hands each message to `deliver` when its time comes. */
export class DelayLine<T> {
  private readonly clock: Clock
  private readonly deliver: (message: T) => void
  private items: Array<T | undefined> = []
  private times: Array<number> = []
  private head = 0
  private lastUs = -Infinity
  private timer: TimerHandle | undefined = undefined
  private draining = false
  private readonly run = (): void => {
    this.timer = undefined
    this.draining = true
    try {
      const now = this.clock.nowUs()
      while (this.head < this.items.length && this.times[this.head]! <= now) {
        const message = this.items[this.head] as T
        this.items[this.head] = undefined
        this.head++
        this.deliver(message)
      }
    } finally {
      this.draining = false
      this.compact()
      if (this.head < this.items.length) this.arm()
    }
  }

  /** Creates an empty line delivering to `deliver`. */
  constructor(clock: Clock, deliver: (message: T) => void) {
    this.clock = clock
    this.deliver = deliver
  }

  /** Sends `message`, due `delayUs` from now (or right after the previous message, if that is later); returns the due time. */
  push(delayUs: number, message: T): number {
    const due = Math.max(this.clock.nowUs() + delayUs, this.lastUs)
    this.lastUs = due
    this.items.push(message)
    this.times.push(due)
    if (this.timer === undefined && !this.draining) this.arm()
    return due
  }

  /** Messages sent and not yet delivered. */
  get length(): number {
    return this.items.length - this.head
  }

  private arm(): void {
    this.timer = this.clock.schedule(Math.max(0, this.times[this.head]! - this.clock.nowUs()), this.run)
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0
      this.times.length = 0
      this.head = 0
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.times = this.times.slice(this.head)
      this.head = 0
    }
  }
}
