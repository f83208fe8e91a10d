import { type Instrument, ASK, BID, OrderBook } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it, vi } from "vitest"
import { LevelTexts } from "../src/level-texts.ts"
import { okxChecksum } from "../src/okx/checksum.ts"
import {
  type BookMessage,
  type OkxDecoder,
  OkxFrameKind,
  OkxReferenceDecoder,
  decodeRestBook,
  encodeBook,
  encodeRestBook,
  encodeTrade
} from "../src/okx/codec.ts"
import { OKX_SIM_INSTRUMENTS, parseOkxInstruments, renderOkxInstruments } from "../src/okx/instruments.ts"
import { OkxScanner } from "../src/okx/scanner.ts"

const BTC = OKX_SIM_INSTRUMENTS[0]!
/** The documentation's examples use prices with 2 decimals and whole sizes. */
const DOC: Instrument = { ...BTC, priceScale: 2, sizeScale: 0 }

const resolverFor = (instruments: ReadonlyArray<Instrument>) => (text: string, start: number, end: number) =>
  instruments.find((i) => i.venueSymbol.length === end - start && text.startsWith(i.venueSymbol, start))

const decoders = (instruments: ReadonlyArray<Instrument>): Array<OkxDecoder> => [
  new OkxScanner(resolverFor(instruments)),
  new OkxReferenceDecoder(resolverFor(instruments))
]

/** Applies a decoded message to a book and its level texts, as the feed does. */
const applyTo = (book: OrderBook, texts: LevelTexts, msg: BookMessage): void => {
  for (const side of [BID, ASK] as const) {
    for (let i = 0; i < msg.count[side]; i++) {
      book.side(side).set(msg.prices[side][i]!, msg.sizes[side][i]!)
      texts.set(side, msg.prices[side][i]!, msg.sizes[side][i]!, msg.priceText(side, i), msg.sizeText(side, i))
    }
  }
}

/** The documented `books` snapshot push (OKX v5 docs, "WS / Order book channel"). */
const DOC_SNAPSHOT = `{
  "arg": {"channel": "books", "instId": "BTC-USDT"},
  "action": "snapshot",
  "data": [{
    "asks": [["8476.98", "415", "0", "13"], ["8477", "7", "0", "2"], ["8477.34", "85", "0", "1"], ["8477.56", "1", "0", "1"],
             ["8505.84", "8", "0", "1"], ["8506.37", "85", "0", "1"], ["8506.49", "2", "0", "1"], ["8506.96", "100", "0", "2"]],
    "bids": [["8476.97", "256", "0", "12"], ["8475.55", "101", "0", "1"], ["8475.54", "100", "0", "1"], ["8475.3", "1", "0", "1"],
             ["8447.32", "6", "0", "1"], ["8447.02", "246", "0", "1"], ["8446.83", "24", "0", "1"], ["8446", "95", "0", "3"]],
    "ts": "1597026383085",
    "checksum": -855196043,
    "prevSeqId": -1,
    "seqId": 123456
  }]
}`

/** A book push with the given levels (the checksum examples give levels only). */
const frameWith = (bids: ReadonlyArray<ReadonlyArray<string>>, asks: ReadonlyArray<ReadonlyArray<string>>): string =>
  JSON.stringify({ arg: { channel: "books", instId: "BTC-USDT" }, action: "snapshot", data: [{ asks, bids, ts: "1", checksum: 0, prevSeqId: -1, seqId: 1 }] })

const checksumOf = (decoder: OkxDecoder, frame: string): number | undefined => {
  expect(decoder.decode(frame)).toBe(OkxFrameKind.Book)
  const book = new OrderBook()
  const texts = new LevelTexts()
  applyTo(book, texts, decoder.out.book)
  return okxChecksum(book, texts)
}

