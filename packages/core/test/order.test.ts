import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BID, ASK } from "../src/order-book.ts"
import {
  applyOrderEvent,
  IllegalTransition,
  isTerminal,
  newOrder,
  nextStatus,
  TERMINAL_STATUSES,
  type Order,
  type OrderEvent,
  type OrderRequest,
  type OrderStatus
} from "../src/order.ts"

const STATUSES: ReadonlyArray<OrderStatus> = ["new", "accepted", "partially_filled", "filled", "canceled", "rejected", "expired"]

const request: OrderRequest = {
  venue: "binance",
  symbol: "BTC/USDT",
  side: BID,
  type: "limit",
  price: 6500010,
  size: 10,
  tif: "GTC",
  postOnly: false
}

/** Event kinds of the table; fills are split by whether they fill everything remaining. */
type EventKind = "accept" | "reject" | "fill_partial" | "fill_full" | "cancel" | "expire"
const REMAINING = 10
const eventOf = (kind: EventKind): OrderEvent => {
  switch (kind) {
    case "accept":
      return { type: "accept" }
    case "reject":
      return { type: "reject", reason: "insufficient balance" }
    case "fill_partial":
      return { type: "fill", size: 3, price: 100 }
    case "fill_full":
      return { type: "fill", size: REMAINING, price: 100 }
    case "cancel":
      return { type: "cancel" }
    case "expire":
      return { type: "expire", reason: "IOC remainder" }
  }
}

const X = "illegal" as const
/** The whole transition table, written out: row = current status, column = event. */
const TABLE: Record<OrderStatus, Record<EventKind, OrderStatus | typeof X>> = {
  new: { accept: "accepted", reject: "rejected", fill_partial: X, fill_full: X, cancel: "canceled", expire: X },
  accepted: { accept: X, reject: X, fill_partial: "partially_filled", fill_full: "filled", cancel: "canceled", expire: "expired" },
  partially_filled: {
    accept: X,
    reject: X,
    fill_partial: "partially_filled",
    fill_full: "filled",
    cancel: "canceled",
    expire: "expired"
  },
  filled: { accept: X, reject: X, fill_partial: X, fill_full: X, cancel: X, expire: X },
  canceled: { accept: X, reject: X, fill_partial: X, fill_full: X, cancel: X, expire: X },
  rejected: { accept: X, reject: X, fill_partial: X, fill_full: X, cancel: X, expire: X },
  expired: { accept: X, reject: X, fill_partial: X, fill_full: X, cancel: X, expire: X }
}

const tableCases = STATUSES.flatMap((status) =>
  (Object.keys(TABLE[status]) as Array<EventKind>).map((kind) => [status, kind, TABLE[status][kind]] as const)
)

