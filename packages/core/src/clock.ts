/**
 * The clock abstraction: live trading runs on the wall clock, backtests on simulated
 * time, and everything that waits (order latency, strategy timers) goes through it.
 *
 * @module
 */

/** A scheduled callback that can be canceled. */
export interface TimerHandle {
  /** Cancels the callback if it has not run yet. */
  cancel(): void
}

/** Time source and scheduler. Times are microseconds since the Unix epoch. */
export interface Clock {
  /** Current time in microseconds since the epoch. */
  nowUs(): number
  /** Runs `fn` once `delayUs` microseconds from now. */
  schedule(delayUs: number, fn: () => void): TimerHandle
}

/** The real clock: `performance` time for sub-millisecond reads, `setTimeout` to wait. */
export class WallClock implements Clock {
  private readonly originUs = performance.timeOrigin * 1000

  nowUs(): number {
    return Math.floor(this.originUs + performance.now() * 1000)
  }

  schedule(delayUs: number, fn: () => void): TimerHandle {
    const timer = setTimeout(fn, Math.max(0, delayUs / 1000))
    return { cancel: () => clearTimeout(timer) }
  }
}

interface SimulatedTimer {
  readonly atUs: number
  readonly seq: number
  readonly fn: () => void
  canceled: boolean
}

/** Simulated time for backtests and tests: nothing happens until {@link SimulatedClock.advanceTo}. */
export class SimulatedClock implements Clock {
  private now: number
  private seq = 0
  private readonly timers: Array<SimulatedTimer> = []

  constructor(startUs = 0) {
    this.now = startUs
  }

  nowUs(): number {
    return this.now
  }

  schedule(delayUs: number, fn: () => void): TimerHandle {
    const timer: SimulatedTimer = { atUs: this.now + Math.max(0, delayUs), seq: this.seq++, fn, canceled: false }
    // Keep timers sorted by (time, insertion order); the list is short in practice.
    let i = this.timers.length
    while (i > 0 && (this.timers[i - 1]!.atUs > timer.atUs)) i--
    this.timers.splice(i, 0, timer)
    return { cancel: () => void (timer.canceled = true) }
  }

  /**
   * Moves time forward to `us` (never backwards), running every timer due on the way in
   * time order, including those due at the current time.
   */
  advanceTo(us: number): void {
    us = Math.max(this.now, us)
    while (this.timers.length > 0 && this.timers[0]!.atUs <= us) {
      const timer = this.timers.shift()!
      this.now = Math.max(this.now, timer.atUs)
      if (!timer.canceled) timer.fn()
    }
    this.now = Math.max(this.now, us)
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.canceled).length
  }
}

/** Monotonic nanoseconds as a float, for latency measurement (not wall time). */
export const monoNs = (): number => performance.now() * 1e6
