import { type Instrument, ASK, BID, OrderBook } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it, vi } from "vitest"
import {
  type BookChange,
  type DeribitDecoder,
  type LevelEntry,
  DeribitFrameKind,
  DeribitReferenceDecoder,
  encodeBookNotification,
  encodeTradeNotification
} from "../src/deribit/codec.ts"
import { DERIBIT_SIM_INSTRUMENTS, parseDeribitInstruments, renderDeribitInstruments } from "../src/deribit/instruments.ts"
import { deribitNumber, numberUnitsAt, plainDecimal } from "../src/deribit/numbers.ts"
import { DeribitScanner } from "../src/deribit/scanner.ts"
import { RawNumber } from "../src/json-raw.ts"

const BTC_USDC = DERIBIT_SIM_INSTRUMENTS[0]!
/** BTC-PERPETUAL, as in the live captures: tick 0.5, amounts in whole USD. */
const PERP: Instrument = { ...BTC_USDC, symbol: "BTC/USD:BTC", venueSymbol: "BTC-PERPETUAL", quote: "USD", priceScale: 1, sizeScale: 0, tickSize: 5 }

const resolverFor = (instruments: ReadonlyArray<Instrument>) => (text: string, start: number, end: number) =>
  instruments.find((i) => i.venueSymbol.length === end - start && text.startsWith(i.venueSymbol, start))

const decoders = (instruments: ReadonlyArray<Instrument>): Array<DeribitDecoder> => [
  new DeribitScanner(resolverFor(instruments)),
  new DeribitReferenceDecoder(resolverFor(instruments))
]

const applyTo = (book: OrderBook, msg: BookChange): void => {
  for (const side of [BID, ASK] as const) for (let i = 0; i < msg.count[side]; i++) book.side(side).set(msg.prices[side][i]!, msg.sizes[side][i]!)
}

/** Live capture of book.BTC-PERPETUAL.100ms (ccxt static ws/deribit.json, 2026-08-12): snapshot, then a change. */
const CAPTURE_SNAPSHOT = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms","data":{"timestamp":1786563084954,"type":"snapshot","change_id":169600103289,"instrument_name":"BTC-PERPETUAL","bids":[["new",63324.5,372280],["new",63324,1360],["new",63323.5,17750],["new",63323,60380],["new",63322.5,13000]],"asks":[["new",63325,7730],["new",63330,220],["new",63331,7240],["new",63332,10000],["new",63333,1340]]}}}`
const CAPTURE_CHANGE = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms","data":{"timestamp":1786563085228,"type":"change","change_id":169600103676,"instrument_name":"BTC-PERPETUAL","bids":[["delete",62533,0]],"asks":[["change",63350.5,8250],["change",63353,10],["delete",64116.5,0],["change",94987.5,20]],"prev_change_id":169600103289}}}`
const CAPTURE_TRADE = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":[{"timestamp":1786563104514,"price":63344.5,"direction":"buy","index_price":63325.19,"trade_id":"440192723","instrument_name":"BTC-PERPETUAL","trade_seq":296152987,"amount":20,"mark_price":63341.87,"tick_direction":1,"starbase_match_id":"213378943477100544","contracts":2,"starbase_timestamp":1786563104514208300}]}}`
const CAPTURE_ACK = `{"jsonrpc":"2.0","id":1,"result":["book.BTC-PERPETUAL.100ms"],"usIn":"1786563085259177","usOut":"1786563085259323","usDiff":146,"testnet":false}`