describe("nextStatus", () => {
  it("the table covers every status and every event type", () => {
    expect(tableCases).toHaveLength(STATUSES.length * 6)
  })

  it.each(tableCases)("%s + %s → %s", (status, kind, expected) => {
    const event = eventOf(kind)
    const next = nextStatus(status, event, REMAINING)
    if (expected === X) {
      expect(next).toBeInstanceOf(IllegalTransition)
      const err = next as IllegalTransition
      expect(err._tag).toBe("IllegalTransition")
      expect(err.from).toBe(status)
      expect(err.event).toBe(event.type)
      expect(err.message).toContain(`illegal order transition: ${event.type} in status ${status}`)
    } else {
      expect(next).toBe(expected)
    }
  })

  it("terminal statuses are exactly filled, canceled, rejected, expired", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(["canceled", "expired", "filled", "rejected"])
    for (const status of STATUSES) expect(isTerminal(status)).toBe(TABLE[status].cancel === X && TABLE[status].fill_partial === X)
  })

  it.each([
    ["over-fill", 11, 100],
    ["zero fill", 0, 100],
    ["negative fill", -1, 100],
    ["NaN fill", NaN, 100],
    ["infinite fill", Infinity, 100],
    ["fractional fill", 0.5, 100],
    ["fractional price", 1, 100.5],
    ["NaN price", 1, NaN]
  ])("refuses a %s (size %s at %s) with a detail", (_name, size, price) => {
    for (const status of ["accepted", "partially_filled"] as const) {
      const next = nextStatus(status, { type: "fill", size, price }, REMAINING)
      expect(next).toBeInstanceOf(IllegalTransition)
      expect((next as IllegalTransition).message).toMatch(/\(.+\)$/)
    }
  })

  it("a fill of exactly the remaining size fills; one less is partial", () => {
    expect(nextStatus("accepted", { type: "fill", size: 7, price: 1 }, 7)).toBe("filled")
    expect(nextStatus("accepted", { type: "fill", size: 6, price: 1 }, 7)).toBe("partially_filled")
    expect(nextStatus("partially_filled", { type: "fill", size: 1, price: 1 }, 1)).toBe("filled")
    expect((nextStatus("accepted", { type: "fill", size: 8, price: 1 }, 7) as IllegalTransition).message).toContain(
      "size 8 with 7 remaining"
    )
  })
})

describe("applyOrderEvent", () => {
  it("newOrder starts in status new with nothing filled and keeps the request", () => {
    const order = newOrder({ ...request, clientId: "c-1" }, "o-1", "strat-a")
    expect(order).toEqual({ ...request, clientId: "c-1", id: "o-1", owner: "strat-a", status: "new", filled: 0, filledNotional: 0n })
  })

  it("partial then full fill accumulates filled and filledNotional exactly", () => {
    const order = newOrder({ ...request, size: 10 }, "o-1", "s")
    expect(applyOrderEvent(order, { type: "accept" })).toBeUndefined()
    expect(order.status).toBe("accepted")
    expect(applyOrderEvent(order, { type: "fill", size: 4, price: 6500010 })).toBeUndefined()
    expect(order.status).toBe("partially_filled")
    expect(order.filled).toBe(4)
    expect(order.filledNotional).toBe(26000040n)
    expect(applyOrderEvent(order, { type: "fill", size: 6, price: 6500000 })).toBeUndefined()
    expect(order.status).toBe("filled")
    expect(order.filled).toBe(10)
    expect(order.filledNotional).toBe(26000040n + 39000000n)
    expect(order.reason).toBeUndefined()
  })

  it("filledNotional is exact above 2^53", () => {
    const big = 2 ** 40 + 1
    const order = newOrder({ ...request, size: big }, "o", "s")
    applyOrderEvent(order, { type: "accept" })
    applyOrderEvent(order, { type: "fill", size: big, price: big })
    expect(order.filledNotional).toBe(BigInt(big) * BigInt(big))
    expect(order.status).toBe("filled")
  })

  it("over-fill is refused and leaves the order untouched", () => {
    const order = newOrder({ ...request, size: 10 }, "o", "s")
    applyOrderEvent(order, { type: "accept" })
    applyOrderEvent(order, { type: "fill", size: 7, price: 100 })
    const before = { ...order }
    const err = applyOrderEvent(order, { type: "fill", size: 4, price: 100 })
    expect(err).toBeInstanceOf(IllegalTransition)
    expect(err!.message).toContain("size 4 with 3 remaining")
    expect(order).toEqual(before)
  })

  it.each([0, -5, 0.5, NaN])("a fill of %s is refused and leaves the order untouched", (size) => {
    const order = newOrder(request, "o", "s")
    applyOrderEvent(order, { type: "accept" })
    const before = { ...order }
    expect(applyOrderEvent(order, { type: "fill", size, price: 100 })).toBeInstanceOf(IllegalTransition)
    expect(order).toEqual(before)
  })

  it("a fill at a fractional price is refused, not half-applied", () => {
    const order = newOrder(request, "o", "s")
    applyOrderEvent(order, { type: "accept" })
    const before = { ...order }
    expect(applyOrderEvent(order, { type: "fill", size: 1, price: 100.5 })).toBeInstanceOf(IllegalTransition)
    expect(order).toEqual(before)
  })

  it("reject and expire record the reason; cancel does not", () => {
    const rejected = newOrder(request, "o1", "s")
    applyOrderEvent(rejected, { type: "reject", reason: "post-only would cross" })
    expect(rejected.status).toBe("rejected")
    expect(rejected.reason).toBe("post-only would cross")

    const expired = newOrder(request, "o2", "s")
    applyOrderEvent(expired, { type: "accept" })
    applyOrderEvent(expired, { type: "fill", size: 2, price: 5 })
    applyOrderEvent(expired, { type: "expire", reason: "IOC remainder" })
    expect(expired.status).toBe("expired")
    expect(expired.reason).toBe("IOC remainder")
    expect(expired.filled).toBe(2)
    expect(expired.filledNotional).toBe(10n)

    const canceled = newOrder({ ...request, side: ASK }, "o3", "s")
    applyOrderEvent(canceled, { type: "cancel" })
    expect(canceled.status).toBe("canceled")
    expect(canceled.reason).toBeUndefined()
  })

  it("an illegal event returns the transition error and changes nothing", () => {
    const order = newOrder(request, "o", "s")
    applyOrderEvent(order, { type: "cancel" })
    const before = { ...order }
    for (const kind of ["accept", "reject", "fill_partial", "fill_full", "cancel", "expire"] as const) {
      const err = applyOrderEvent(order, eventOf(kind))
      expect(err).toBeInstanceOf(IllegalTransition)
      expect(err!.from).toBe("canceled")
    }
    expect(order).toEqual(before)
  })
})

