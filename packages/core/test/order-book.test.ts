import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ASK, BID, BookSide, OrderBook, otherSide, type Level, type Side } from "../src/order-book.ts"

/** Reference model: one Map per side, sorted on demand. */
class ModelBook {
  readonly sides: [Map<number, number>, Map<number, number>] = [new Map(), new Map()]

  set(side: Side, price: number, size: number): void {
    if (size === 0) this.sides[side].delete(price)
    else this.sides[side].set(price, size)
  }

  /** Levels best first: bids descending, asks ascending. */
  levels(side: Side): Array<Level> {
    const entries = [...this.sides[side].entries()]
    entries.sort((a, b) => (side === BID ? b[0] - a[0] : a[0] - b[0]))
    return entries
  }

  truncate(depth: number): void {
    for (const side of [BID, ASK] as const) {
      const keep = this.levels(side).slice(0, depth)
      this.sides[side] = new Map(keep)
    }
  }

  clear(): void {
    this.sides[0].clear()
    this.sides[1].clear()
  }
}

type Command =
  | { readonly kind: "set"; readonly side: Side; readonly price: number; readonly size: number }
  | { readonly kind: "truncate"; readonly depth: number }
  | { readonly kind: "clear" }

const side: fc.Arbitrary<Side> = fc.constantFrom(BID, ASK)

const price = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 9_990, max: 10_010 }) }, // near the touch
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }, // far
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) }, // very far
  { weight: 1, arbitrary: fc.constantFrom(1, 9_999, 10_000, 10_001, Number.MAX_SAFE_INTEGER) }
)

const size = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) }, // deletes, often of unknown levels
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 1_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }
)

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 40, arbitrary: fc.record({ kind: fc.constant("set" as const), side, price, size }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), depth: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) }
)

const apply = (book: OrderBook, model: ModelBook, c: Command): void => {
  switch (c.kind) {
    case "set":
      book.setLevel(c.side, c.price, c.size)
      model.set(c.side, c.price, c.size)
      return
    case "truncate":
      book.truncate(c.depth)
      model.truncate(c.depth)
      return
    case "clear":
      book.clear()
      model.clear()
      return
  }
}

const expectAgrees = (book: OrderBook, model: ModelBook, probes: ReadonlyArray<number>): void => {
  const bids = model.levels(BID)
  const asks = model.levels(ASK)
  expect(book.bids.count).toBe(bids.length)
  expect(book.asks.count).toBe(asks.length)
  expect(book.top(BID, bids.length + 2)).toEqual(bids)
  expect(book.top(ASK, asks.length + 2)).toEqual(asks)
  expect(book.top(BID, 3)).toEqual(bids.slice(0, 3))
  expect(book.top(ASK, 3)).toEqual(asks.slice(0, 3))
  const bestBid = bids.length > 0 ? bids[0]![0] : NaN
  const bestAsk = asks.length > 0 ? asks[0]![0] : NaN
  expect(book.bestBid()).toBe(bestBid)
  expect(book.bestAsk()).toBe(bestAsk)
  expect(book.bestBidSize()).toBe(bids.length > 0 ? bids[0]![1] : 0)
  expect(book.bestAskSize()).toBe(asks.length > 0 ? asks[0]![1] : 0)
  expect(book.mid()).toBe((bestBid + bestAsk) / 2)
  expect(book.isCrossed()).toBe(bids.length > 0 && asks.length > 0 && bestBid >= bestAsk)
  for (let depth = 0; depth < Math.max(bids.length, asks.length) + 1; depth++) {
    expect(book.bids.priceAt(depth)).toBe(depth < bids.length ? bids[depth]![0] : NaN)
    expect(book.bids.sizeAt(depth)).toBe(depth < bids.length ? bids[depth]![1] : 0)
    expect(book.asks.priceAt(depth)).toBe(depth < asks.length ? asks[depth]![0] : NaN)
    expect(book.asks.sizeAt(depth)).toBe(depth < asks.length ? asks[depth]![1] : 0)
  }
  for (const p of probes) {
    expect(book.bids.sizeAtPrice(p)).toBe(model.sides[BID].get(p) ?? 0)
    expect(book.asks.sizeAtPrice(p)).toBe(model.sides[ASK].get(p) ?? 0)
  }
}