describe("Deribit captured and documented frames", () => {
  for (const decoder of decoders([PERP, BTC_USDC])) {
    const name = decoder.constructor.name
    it(`decodes the captured snapshot and change to the expected book (${name})`, () => {
      expect(decoder.decode(CAPTURE_SNAPSHOT)).toBe(DeribitFrameKind.Book)
      expect(decoder.out.book).toMatchObject({ snapshot: true, changeId: 169600103289, prevChangeId: -1, timestampMs: 1786563084954 })
      const book = new OrderBook()
      applyTo(book, decoder.out.book)
      expect(book.top(BID, 2)).toEqual([[633245, 372280], [633240, 1360]])
      expect(book.top(ASK, 2)).toEqual([[633250, 7730], [633300, 220]])
      expect(decoder.decode(CAPTURE_CHANGE)).toBe(DeribitFrameKind.Book)
      expect(decoder.out.book).toMatchObject({ snapshot: false, changeId: 169600103676, prevChangeId: 169600103289 })
      applyTo(book, decoder.out.book)
      expect(book.asks.sizeAtPrice(633505)).toBe(8250)
      expect(book.asks.sizeAtPrice(949875)).toBe(20)
      expect(book.bids.count).toBe(5)
      // The capture shows 5 levels a side; the change adds three asks beyond them and deletes absent levels.
      expect(book.asks.count).toBe(8)
    })

    it(`decodes the captured trade with its taker side and the exact ns starbase_timestamp (${name})`, () => {
      expect(decoder.decode(CAPTURE_TRADE)).toBe(DeribitFrameKind.Trade)
      const t = decoder.out.trades
      expect([t.count, t.prices[0], t.sizes[0], t.sides[0], t.ids[0], t.timesUs[0]]).toEqual([1, 633445, 20, BID, "440192723", 1786563104514208])
    })

    it(`decodes a live BTC_USDC book's exponent-notation amounts exactly (${name})`, () => {
      // Levels of a live public/get_order_book BTC_USDC answer (2026): amounts like 4.923e-05.
      const frame = `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC_USDC.100ms","data":{"timestamp":1791434519816,"type":"snapshot","change_id":9528167774,"instrument_name":"BTC_USDC","bids":[["new",82457.66,4.923e-05],["new",82455.76,1.4e-05],["new",82451.11,0.00623526]],"asks":[["new",82457.67,0.30284909],["new",82457.79,0.023]]}}}`
      expect(decoder.decode(frame)).toBe(DeribitFrameKind.Book)
      const book = new OrderBook()
      applyTo(book, decoder.out.book)
      expect(book.top(BID, 3)).toEqual([[8245766, 4923], [8245576, 1400], [8245111, 623526]])
      expect(book.top(ASK, 2)).toEqual([[8245767, 30284909], [8245779, 2300000]])
    })

    it(`decodes the captured subscribe result, test_request, heartbeat and errors (${name})`, () => {
      expect(decoder.decode(CAPTURE_ACK)).toBe(DeribitFrameKind.Result)
      expect(decoder.out.replyId).toBe(1)
      expect(decoder.out.result).toEqual(["book.BTC-PERPETUAL.100ms"])
      expect(decoder.decode(`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`)).toBe(DeribitFrameKind.TestRequest)
      expect(decoder.decode(`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}`)).toBe(DeribitFrameKind.Other)
      expect(decoder.decode(`{"jsonrpc":"2.0","id":7,"error":{"message":"Method not found","code":-32601},"usIn":"1","usOut":"2","usDiff":1,"testnet":false}`)).toBe(DeribitFrameKind.Error)
      expect([decoder.out.replyId, decoder.out.error]).toEqual([7, "error -32601: Method not found"])
      expect(decoder.decode(CAPTURE_CHANGE.slice(0, 150))).toBe(DeribitFrameKind.Malformed)
      expect(decoder.decode(CAPTURE_SNAPSHOT.replace("BTC-PERPETUAL.100ms", "ETH-PERPETUAL.100ms"))).toBe(DeribitFrameKind.Other)
    })
  }

  it("parses the instrument list into canonical symbols from base/quote currency, active spot only, numbers exact", () => {
    const row = (name: string, base: string, kind: string, tick: string, min: string) =>
      `{"tick_size":${tick},"taker_commission":0.0005,"maker_commission":0,"quote_currency":"USDC","min_trade_amount":${min},"kind":"${kind}","is_active":true,"instrument_name":"${name}","counter_currency":"USDC","contract_size":${min},"base_currency":"${base}"}`
    const body = `{"jsonrpc":"2.0","result":[${row("BTC_USDC", "BTC", "spot", "0.01", "0.0001")},${row("PAXG_USDC", "PAXG", "spot", "1e-4", "1e-05")},${row(
      "BTC_USDC-PERPETUAL",
      "BTC",
      "future",
      "0.5",
      "0.0001"
    )}],"usIn":"1","usOut":"2","usDiff":1,"testnet":false}`
    const { instruments, commissions } = parseDeribitInstruments(body)
    expect(instruments.map((i) => [i.symbol, i.venueSymbol, i.priceScale, i.sizeScale, i.tickSize, i.minSize])).toEqual([
      ["BTC/USDC", "BTC_USDC", 2, 8, 1, 10_000],
      ["PAXG/USDC", "PAXG_USDC", 4, 8, 1, 1_000]
    ])
    expect(commissions[0]).toEqual({ symbol: "BTC/USDC", makerPpm: 0, takerPpm: 500 })
    expect(parseDeribitInstruments(renderDeribitInstruments(DERIBIT_SIM_INSTRUMENTS, 1)).instruments).toEqual(DERIBIT_SIM_INSTRUMENTS)
  })
})