describe("OKX documented frames", () => {
  for (const decoder of decoders([DOC])) {
    it(`decodes the documented snapshot to the expected book (${decoder.constructor.name})`, () => {
      expect(decoder.decode(DOC_SNAPSHOT)).toBe(OkxFrameKind.Book)
      const msg = decoder.out.book
      expect(msg).toMatchObject({ snapshot: true, seqId: 123456, prevSeqId: -1, checksum: -855196043, tsMs: 1597026383085 })
      const book = new OrderBook()
      applyTo(book, new LevelTexts(), msg)
      expect(book.top(BID, 3)).toEqual([[847697, 256], [847555, 101], [847554, 100]])
      expect(book.top(ASK, 3)).toEqual([[847698, 415], [847700, 7], [847734, 85]])
      expect(book.bids.count).toBe(8)
      expect(book.asks.count).toBe(8)
      expect(msg.priceText(ASK, 1)).toBe("8477")
      expect(msg.sizeText(BID, 7)).toBe("95")
    })

    it(`reproduces the documented checksums -1881014294 and 831078360 (${decoder.constructor.name})`, () => {
      // Example 1: more than 25 levels (two shown); the third field is not part of the checksum.
      const one = frameWith([["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]], [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]])
      expect(checksumOf(decoder, one)).toBe(-1881014294)
      // Example 2: fewer than 25 levels: the bid side runs out and is skipped.
      const two = frameWith([["3366.1", "7", "0", "3"]], [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"], ["3372", "8", "3", "4"]])
      expect(checksumOf(decoder, two)).toBe(831078360)
    })

    it(`shows the snapshot example's checksum is illustrative: it does not match its 8 levels (${decoder.constructor.name})`, () => {
      expect(checksumOf(decoder, DOC_SNAPSHOT)).not.toBe(-855196043)
    })
  }

  it("uses the level strings as received, not a re-rendering of the units", () => {
    const a = checksumOf(new OkxScanner(resolverFor([DOC])), frameWith([["3366.10", "7"]], [["3366.8", "9"]]))
    const b = checksumOf(new OkxScanner(resolverFor([DOC])), frameWith([["3366.1", "7"]], [["3366.8", "9"]]))
    expect(a).not.toBe(b)
  })

  it("decodes the live trades capture with the taker side (ccxt static capture, Aug 2026)", () => {
    const frame = `{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1040968613","px":"64040.2","sz":"0.00240857","side":"buy","ts":"1786538760218","count":"2","source":"0","seqId":79706765242}]}`
    for (const decoder of decoders([BTC])) {
      expect(decoder.decode(frame)).toBe(OkxFrameKind.Trade)
      const t = decoder.out.trades
      expect([t.count, t.prices[0], t.sizes[0], t.sides[0], t.ids[0], t.times[0]]).toEqual([1, 640402, 240857, BID, "1040968613", 1786538760218])
    }
  })

  it("decodes the documented ack, error and the text pong", () => {
    for (const decoder of decoders([BTC])) {
      expect(decoder.decode(`{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}`)).toBe(OkxFrameKind.Ack)
      expect([decoder.out.event, decoder.out.eventChannel, decoder.out.eventInstId]).toEqual(["subscribe", "books", "BTC-USDT"])
      expect(decoder.decode(`{"id":"1512","event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}`)).toBe(OkxFrameKind.Error)
      expect(decoder.out.errorCode).toBe("60012")
      expect(decoder.decode("pong")).toBe(OkxFrameKind.Pong)
      expect(decoder.decode(`{"arg":{"channel":"books","instId":"BTC-US`)).toBe(OkxFrameKind.Malformed)
      expect(decoder.decode(`{"arg":{"channel":"books","instId":"DOGE-USDT"},"action":"update","data":[]}`)).toBe(OkxFrameKind.Other)
    }
  })

  it("parses the instrument list into canonical symbols from baseCcy/quoteCcy, live spot only", () => {
    const body = `{"code":"0","msg":"","data":[
      {"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","state":"live"},
      {"instType":"SPOT","instId":"USDC-USDT","baseCcy":"USDC","quoteCcy":"USDT","tickSz":"0.0001","lotSz":"0.000001","minSz":"1","state":"live"},
      {"instType":"SPOT","instId":"XYZ-USDT","baseCcy":"XYZ","quoteCcy":"USDT","tickSz":"0.1","lotSz":"1","minSz":"1","state":"suspend"}]}`
    const list = parseOkxInstruments(body)
    expect(list.map((i) => [i.symbol, i.venueSymbol, i.priceScale, i.sizeScale, i.tickSize, i.minSize])).toEqual([
      ["BTC/USDT", "BTC-USDT", 1, 8, 1, 1000],
      ["USDC/USDT", "USDC-USDT", 4, 6, 1, 1_000_000]
    ])
    expect(parseOkxInstruments(renderOkxInstruments(OKX_SIM_INSTRUMENTS))).toEqual(OKX_SIM_INSTRUMENTS)
  })
})

const levelsArb = (instrument: Instrument) =>
  fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000_000 * 10 ** instrument.priceScale }), fc.integer({ min: 0, max: 2 ** 40 })), {
    maxLength: 30
  })

describe("OKX codec round trip", () => {
  it("decodes what the simulator's encoders produce, exactly (books, REST books, trades)", () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.constantFrom(...OKX_SIM_INSTRUMENTS),
          fc.boolean(),
          fc.integer({ min: 0, max: 2 ** 50 }),
          fc.integer({ min: -1, max: 2 ** 50 }),
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          fc.integer({ min: 0, max: 10_000_000 }),
          fc.integer({ min: 0, max: 1 })
        ).chain((head) => fc.tuple(fc.constant(head), levelsArb(head[0]), levelsArb(head[0]))),
      ([[instrument, snapshot, seqId, prevSeqId, checksum, price, side], bids, asks]) => {
        const frame = encodeBook(instrument, { action: snapshot ? "snapshot" : "update", seqId, prevSeqId, checksum, tsMs: 1786538760218 }, bids, asks)
        for (const decoder of decoders(OKX_SIM_INSTRUMENTS)) {
          expect(decoder.decode(frame)).toBe(OkxFrameKind.Book)
          const m = decoder.out.book
          expect([m.instrument, m.snapshot, m.seqId, m.prevSeqId, m.checksum, m.tsMs]).toEqual([instrument, snapshot, seqId, prevSeqId, checksum, 1786538760218])
          expect(Array.from(m.prices[BID].subarray(0, m.count[BID]), (p, i) => [p, m.sizes[BID][i]])).toEqual(bids)
          expect(Array.from(m.prices[ASK].subarray(0, m.count[ASK]), (p, i) => [p, m.sizes[ASK][i]])).toEqual(asks)
        }
        const rest = decodeRestBook(encodeRestBook(instrument, seqId, 1, bids, asks), instrument)
        expect([rest.seqId, rest.count[BID], rest.count[ASK]]).toEqual([seqId, bids.length, asks.length])
        const trade = encodeTrade({ instrument, takerSide: side === 0 ? BID : ASK, price, size: seqId, tsUs: 1786538760218000, id: 42 }, 7)
        for (const decoder of decoders(OKX_SIM_INSTRUMENTS)) {
          expect(decoder.decode(trade)).toBe(OkxFrameKind.Trade)
          const t = decoder.out.trades
          expect([t.count, t.prices[0], t.sizes[0], t.sides[0], t.ids[0], t.times[0]]).toEqual([1, price, seqId, side, "42", 1786538760218])
        }
      })
    )
  })
})