describe("order state machine properties", () => {
  const event: fc.Arbitrary<OrderEvent> = fc.oneof(
    fc.constant({ type: "accept" } as const),
    fc.record({ type: fc.constant("reject" as const), reason: fc.string({ maxLength: 5 }) }),
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant("fill" as const),
        size: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(0.5, NaN, Infinity)),
        price: fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom(0.5, NaN))
      })
    },
    fc.constant({ type: "cancel" } as const),
    fc.record({ type: fc.constant("expire" as const), reason: fc.string({ maxLength: 5 }) })
  )

  it("never leaves a terminal state, never over-fills, and tracks exactly what it applied", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(event, { maxLength: 30 }), (size, events) => {
        const order: Order = newOrder({ ...request, size }, "o", "s")
        let filled = 0
        let notional = 0n
        for (const e of events) {
          const before = { ...order }
          const expected = nextStatus(before.status, e, before.size - before.filled)
          const err = applyOrderEvent(order, e)
          if (isTerminal(before.status)) expect(err).toBeInstanceOf(IllegalTransition)
          if (err !== undefined) {
            expect(err).toBeInstanceOf(IllegalTransition)
            expect(expected).toBeInstanceOf(IllegalTransition)
            expect(order).toEqual(before)
          } else {
            expect(order.status).toBe(expected)
            if (e.type === "fill") {
              filled += e.size
              notional += BigInt(e.price) * BigInt(e.size)
            }
          }
          expect(order.filled).toBe(filled)
          expect(order.filledNotional).toBe(notional)
          expect(order.filled).toBeLessThanOrEqual(order.size)
          expect(Number.isSafeInteger(order.filled)).toBe(true)
          expect(order.status === "filled").toBe(order.filled === order.size)
          if (order.status === "partially_filled") {
            expect(order.filled).toBeGreaterThan(0)
            expect(order.filled).toBeLessThan(order.size)
          }
          if (order.status === "new" || order.status === "accepted" || order.status === "rejected") expect(order.filled).toBe(0)
        }
      }),
      { numRuns: 500 }
    )
  })
})