describe("Deribit numbers", () => {
  it("reads exponent notation exactly and refuses what is not exact", () => {
    const at = (text: string, scale: number) => numberUnitsAt(text, 0, text.length, scale)
    expect(at("4.923e-05", 8)).toBe(4923)
    expect(at("1.4e-05", 8)).toBe(1400)
    expect(at("1E+2", 0)).toBe(100)
    expect(at("-2.5e1", 1)).toBe(-250)
    expect(at("0e0", 4)).toBe(0)
    expect(at("82500.0", 2)).toBe(8250000)
    expect(at("1e-9", 8)).toBeNaN()
    expect(at("1.5e", 8)).toBeNaN()
    expect(at("9e300", 0)).toBeNaN()
    expect(plainDecimal("1e-4")).toBe("0.0001")
    expect(plainDecimal("2.5E3")).toBe("2500")
    expect(deribitNumber(4923, 8)).toBe("4.923e-05")
    expect(deribitNumber(10_000, 8)).toBe("0.0001")
    expect(deribitNumber(8245766, 2)).toBe("82457.66")
  })

  it("round-trips every value through Deribit's rendering", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 12 }), (units, scale) => {
        const text = deribitNumber(units, scale)
        expect(numberUnitsAt(text, 0, text.length, scale)).toBe(units)
        expect(new RawNumber(text).toNumber()).toBeCloseTo(units / 10 ** scale, 10)
      })
    )
  })
})

const entriesArb = fc.array(
  fc.tuple(fc.constantFrom("new", "change", "delete"), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 })),
  { maxLength: 30 }
)