/** A JSON text of `value` with its object keys shuffled and random whitespace. */
const render = (value: unknown, random: () => number): string => {
  const ws = () => [" ", "", "", "\n", ""][Math.floor(random() * 5)]!
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => render(v, random)).join(`,${ws()}`)}${ws()}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(() => random() - 0.5)
    return `{${ws()}${entries.map(([k, v]) => `${JSON.stringify(k)}${ws()}:${ws()}${render(v, random)}`).join(`,${ws()}`)}${ws()}}`
  }
  return JSON.stringify(value)
}

/** The decoded content the two decoders must agree on. */
const summary = (decoder: OkxDecoder, kind: OkxFrameKind): unknown => {
  const out = decoder.out
  if (kind === OkxFrameKind.Book) {
    const m = out.book
    const side = (s: 0 | 1) => Array.from({ length: m.count[s] }, (_, i) => [m.prices[s][i], m.sizes[s][i], m.priceText(s, i), m.sizeText(s, i)])
    return [kind, m.instrument?.venueSymbol, m.snapshot, m.seqId, m.prevSeqId, m.checksum, m.tsMs, side(BID), side(ASK)]
  }
  if (kind === OkxFrameKind.Trade) {
    const t = out.trades
    return [kind, t.instrument?.venueSymbol, Array.from({ length: t.count }, (_, i) => [t.prices[i], t.sizes[i], t.sides[i], t.ids[i], t.times[i]])]
  }
  if (kind === OkxFrameKind.Ack) return [kind, out.event, out.eventChannel, out.eventInstId]
  if (kind === OkxFrameKind.Error || kind === OkxFrameKind.Notice) return [kind, out.error]
  return [kind]
}