describe("OrderBook against a Map-based model", () => {
  it("agrees after every step of random command sequences (small initial capacity forces growth)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(command, { minLength: 1, maxLength: 150 }), (capacity, commands) => {
        const book = new OrderBook(capacity)
        const model = new ModelBook()
        const probes: Array<number> = [9_999, 10_000, 10_001]
        for (const c of commands) {
          apply(book, model, c)
          if (c.kind === "set") probes.push(c.price, c.price + 1, c.price - 1)
          expectAgrees(book, model, probes.slice(-12))
        }
        expectAgrees(book, model, probes)
      }),
      { numRuns: 200 }
    )
  })

  it("holds hundreds of levels on both sides, grown from capacity 1, inserted in any order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 100, maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 100, maxLength: 400 }),
        (bidPrices, askPrices) => {
          const book = new OrderBook(1)
          const model = new ModelBook()
          for (const [i, p] of bidPrices.entries()) {
            book.setLevel(BID, p, i + 1)
            model.set(BID, p, i + 1)
          }
          for (const [i, p] of askPrices.entries()) {
            book.setLevel(ASK, p, i + 1)
            model.set(ASK, p, i + 1)
          }
          expect(book.bids.keys.length).toBeGreaterThanOrEqual(bidPrices.length)
          expectAgrees(book, model, [...bidPrices, ...askPrices])
          // delete every other level, in insertion order
          for (const [i, p] of bidPrices.entries()) {
            if (i % 2 === 0) {
              book.setLevel(BID, p, 0)
              model.set(BID, p, 0)
            }
          }
          for (const [i, p] of askPrices.entries()) {
            if (i % 2 === 1) {
              book.setLevel(ASK, p, 0)
              model.set(ASK, p, 0)
            }
          }
          expectAgrees(book, model, [...bidPrices, ...askPrices])
        }
      ),
      { numRuns: 30 }
    )
  })

  it("BookSide.find returns the index or the encoded insertion point for every key", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 40 }),
        fc.integer({ min: -1_100, max: 1_100 }),
        (keys, probe) => {
          const s = new BookSide(1, 2)
          for (const k of keys) s.set(k, 1)
          const sorted = [...keys].sort((a, b) => a - b)
          const at = s.find(probe)
          const index = sorted.indexOf(probe)
          if (index >= 0) expect(at).toBe(index)
          else expect(at).toBe(-sorted.filter((k) => k < probe).length - 1)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("OrderBook examples", () => {
  it("reads the touch on both sides", () => {
    const book = new OrderBook(4)
    expect(book.bestBid()).toBeNaN()
    expect(book.bestAsk()).toBeNaN()
    expect(book.bestBidSize()).toBe(0)
    expect(book.mid()).toBeNaN()
    expect(book.isCrossed()).toBe(false)
    book.setLevel(BID, 100, 5)
    book.setLevel(BID, 99, 7)
    book.setLevel(BID, 101, 3)
    book.setLevel(ASK, 103, 2)
    book.setLevel(ASK, 105, 4)
    book.setLevel(ASK, 102, 9)
    expect(book.bestBid()).toBe(101)
    expect(book.bestBidSize()).toBe(3)
    expect(book.bestAsk()).toBe(102)
    expect(book.bestAskSize()).toBe(9)
    expect(book.mid()).toBe(101.5)
    expect(book.top(BID, 10)).toEqual([
      [101, 3],
      [100, 5],
      [99, 7]
    ])
    expect(book.top(ASK, 2)).toEqual([
      [102, 9],
      [103, 2]
    ])
    expect(book.top(ASK, 0)).toEqual([])
    expect(book.side(BID)).toBe(book.bids)
    expect(book.side(ASK)).toBe(book.asks)
    expect(otherSide(BID)).toBe(ASK)
    expect(otherSide(ASK)).toBe(BID)
  })

  it("updates a level in place, deletes with size 0, ignores deletes of unknown levels", () => {
    const book = new OrderBook(2)
    book.setLevel(BID, 100, 5)
    book.setLevel(BID, 100, 8)
    expect(book.bids.count).toBe(1)
    expect(book.bids.sizeAtPrice(100)).toBe(8)
    book.setLevel(BID, 55, 0)
    book.setLevel(ASK, 100, 0)
    expect(book.bids.count).toBe(1)
    expect(book.asks.count).toBe(0)
    book.setLevel(BID, 100, 0)
    expect(book.bids.count).toBe(0)
    expect(book.bestBid()).toBeNaN()
    expect(book.bids.sizeAtPrice(100)).toBe(0)
  })

  it("isCrossed when the best bid is at or above the best ask, not when one side is empty", () => {
    const book = new OrderBook()
    book.setLevel(BID, 100, 1)
    expect(book.isCrossed()).toBe(false)
    book.setLevel(ASK, 101, 1)
    expect(book.isCrossed()).toBe(false)
    book.setLevel(ASK, 100, 1)
    expect(book.isCrossed()).toBe(true)
    book.setLevel(ASK, 100, 0)
    book.setLevel(BID, 102, 1)
    expect(book.isCrossed()).toBe(true)
    book.setLevel(ASK, 101, 0)
    expect(book.isCrossed()).toBe(false)
  })

  it("truncate keeps the best levels of each side; clear empties both", () => {
    const book = new OrderBook(2)
    for (let p = 1; p <= 10; p++) {
      book.setLevel(BID, p, p)
      book.setLevel(ASK, 100 + p, p)
    }
    book.truncate(20)
    expect(book.bids.count).toBe(10)
    book.truncate(3)
    expect(book.top(BID, 10)).toEqual([
      [10, 10],
      [9, 9],
      [8, 8]
    ])
    expect(book.top(ASK, 10)).toEqual([
      [101, 1],
      [102, 2],
      [103, 3]
    ])
    // the book still works after a truncate
    book.setLevel(BID, 8, 0)
    book.setLevel(BID, 11, 11)
    expect(book.top(BID, 10)).toEqual([
      [11, 11],
      [10, 10],
      [9, 9]
    ])
    book.truncate(0)
    expect(book.bids.count).toBe(0)
    expect(book.asks.count).toBe(0)
    book.setLevel(ASK, 5, 5)
    book.setLevel(BID, 4, 4)
    book.clear()
    expect(book.bids.count).toBe(0)
    expect(book.asks.count).toBe(0)
    expect(book.bestBid()).toBeNaN()
    expect(book.bestAsk()).toBeNaN()
    expect(book.asks.sizeAtPrice(5)).toBe(0)
    book.setLevel(ASK, 6, 1)
    expect(book.top(ASK, 5)).toEqual([[6, 1]])
  })

  it("grows from a capacity of zero", () => {
    const book = new OrderBook(0)
    for (let p = 1; p <= 5; p++) book.setLevel(BID, p, p * 10)
    expect(book.bids.count).toBe(5)
    expect(book.bestBid()).toBe(5)
    expect(book.bestBidSize()).toBe(50)
    expect(book.top(BID, 5)).toEqual([
      [5, 50],
      [4, 40],
      [3, 30],
      [2, 20],
      [1, 10]
    ])
  })

  it("keeps the insertion array untouched past count (delete at the far end, re-insert)", () => {
    const book = new OrderBook(4)
    book.setLevel(ASK, 10, 1)
    book.setLevel(ASK, 20, 2)
    book.setLevel(ASK, 30, 3)
    book.setLevel(ASK, 30, 0) // worst level
    book.setLevel(ASK, 10, 0) // best level
    expect(book.top(ASK, 5)).toEqual([[20, 2]])
    book.setLevel(ASK, 15, 4)
    book.setLevel(ASK, 25, 5)
    expect(book.top(ASK, 5)).toEqual([
      [15, 4],
      [20, 2],
      [25, 5]
    ])
  })
})