describe("Deribit codec round trip", () => {
  it("decodes what the simulator's encoders produce, exactly", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DERIBIT_SIM_INSTRUMENTS),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 45 }),
        entriesArb,
        entriesArb,
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (instrument, snapshot, changeId, bids, asks, size, id) => {
          const header = snapshot ? ({ type: "snapshot", changeId, timestampMs: 1786563084954 } as const) : ({ type: "change", changeId: changeId + 5, prevChangeId: changeId, timestampMs: 1786563084954 } as const)
          const frame = encodeBookNotification(instrument, header, bids as Array<LevelEntry>, asks as Array<LevelEntry>)
          const sized = (entries: ReadonlyArray<readonly [string, number, number]>) => entries.map(([a, p, s]) => [p, a === "delete" ? 0 : s])
          const trade = encodeTradeNotification({ instrument, takerSide: id % 2 === 0 ? BID : ASK, price: size, size, tsUs: 1786563104514208, id }, 1)
          for (const decoder of decoders(DERIBIT_SIM_INSTRUMENTS)) {
            expect(decoder.decode(frame)).toBe(DeribitFrameKind.Book)
            const m = decoder.out.book
            expect([m.instrument, m.snapshot, m.changeId, m.prevChangeId]).toEqual([instrument, snapshot, header.changeId, snapshot ? -1 : changeId])
            expect(Array.from(m.prices[BID].subarray(0, m.count[BID]), (p, i) => [p, m.sizes[BID][i]])).toEqual(sized(bids))
            expect(Array.from(m.prices[ASK].subarray(0, m.count[ASK]), (p, i) => [p, m.sizes[ASK][i]])).toEqual(sized(asks))
            expect(decoder.decode(trade)).toBe(DeribitFrameKind.Trade)
            const t = decoder.out.trades
            expect([t.count, t.prices[0], t.sizes[0], t.sides[0], t.ids[0], t.timesUs[0]]).toEqual([1, size, size, id % 2 === 0 ? BID : ASK, String(id), 1786563104514208])
          }
        }
      )
    )
  })
})

/** A JSON text of `value` with its object keys shuffled and random whitespace; numbers given as RawNumber keep their text. */
const render = (value: unknown, random: () => number): string => {
  const ws = () => [" ", "", "", "\n", ""][Math.floor(random() * 5)]!
  if (value instanceof RawNumber) return value.text
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => render(v, random)).join(`,${ws()}`)}${ws()}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(() => random() - 0.5)
    return `{${ws()}${entries.map(([k, v]) => `${JSON.stringify(k)}${ws()}:${ws()}${render(v, random)}`).join(`,${ws()}`)}${ws()}}`
  }
  return JSON.stringify(value)
}

const summary = (decoder: DeribitDecoder, kind: DeribitFrameKind): unknown => {
  const out = decoder.out
  if (kind === DeribitFrameKind.Book) {
    const m = out.book
    const side = (s: 0 | 1) => Array.from({ length: m.count[s] }, (_, i) => [m.prices[s][i], m.sizes[s][i]])
    return [kind, m.instrument?.venueSymbol, m.snapshot, m.changeId, m.prevChangeId, m.timestampMs, side(BID), side(ASK)]
  }
  if (kind === DeribitFrameKind.Trade) {
    const t = out.trades
    return [kind, t.instrument?.venueSymbol, Array.from({ length: t.count }, (_, i) => [t.prices[i], t.sizes[i], t.sides[i], t.ids[i], t.timesUs[i]])]
  }
  if (kind === DeribitFrameKind.Result) return [kind, out.replyId, render(out.result, () => 0)]
  if (kind === DeribitFrameKind.Error) return [kind, out.replyId, out.error]
  return [kind]
}

const weighted = <A, B>(common: fc.Arbitrary<A>, rare: fc.Arbitrary<B>): fc.Arbitrary<A | B> =>
  fc.oneof({ arbitrary: common, weight: 19 }, { arbitrary: rare, weight: 1 })
const raw = (n: number | bigint) => new RawNumber(String(n))
/** Extra values without escapes (a backslash anywhere sends the frame to the reference decoder). */
const plainExtra = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.record({ a: fc.stringMatching(/^[a-z0-9 ]{0,8}$/) }))

