import { ASK, BID, type Level, type Side } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BybitFrame, BybitReferenceDecoder, FrameKind, encodeBookMessage, encodeTrades } from "../src/bybit/codec.ts"
import { BYBIT_SIM_INSTRUMENTS } from "../src/bybit/instruments.ts"
import { BybitDecoder, BybitScanner, DECLINED } from "../src/bybit/scanner.ts"

const instruments = BYBIT_SIM_INSTRUMENTS
const BTC = instruments[0]!

/** What a decoded frame says, as plain data. */
const view = (kind: number, frame: BybitFrame): unknown => {
  if (kind === FrameKind.Book) {
    const b = frame.book
    const side = (l: typeof b.bids) => Array.from({ length: l.count }, (_, i) => [l.prices[i], l.sizes[i]])
    return { kind, symbol: b.instrument?.symbol, depth: b.depth, snapshot: b.snapshot, u: b.updateId, bids: side(b.bids), asks: side(b.asks) }
  }
  if (kind === FrameKind.Trades) {
    const t = frame.trades
    return {
      kind,
      symbol: t.instrument?.symbol,
      trades: Array.from({ length: t.count }, (_, i) => [t.prices[i], t.sizes[i], t.takerSides[i], t.timesMs[i], t.ids[i]])
    }
  }
  if (kind === FrameKind.Reply) return { kind, ...frame.reply }
  return { kind }
}

const level = (maxPrice: number) => fc.tuple(fc.integer({ min: 0, max: maxPrice }), fc.integer({ min: 0, max: 2 ** 40 })) as fc.Arbitrary<Level>
const bookArb = fc.record({
  instrument: fc.constantFrom(...instruments),
  depth: fc.constantFrom(1, 50, 200, 1000),
  snapshot: fc.boolean(),
  u: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  seq: fc.integer({ min: 0, max: 2 ** 45 }),
  bids: fc.array(level(10_000_000), { maxLength: 80 }),
  asks: fc.array(level(10_000_000), { maxLength: 80 })
})
const tradeArb = fc.record({
  takerSide: fc.constantFrom<Side>(BID, ASK),
  price: fc.integer({ min: 0, max: 10_000_000 }),
  size: fc.integer({ min: 0, max: 2 ** 40 }),
  tsUs: fc.integer({ min: 0, max: 2 ** 52 }),
  id: fc.integer({ min: 1, max: 2 ** 40 })
})
const tradesArb = fc.record({ instrument: fc.constantFrom(...instruments), trades: fc.array(tradeArb, { maxLength: 20 }) })

type BookCase = typeof bookArb extends fc.Arbitrary<infer T> ? T : never
type TradesCase = typeof tradesArb extends fc.Arbitrary<infer T> ? T : never

const encodeBook = (b: BookCase) => encodeBookMessage(b.instrument, b.depth, b.snapshot, b.u, b.seq, 1_786_538_684_939, b.bids, b.asks)
const encodeBatch = (t: TradesCase) =>
  encodeTrades(t.instrument, t.trades.map((x) => ({ ...x, instrument: t.instrument })), 112_571_834_644, 1_786_538_700_834)

describe("Bybit codec", () => {
  it("round-trips book messages through the encoder and the decoder", () => {
    const decoder = new BybitDecoder(instruments)
    fc.assert(
      fc.property(bookArb, (b) => {
        const kind = decoder.decode(encodeBook(b))
        expect(view(kind, decoder.frame)).toEqual({
          kind: FrameKind.Book, symbol: b.instrument.symbol, depth: b.depth, snapshot: b.snapshot, u: b.u, bids: b.bids, asks: b.asks
        })
      }),
      { numRuns: 300 }
    )
  })

  it("round-trips trade batches, taker side and >2^53 ids included", () => {
    const decoder = new BybitDecoder(instruments)
    fc.assert(
      fc.property(tradesArb, (t) => {
        const kind = decoder.decode(encodeBatch(t))
        expect(view(kind, decoder.frame)).toEqual({
          kind: FrameKind.Trades,
          symbol: t.instrument.symbol,
          trades: t.trades.map((x) => [x.price, x.size, x.takerSide, Math.floor(x.tsUs / 1000), String(2_290_000_000_000_000_000n + BigInt(x.id))])
        })
      }),
      { numRuns: 200 }
    )
  })

  it("gives instruments it does not follow as Other, in both decoders", () => {
    const frame = encodeBookMessage(BTC, 50, false, 1, 1, 1, [[1, 1]], [])
    const only = [instruments[1]!]
    expect(new BybitScanner(only).scan(frame, new BybitFrame())).toBe(DECLINED)
    expect(new BybitReferenceDecoder(only).decode(frame, new BybitFrame())).toBe(FrameKind.Other)
  })
})