const decimal = (scale: number) =>
  fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 10 ** scale - 1 }), fc.boolean()).map(([i, f, trim]) => {
    if (scale === 0) return String(i)
    const frac = String(f).padStart(scale, "0")
    const text = `${i}.${trim ? frac.replace(/0+$/, "") : frac}`
    return text.endsWith(".") ? text.slice(0, -1) : text
  })

/** Extra values without escapes (a backslash anywhere sends the frame to the reference decoder). */
const plainExtra = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.record({ a: fc.stringMatching(/^[a-z0-9 ]{0,8}$/) }))

const fuzzLevel = fc.oneof(
  { arbitrary: fc.tuple(decimal(1), decimal(6), fc.constant("0"), fc.integer({ min: 0, max: 99 }).map(String)), weight: 40 },
  { arbitrary: fc.tuple(decimal(1), decimal(6)), weight: 4 },
  { arbitrary: fc.tuple(decimal(1), decimal(6), plainExtra), weight: 2 },
  { arbitrary: fc.tuple(decimal(3), decimal(8)), weight: 1 },
  { arbitrary: fc.tuple(decimal(1), fc.constantFrom("-1", "1e5", "", "abc")), weight: 1 },
  { arbitrary: fc.tuple(decimal(1), decimal(6), fc.jsonValue()), weight: 1 }
)

const weighted = <A, B>(common: fc.Arbitrary<A>, rare: fc.Arbitrary<B>): fc.Arbitrary<A | B> =>
  fc.oneof({ arbitrary: common, weight: 19 }, { arbitrary: rare, weight: 1 })

const fuzzFrame = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      arg: fc.record({ channel: weighted(fc.constantFrom("books", "trades"), fc.constant("tickers")), instId: weighted(fc.constantFrom("BTC-USDT", "ETH-USDT"), fc.constant("SOL-USDT")) }),
      action: weighted(fc.constantFrom("snapshot", "update"), fc.constant("partial")),
      data: fc.oneof(
        fc.tuple(
          fc.record(
            {
              asks: fc.array(fuzzLevel, { maxLength: 6 }),
              bids: fc.array(fuzzLevel, { maxLength: 6 }),
              ts: weighted(fc.integer({ min: 0, max: 2 ** 45 }).map(String), fc.oneof(fc.constant(""), fc.integer())),
              checksum: weighted(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double()),
              prevSeqId: weighted(fc.integer({ min: -1, max: 2 ** 40 }), fc.constant(2 ** 60)),
              seqId: fc.integer({ min: 0, max: 2 ** 40 }),
              extra: weighted(plainExtra, fc.jsonValue())
            },
            { requiredKeys: ["asks", "bids", "seqId", "prevSeqId"] }
          )
        ),
        fc.array(
          fc.record(
            {
              instId: fc.constant("BTC-USDT"),
              tradeId: fc.integer({ min: 0, max: 2 ** 53 }).map(String),
              px: decimal(1),
              sz: decimal(8),
              side: weighted(fc.constantFrom("buy", "sell"), fc.constant("BUY")),
              ts: weighted(fc.integer({ min: 0, max: 2 ** 45 }).map(String), fc.integer()),
              count: fc.constant("1")
            },
            { requiredKeys: ["px", "sz", "side", "tradeId"] }
          ),
          { maxLength: 3 }
        )
      )
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      event: fc.constantFrom("subscribe", "unsubscribe", "error", "notice"),
      arg: fc.record({ channel: fc.constantFrom("books", "trades"), instId: fc.constant("BTC-USDT") }),
      code: fc.constantFrom("60012", "64008"),
      msg: fc.string(),
      connId: fc.constant("a4d3ae55")
    })
  },
  { weight: 1, arbitrary: fc.jsonValue() }
)