const weird = fc.constantFrom(new RawNumber("1e-12"), new RawNumber("-1"), new RawNumber("1.23456789123e2"))
/** Prices at the simulated instruments' 2 decimals, sometimes written as Deribit might (`82500.0`, `1E+3`). */
const price = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 10 ** 9 }).map((u) => new RawNumber(deribitNumber(u, 2))), weight: 30 },
  { arbitrary: fc.constantFrom(new RawNumber("82500.0"), new RawNumber("1E+3")), weight: 3 },
  { arbitrary: weird, weight: 1 }
)
/** Amounts at 8 decimals: small ones come in exponent notation. */
const amount = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 10 ** 10 }).map((u) => new RawNumber(deribitNumber(u, 8))), weight: 20 },
  { arbitrary: fc.integer({ min: 0, max: 9_999 }).map((u) => new RawNumber(deribitNumber(u, 8))), weight: 10 },
  { arbitrary: fc.constantFrom(new RawNumber("2.5e-3"), new RawNumber("4.923e-05")), weight: 3 },
  { arbitrary: weird, weight: 1 }
)
const level = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom("new", "change", "delete"), price, amount), weight: 40 },
  { arbitrary: fc.tuple(fc.constantFrom("new", "change"), price, amount, plainExtra), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom("insert", "new"), price, amount, fc.jsonValue()), weight: 1 },
  { arbitrary: fc.tuple(fc.constant("new"), price), weight: 1 }
)
const channel = weighted(
  fc.constantFrom("book.BTC_USDC.100ms", "book.ETH_USDC.100ms", "trades.BTC_USDC.100ms"),
  fc.constantFrom("book.SOL_USDC.100ms", "ticker.BTC_USDC.100ms", "book..x", "trades.BTC_USDC")
)
const bookData = fc.record(
  {
    timestamp: weighted(fc.integer({ min: 0, max: 2 ** 45 }).map(raw), fc.constant(new RawNumber("1.5"))),
    type: weighted(fc.constantFrom("snapshot", "change"), fc.constant("partial")),
    change_id: fc.integer({ min: 0, max: 2 ** 45 }).map(raw),
    prev_change_id: weighted(fc.integer({ min: 0, max: 2 ** 45 }).map(raw), fc.constantFrom(raw(-1), raw(-3), new RawNumber("12345678901234567890"))),
    instrument_name: fc.constant("BTC_USDC"),
    bids: fc.array(level, { maxLength: 5 }),
    asks: fc.array(level, { maxLength: 5 }),
    extra: weighted(plainExtra, fc.jsonValue())
  },
  { requiredKeys: ["type", "change_id", "bids", "asks"] }
)
const tradeData = fc.array(
  fc.record(
    {
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }).map(raw),
      price,
      amount,
      direction: weighted(fc.constantFrom("buy", "sell"), fc.constant("up")),
      trade_id: fc.oneof(fc.integer({ min: 0, max: 2 ** 50 }).map(String), fc.integer({ min: 0, max: 2 ** 50 }).map(raw)),
      starbase_timestamp: weighted(fc.bigInt({ min: 0n, max: 10n ** 19n }).map(raw), fc.constant(new RawNumber("1.5e18"))),
      tick_direction: fc.integer({ min: 0, max: 3 })
    },
    { requiredKeys: ["price", "amount", "direction", "trade_id", "timestamp"] }
  ),
  { maxLength: 3 }
)
const fuzzFrame = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      jsonrpc: fc.constant("2.0"),
      method: fc.constant("subscription"),
      params: fc.record({ channel, data: fc.oneof({ arbitrary: bookData, weight: 5 }, { arbitrary: tradeData, weight: 3 }, { arbitrary: fc.jsonValue(), weight: 1 }) })
    })
  },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant("2.0"), method: fc.constantFrom("heartbeat", "subscription"), params: fc.record({ type: fc.constantFrom("test_request", "heartbeat") }) }) },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant("2.0"), id: fc.integer({ min: 0, max: 1000 }).map(raw), result: fc.array(channel), usIn: fc.constant("1786563085259177") }) },
  { weight: 1, arbitrary: fc.jsonValue() }
)

/** Mostly whole frames; sometimes cut short, like the simulator's malformed fault. */
const cutAt = fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 })

