import { ASK, BID, type Level, type Side } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BitstampFrame, BitstampReferenceDecoder, FrameKind, decodeOrderBookSnapshot, encodeDiff, encodeOrderBook, encodeTrade } from "../src/bitstamp/codec.ts"
import { BITSTAMP_SIM_INSTRUMENTS } from "../src/bitstamp/instruments.ts"
import { BitstampDecoder, BitstampScanner, DECLINED } from "../src/bitstamp/scanner.ts"

const instruments = BITSTAMP_SIM_INSTRUMENTS

/** What a decoded frame says, as plain data. */
const view = (kind: number, frame: BitstampFrame): unknown => {
  if (kind === FrameKind.Diff) {
    const d = frame.diff
    const side = (l: typeof d.bids) => Array.from({ length: l.count }, (_, i) => [l.prices[i], l.sizes[i]])
    return { kind, symbol: d.instrument?.symbol, mts: d.microtimestamp, bids: side(d.bids), asks: side(d.asks) }
  }
  if (kind === FrameKind.Trade) {
    const t = frame.trade
    return { kind, symbol: t.instrument?.symbol, price: t.price, size: t.size, side: t.takerSide, id: t.id, mts: t.microtimestamp }
  }
  if (kind === FrameKind.Subscribed) return { kind, channel: frame.channel }
  if (kind === FrameKind.Error) return { kind, error: frame.error }
  return { kind }
}

const instrumentArb = fc.constantFrom(...instruments)
/** A price on the instrument's tick, as Bitstamp prints it. */
const level = (tick: number) => fc.tuple(fc.integer({ min: 0, max: 50_000_000 }).map((p) => p * tick), fc.integer({ min: 0, max: 2 ** 45 })) as fc.Arbitrary<Level>
const diffArb = instrumentArb.chain((instrument) =>
  fc.record({
    instrument: fc.constant(instrument),
    mts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    bids: fc.array(level(instrument.tickSize), { maxLength: 60 }),
    asks: fc.array(level(instrument.tickSize), { maxLength: 60 })
  })
)
const tradeArb = instrumentArb.chain((instrument) =>
  fc.record({
    instrument: fc.constant(instrument),
    takerSide: fc.constantFrom<Side>(BID, ASK),
    price: fc.integer({ min: 0, max: 50_000_000 }).map((p) => p * instrument.tickSize),
    size: fc.integer({ min: 0, max: 2 ** 45 }),
    tsUs: fc.integer({ min: 0, max: 2 ** 52 }),
    id: fc.integer({ min: 1, max: 2 ** 40 })
  })
)

type DiffCase = typeof diffArb extends fc.Arbitrary<infer T> ? T : never
const encodeDiffCase = (d: DiffCase) => encodeDiff(d.instrument, d.mts, d.bids, d.asks)

describe("Bitstamp codec", () => {
  it("round-trips diffs through the encoder and the decoder", () => {
    const decoder = new BitstampDecoder(instruments)
    fc.assert(
      fc.property(diffArb, (d) => {
        const kind = decoder.decode(encodeDiffCase(d))
        expect(view(kind, decoder.frame)).toEqual({ kind: FrameKind.Diff, symbol: d.instrument.symbol, mts: d.mts, bids: d.bids, asks: d.asks })
      }),
      { numRuns: 300 }
    )
  })

  it("round-trips trades: price_str/amount_str exact, type → taker side, id text", () => {
    const decoder = new BitstampDecoder(instruments)
    fc.assert(
      fc.property(tradeArb, (t) => {
        const kind = decoder.decode(encodeTrade(t))
        expect(view(kind, decoder.frame)).toEqual({
          kind: FrameKind.Trade, symbol: t.instrument.symbol, price: t.price, size: t.size, side: t.takerSide, id: String(450_000_000 + t.id), mts: Math.floor(t.tsUs / 1000) * 1000
        })
      }),
      { numRuns: 200 }
    )
  })

  it("round-trips REST order books", () => {
    fc.assert(
      fc.property(diffArb, (d) => {
        expect(decodeOrderBookSnapshot(encodeOrderBook(d.instrument, d.mts, d.bids, d.asks), d.instrument)).toEqual({ microtimestamp: d.mts, bids: d.bids, asks: d.asks })
      }),
      { numRuns: 100 }
    )
  })

  it("decodes control events, with data as {} or \"\"", () => {
    const decoder = new BitstampDecoder(instruments)
    const kind = (text: string) => decoder.decode(text)
    expect(kind(`{"event":"bts:subscription_succeeded","channel":"diff_order_book_btcusd","data":{}}`)).toBe(FrameKind.Subscribed)
    expect(decoder.frame.channel).toBe("diff_order_book_btcusd")
    expect(kind(`{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}`)).toBe(FrameKind.Heartbeat)
    expect(kind(`{"event":"bts:request_reconnect","channel":"","data":""}`)).toBe(FrameKind.Reconnect)
    expect(kind(`{"event":"bts:unsubscription_succeeded","channel":"live_trades_btcusd","data":{}}`)).toBe(FrameKind.Other)
    expect(kind(`{"data":{"microtimestamp":"1","bids":[],"asks":[]},"channel":"diff_order_book_xrpusd","event":"data"}`)).toBe(FrameKind.Other)
    expect(kind(`{"data":{"microtimestamp":"1","bids":[["1.001","1"]],"asks":[]},"channel":"diff_order_book_btcusd","event":"data"}`)).toBe(FrameKind.Malformed)
  })
})

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

describe("Bitstamp scanner ⇄ reference decoder (differential)", () => {
  const scanner = new BitstampScanner(instruments)
  const reference = new BitstampReferenceDecoder(instruments)
  const frames = fc.oneof(diffArb.map(encodeDiffCase), tradeArb.map(encodeTrade))

  it("decodes every encoder frame on the fast path, identically to the reference", () => {
    fc.assert(
      fc.property(frames, (text) => {
        const fast = new BitstampFrame()
        const slow = new BitstampFrame()
        const kind = scanner.scan(text, fast)
        expect(kind).not.toBe(DECLINED)
        expect(view(kind, fast)).toEqual(view(reference.decode(text, slow), slow))
      }),
      { numRuns: 300 }
    )
  })

  it("decodes frames with their keys in any other order through the general walk, identically to the reference", () => {
    fc.assert(
      fc.property(frames, fc.nat(), (text, at) => {
        const reordered = mutate(text, 4, at, "")
        const fast = new BitstampFrame()
        const slow = new BitstampFrame()
        const kind = scanner.scan(reordered, fast)
        expect(kind).not.toBe(DECLINED)
        expect(view(kind, fast)).toEqual(view(reference.decode(reordered, slow), slow))
      }),
      { numRuns: 300 }
    )
  })

  it("on fuzzed frames, whatever the scanner accepts the reference decodes the same way", () => {
    const chars = fc.constantFrom(...`"{}[],:0123456789.-eE+ tfnul_\\\n`.split(""))
    let accepted = 0
    fc.assert(
      fc.property(frames, fc.integer({ min: 0, max: 6 }), fc.nat(), chars, (text, pick, at, char) => {
        const mutated = mutate(text, pick, at, char)
        const fast = new BitstampFrame()
        const slow = new BitstampFrame()
        const kind = scanner.scan(mutated, fast)
        if (kind === DECLINED) return
        accepted++
        expect(view(kind, fast)).toEqual(view(reference.decode(mutated, slow), slow))
      }),
      { numRuns: 3000 }
    )
    expect(accepted).toBeGreaterThan(500)
  })
})
