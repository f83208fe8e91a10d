import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { monoNs, SimulatedClock, WallClock } from "../src/clock.ts"

describe("SimulatedClock", () => {
  it("starts at the given time and does nothing until advanced", () => {
    const clock = new SimulatedClock(1_000)
    expect(clock.nowUs()).toBe(1_000)
    let ran = false
    clock.schedule(0, () => void (ran = true))
    expect(ran).toBe(false)
    expect(clock.pending()).toBe(1)
    clock.advanceTo(1_000)
    expect(ran).toBe(true)
    expect(clock.pending()).toBe(0)
    expect(new SimulatedClock().nowUs()).toBe(0)
  })

  it("runs timers in time order, then insertion order, each at its own time", () => {
    const clock = new SimulatedClock(100)
    const log: Array<string> = []
    const at = (name: string) => () => log.push(`${name}@${clock.nowUs()}`)
    clock.schedule(30, at("a"))
    clock.schedule(10, at("b"))
    clock.schedule(10, at("c"))
    clock.schedule(20, at("d"))
    clock.schedule(10, at("e"))
    clock.schedule(-5, at("f")) // a negative delay means now
    clock.advanceTo(115)
    expect(log).toEqual(["f@100", "b@110", "c@110", "e@110"])
    expect(clock.nowUs()).toBe(115)
    expect(clock.pending()).toBe(2)
    clock.advanceTo(1_000)
    expect(log).toEqual(["f@100", "b@110", "c@110", "e@110", "d@120", "a@130"])
    expect(clock.nowUs()).toBe(1_000)
  })

  it("a canceled timer never runs; canceling twice or after it ran is harmless", () => {
    const clock = new SimulatedClock()
    const log: Array<string> = []
    const a = clock.schedule(10, () => log.push("a"))
    const b = clock.schedule(10, () => log.push("b"))
    clock.schedule(20, () => log.push("c"))
    b.cancel()
    b.cancel()
    expect(clock.pending()).toBe(2)
    clock.advanceTo(10)
    expect(log).toEqual(["a"])
    a.cancel()
    clock.advanceTo(30)
    expect(log).toEqual(["a", "c"])
    expect(clock.pending()).toBe(0)
  })

  it("a timer can cancel a later timer due at the same time", () => {
    const clock = new SimulatedClock()
    const log: Array<string> = []
    let second: { cancel(): void } | undefined
    clock.schedule(5, () => {
      log.push("first")
      second?.cancel()
    })
    second = clock.schedule(5, () => log.push("second"))
    clock.advanceTo(5)
    expect(log).toEqual(["first"])
  })

  it("timers scheduled by timers run in the same advance when due, at their own time", () => {
    const clock = new SimulatedClock()
    const log: Array<string> = []
    clock.schedule(10, () => {
      log.push(`outer@${clock.nowUs()}`)
      clock.schedule(0, () => log.push(`zero@${clock.nowUs()}`))
      clock.schedule(5, () => log.push(`five@${clock.nowUs()}`))
      clock.schedule(100, () => log.push(`late@${clock.nowUs()}`))
    })
    clock.advanceTo(20)
    expect(log).toEqual(["outer@10", "zero@10", "five@15"])
    expect(clock.nowUs()).toBe(20)
    expect(clock.pending()).toBe(1)
    clock.advanceTo(110)
    expect(log.at(-1)).toBe("late@110")
  })

  it("never moves time backwards", () => {
    const clock = new SimulatedClock(500)
    let ran = false
    clock.schedule(10, () => void (ran = true))
    clock.advanceTo(100)
    expect(clock.nowUs()).toBe(500)
    expect(ran).toBe(false)
    clock.advanceTo(510)
    expect(ran).toBe(true)
    clock.advanceTo(505)
    expect(clock.nowUs()).toBe(510)
  })

  it("advancing to an earlier time still runs timers due now", () => {
    const clock = new SimulatedClock(500)
    let ran = false
    clock.schedule(0, () => void (ran = true))
    clock.advanceTo(400)
    expect(ran).toBe(true)
    expect(clock.nowUs()).toBe(500)
    expect(clock.pending()).toBe(0)
  })

  type Op =
    | { readonly kind: "schedule"; readonly delay: number }
    | { readonly kind: "cancel"; readonly which: number }
    | { readonly kind: "advance"; readonly to: number }

  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("schedule" as const), delay: fc.integer({ min: -5, max: 200 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), which: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), to: fc.integer({ min: 0, max: 1_000 }) }) }
  )

  it("against a reference: order, times, cancellation, pending count, monotone time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(op, { maxLength: 60 }), (start, ops) => {
        const clock = new SimulatedClock(start)
        interface Ref {
          readonly id: number
          readonly at: number
          canceled: boolean
          ranAt: number | undefined
          cancel(): void
        }
        const timers: Array<Ref> = []
        const ran: Array<number> = []
        let now = start
        for (const o of ops) {
          if (o.kind === "schedule") {
            const id = timers.length
            const ref: Ref = { id, at: now + Math.max(0, o.delay), canceled: false, ranAt: undefined, cancel: () => {} }
            const handle = clock.schedule(o.delay, () => {
              ref.ranAt = clock.nowUs()
              ran.push(id)
            })
            ref.cancel = () => handle.cancel()
            timers.push(ref)
          } else if (o.kind === "cancel") {
            if (timers.length === 0) continue
            const t = timers[o.which % timers.length]!
            t.cancel()
            if (t.ranAt === undefined) t.canceled = true
          } else {
            const before = ran.length
            clock.advanceTo(o.to)
            const expectedNow = Math.max(now, o.to)
            expect(clock.nowUs()).toBe(expectedNow)
            // exactly the due, live, not-yet-run timers ran, ordered by (time, insertion)
            const due = timers
              .filter((t) => !t.canceled && t.at <= expectedNow && !ran.slice(0, before).includes(t.id))
              .sort((x, y) => x.at - y.at || x.id - y.id)
              .map((t) => t.id)
            expect(ran.slice(before)).toEqual(due)
            now = expectedNow
          }
          for (const t of timers) if (t.ranAt !== undefined) expect(t.ranAt).toBe(t.at)
          expect(clock.pending()).toBe(timers.filter((t) => !t.canceled && t.ranAt === undefined).length)
        }
        for (const t of timers) if (t.canceled) expect(t.ranAt).toBeUndefined()
      }),
      { numRuns: 300 }
    )
  })
})

describe("WallClock and monoNs", () => {
  it("reads integer microseconds since the epoch", () => {
    const clock = new WallClock()
    const us = clock.nowUs()
    expect(Number.isSafeInteger(us)).toBe(true)
    // the same instant as Date.now(), to well within a minute (a unit check, not a timing one)
    expect(Math.abs(us - Date.now() * 1000)).toBeLessThan(60_000_000)
    expect(clock.nowUs()).toBeGreaterThanOrEqual(us)
  })

  it("a canceled wall-clock timer never runs; a live one does", async () => {
    const clock = new WallClock()
    let canceled = false
    clock.schedule(0, () => void (canceled = true)).cancel()
    const ran = await new Promise<boolean>((resolve) => clock.schedule(1_000, () => resolve(true)))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(ran).toBe(true)
    expect(canceled).toBe(false)
  })

  it("monoNs does not go backwards", () => {
    const a = monoNs()
    const b = monoNs()
    expect(b).toBeGreaterThanOrEqual(a)
    expect(Number.isFinite(a)).toBe(true)
  })
})