describe("Deribit scanner vs reference decoder", () => {
  it("agree on fuzzed frames: shuffled keys, whitespace, exponents, extra fields, bad levels, truncation", () => {
    const scanner = new DeribitScanner(resolverFor(DERIBIT_SIM_INSTRUMENTS))
    const reference = new DeribitReferenceDecoder(resolverFor(DERIBIT_SIM_INSTRUMENTS))
    // Counts every reference decode: the test's own, plus the scanner's deferrals.
    const calls = vi.spyOn(DeribitReferenceDecoder.prototype, "decode")
    let decoded = 0
    let decodable = 0
    fc.assert(
      fc.property(fuzzFrame, fc.integer(), cutAt, (value, seed, cut) => {
        let s = seed >>> 0
        const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
        let text = render(value, random)
        if (cut !== null) text = text.slice(0, Math.floor(text.length * cut))
        const before = calls.mock.calls.length
        const a = scanner.decode(text)
        if (calls.mock.calls.length === before && (a === DeribitFrameKind.Book || a === DeribitFrameKind.Trade)) decoded++
        const b = reference.decode(text)
        if (b === DeribitFrameKind.Book || b === DeribitFrameKind.Trade) decodable++
        expect(summary(scanner, a)).toEqual(summary(reference, b))
      }),
      { numRuns: 5000 }
    )
    calls.mockRestore()
    // The comparison means something only if the scanner itself decoded most of the decodable frames.
    expect(decodable).toBeGreaterThan(600)
    expect(decoded / decodable).toBeGreaterThan(0.8)
  })
})

/** Number texts, valid and not, as they could appear in a canonical frame. */
const oddNumber = fc.constantFrom("01", "-01.5", "00", "1.e5", ".5", "1.", "-", "1e5", "4.923e-05", "0", "-0", "1.50", "1E-2", "2.5e+1", "1e400", "1x", " 1", "1,5")
const oddPrice = weighted(fc.integer({ min: 0, max: 10 ** 9 }).map((u) => deribitNumber(u, 2)), oddNumber)
const oddAmount = weighted(fc.integer({ min: 0, max: 10 ** 10 }).map((u) => deribitNumber(u, 8)), oddNumber)
const canonicalLevel = fc.tuple(weighted(fc.constantFrom("new", "change", "delete"), fc.constant("insert")), oddPrice, oddAmount).map(([a, p, q]) => `["${a}",${p},${q}]`)
const canonicalFrame = fc
  .tuple(
    fc.constantFrom("BTC_USDC", "ETH_USDC", "SOL_USDC"),
    fc.boolean(),
    fc.integer({ min: 0, max: 2 ** 45 }),
    fc.array(canonicalLevel, { maxLength: 4 }),
    fc.array(canonicalLevel, { maxLength: 4 }),
    fc.constantFrom("BTC_USDC", "ETH_USDC", 'BTC\\"_USDC')
  )
  .map(([name, snapshot, id, bids, asks, listedName]) => {
    const prev = snapshot ? "" : `,"prev_change_id":${id - 3}`
    return `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.${name}.100ms","data":{"timestamp":1786563085228,"type":"${snapshot ? "snapshot" : "change"}","change_id":${id},"instrument_name":"${listedName}","bids":[${bids.join(",")}],"asks":[${asks.join(",")}]${prev}}}}`
  })

describe("Deribit scanner vs reference decoder on the canonical layout", () => {
  it("agree on canonical frames with odd numbers (leading zeros, bare points, exponents) and names", () => {
    const scanner = new DeribitScanner(resolverFor(DERIBIT_SIM_INSTRUMENTS))
    const reference = new DeribitReferenceDecoder(resolverFor(DERIBIT_SIM_INSTRUMENTS))
    let books = 0
    fc.assert(
      fc.property(canonicalFrame, (text) => {
        const b = reference.decode(text)
        if (b === DeribitFrameKind.Book) books++
        expect(summary(scanner, scanner.decode(text))).toEqual(summary(reference, b))
      }),
      { numRuns: 3000 }
    )
    expect(books).toBeGreaterThan(300)
  })
})