/** Mostly whole frames; sometimes cut short, like the simulator's malformed fault. */
const cutAt = fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 })

describe("OKX scanner vs reference decoder", () => {
  it("agree on fuzzed frames: shuffled keys, whitespace, extra fields, bad levels, truncation", () => {
    const scanner = new OkxScanner(resolverFor(OKX_SIM_INSTRUMENTS))
    const reference = new OkxReferenceDecoder(resolverFor(OKX_SIM_INSTRUMENTS))
    // Counts every reference decode: the test's own, plus the scanner's deferrals.
    const calls = vi.spyOn(OkxReferenceDecoder.prototype, "decode")
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
        if (calls.mock.calls.length === before && (a === OkxFrameKind.Book || a === OkxFrameKind.Trade)) decoded++
        const b = reference.decode(text)
        if (b === OkxFrameKind.Book || b === OkxFrameKind.Trade) decodable++
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

/** Level texts, valid and not, as they could appear in a canonical frame. */
const oddText = fc.oneof(
  { arbitrary: decimal(1), weight: 6 },
  { arbitrary: fc.constantFrom("01.5", "0", "-1", "1.", ".5", "1e5", "", "1 ", "65000.10", 'a\\"b', "1\\u0030"), weight: 1 }
)
const canonicalLevel = fc
  .tuple(oddText, fc.oneof({ arbitrary: decimal(8), weight: 6 }, { arbitrary: oddText, weight: 1 }), fc.constantFrom('"0"', '"12"', '"a\\"b"', '"x\\",\\"y"', "7", '"0","3"'))
  .map(([p, q, rest]) => `["${p}","${q}",${rest}]`)
const canonicalFrame = fc
  .tuple(
    fc.constantFrom("BTC-USDT", "ETH-USDT", "SOL-USDT"),
    fc.constantFrom("snapshot", "update"),
    fc.array(canonicalLevel, { maxLength: 4 }),
    fc.array(canonicalLevel, { maxLength: 4 }),
    fc.constantFrom("1786538760218", "", "12a"),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.integer({ min: -1, max: 2 ** 40 })
  )
  .map(
    ([instId, action, asks, bids, ts, checksum, seq]) =>
      `{"arg":{"channel":"books","instId":"${instId}"},"action":"${action}","data":[{"asks":[${asks.join(",")}],"bids":[${bids.join(",")}],"ts":"${ts}","checksum":${checksum},"prevSeqId":${seq},"seqId":${seq + 2}}]}`
  )

describe("OKX scanner vs reference decoder on the canonical layout", () => {
  it("agree on canonical frames with odd level texts, escapes in ignored fields and bad timestamps", () => {
    const scanner = new OkxScanner(resolverFor(OKX_SIM_INSTRUMENTS))
    const reference = new OkxReferenceDecoder(resolverFor(OKX_SIM_INSTRUMENTS))
    let books = 0
    fc.assert(
      fc.property(canonicalFrame, (text) => {
        const b = reference.decode(text)
        if (b === OkxFrameKind.Book) books++
        expect(summary(scanner, scanner.decode(text))).toEqual(summary(reference, b))
      }),
      { numRuns: 3000 }
    )
    expect(books).toBeGreaterThan(300)
  })
})