/** Mutations that turn a valid frame into near-misses: cut, changed, inserted or deleted characters, reordered keys, whitespace. */
const mutate = (text: string, pick: number, at: number, char: string): string => {
  const i = at % (text.length + 1)
  switch (pick) {
    case 0:
      return text.slice(0, i)
    case 1:
      return text.slice(0, i) + char + text.slice(i + 1)
    case 2:
      return text.slice(0, i) + char + text.slice(i)
    case 3:
      return text.slice(0, i) + text.slice(i + 1)
    case 4: {
      const value = JSON.parse(text) as Record<string, unknown>
      const keys = Object.keys(value)
      const rotated = [...keys.slice(i % keys.length), ...keys.slice(0, i % keys.length)]
      return JSON.stringify(Object.fromEntries(rotated.map((k) => [k, value[k]])))
    }
    case 5:
      return JSON.stringify(JSON.parse(text), null, 1)
    default:
      return text
  }
}

describe("Bybit scanner ⇄ reference decoder (differential)", () => {
  const scanner = new BybitScanner(instruments)
  const reference = new BybitReferenceDecoder(instruments)

  it("decodes every encoder frame on the fast path, identically to the reference", () => {
    fc.assert(
      fc.property(fc.oneof(bookArb.map(encodeBook), tradesArb.map(encodeBatch)), (text) => {
        const fast = new BybitFrame()
        const slow = new BybitFrame()
        const kind = scanner.scan(text, fast)
        expect(kind).not.toBe(DECLINED)
        expect(view(kind, fast)).toEqual(view(reference.decode(text, slow), slow))
      }),
      { numRuns: 300 }
    )
  })

  it("decodes frames with their keys in other orders (topic still before data) through the general walk, identically to the reference", () => {
    fc.assert(
      fc.property(bookArb.map(encodeBook), fc.nat(), (text, at) => {
        const value = JSON.parse(text) as Record<string, unknown>
        const rest = Object.keys(value).filter((k) => k !== "topic")
        const order = ["topic", ...rest.slice(at % rest.length), ...rest.slice(0, at % rest.length)]
        const reordered = JSON.stringify(Object.fromEntries(order.map((k) => [k, value[k]])))
        const fast = new BybitFrame()
        const slow = new BybitFrame()
        const kind = scanner.scan(reordered, fast)
        expect(kind).not.toBe(DECLINED)
        expect(view(kind, fast)).toEqual(view(reference.decode(reordered, slow), slow))
      }),
      { numRuns: 300 }
    )
  })

  it("on fuzzed frames, whatever the scanner accepts the reference decodes the same way", () => {
    const chars = fc.constantFrom(...`"{}[],:0123456789.-eE+ tfnulrsa\\\n`.split(""))
    let accepted = 0
    fc.assert(
      fc.property(
        fc.oneof(bookArb.map(encodeBook), tradesArb.map(encodeBatch)),
        fc.integer({ min: 0, max: 6 }),
        fc.nat(),
        chars,
        (text, pick, at, char) => {
          const mutated = mutate(text, pick, at, char)
          const fast = new BybitFrame()
          const slow = new BybitFrame()
          const kind = scanner.scan(mutated, fast)
          if (kind === DECLINED) return
          accepted++
          expect(view(kind, fast)).toEqual(view(reference.decode(mutated, slow), slow))
        }
      ),
      { numRuns: 3000 }
    )
    expect(accepted).toBeGreaterThan(500)
  })
})
