import { ASK, BID, OrderBook, formatUnitsTrimmed } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BITFINEX_BOOK_DEPTH, bitfinexChecksum } from "../src/bitfinex/checksum.ts"
import { LevelTexts, truncateSide } from "../src/level-texts.ts"
import {
  type BitfinexChannel,
  BitfinexDecoder,
  BitfinexFrameKind,
  bitfinexNumber,
  encodeBookSnapshot,
  encodeBookUpdate,
  encodeChecksum,
  encodeHeartbeat,
  encodeTrade,
  encodeTradeSnapshot,
  parseNumberUnits
} from "../src/bitfinex/codec.ts"
import { BITFINEX_SIM_INSTRUMENTS, parseBitfinexConf, renderBitfinexConf, splitBitfinexPair } from "../src/bitfinex/instruments.ts"
import { crc32Signed } from "../src/crc32.ts"

const BTC = BITFINEX_SIM_INSTRUMENTS[0]!
const BOOK = 17082
const TRADES = 17470
const channels = (chanId: number): BitfinexChannel | undefined =>
  chanId === BOOK ? { kind: "book", instrument: BTC } : chanId === TRADES ? { kind: "trades", instrument: BTC } : undefined

/** Everything the decoder says about a frame, for comparing two decoders. */
const decoded = (d: BitfinexDecoder, kind: BitfinexFrameKind) => {
  const f = d.frame
  switch (kind) {
    case BitfinexFrameKind.BookUpdate:
      return { kind, chanId: f.chanId, seq: f.seq, level: [f.price, f.count, f.amount, f.priceText, f.amountText] }
    case BitfinexFrameKind.BookSnapshot:
      return {
        kind, chanId: f.chanId, seq: f.seq,
        levels: Array.from({ length: f.levels.count }, (_, i) => [
          f.levels.prices[i], f.levels.counts[i], f.levels.amounts[i], f.levels.priceTexts[i], f.levels.amountTexts[i]
        ])
      }
    case BitfinexFrameKind.Trade:
      return { kind, chanId: f.chanId, seq: f.seq, trade: [f.tradeUpdate, f.tradeId, f.tradeMs, f.tradeAmount, f.tradePrice] }
    case BitfinexFrameKind.TradeSnapshot:
      return { kind, chanId: f.chanId, seq: f.seq, ids: f.snapshotTradeIds.slice(0, f.snapshotTradeCount) }
    case BitfinexFrameKind.Checksum:
      return { kind, chanId: f.chanId, seq: f.seq, checksum: f.checksum }
    case BitfinexFrameKind.Heartbeat:
    case BitfinexFrameKind.Other:
      return { kind, chanId: f.chanId, seq: f.seq }
    case BitfinexFrameKind.Event:
      return { kind, event: f.event }
    default:
      return { kind }
  }
}

const decode = (text: string) => {
  const d = new BitfinexDecoder(channels)
  return decoded(d, d.decode(text))
}

describe("Bitfinex codec", () => {
  it("decodes the documented book frames (subscribed event, snapshot entry, delete)", () => {
    expect(decode(`{"event":"subscribed","channel":"book","chanId":10092,"symbol":"tETHUSD","prec":"P0","freq":"F0","len":"25","subId":123,"pair":"ETHUSD"}`)).toEqual({
      kind: BitfinexFrameKind.Event,
      event: { event: "subscribed", channel: "book", chanId: 10092, symbol: "tETHUSD", prec: "P0", freq: "F0", len: "25", subId: 123, pair: "ETHUSD" }
    })
    // Docs: snapshot `[17082,[[7254.7,3,3.3],…]]` — PRICE, COUNT, AMOUNT (> 0 bid).
    expect(decode(`[17082,[[7254.7,3,3.3],[7255.1,1,-0.5]]]`)).toEqual({
      kind: BitfinexFrameKind.BookSnapshot, chanId: BOOK, seq: -1,
      levels: [[725_470_000_000, 3, 330_000_000, "7254.7", "3.3"], [725_510_000_000, 1, -50_000_000, "7255.1", "-0.5"]]
    })
    // COUNT 0 removes; AMOUNT 1 says it was a bid.
    expect(decode(`[17082,[7254.7,0,1],42]`)).toEqual({
      kind: BitfinexFrameKind.BookUpdate, chanId: BOOK, seq: 42, level: [725_470_000_000, 0, 100_000_000, "7254.7", "1"]
    })
  })

  it("decodes the documented trade frames; the id stays exact text", () => {
    expect(decode(`[17470,[[401597393,1574694475039,0.005,7244.9]],1]`)).toEqual({
      kind: BitfinexFrameKind.TradeSnapshot, chanId: TRADES, seq: 1, ids: ["401597393"]
    })
    expect(decode(`[17470,"te",[401597395,1574694478808,-0.005,7245.3],2]`)).toEqual({
      kind: BitfinexFrameKind.Trade, chanId: TRADES, seq: 2, trade: [false, "401597395", 1574694478808, -500_000, 724_530_000_000]
    })
    expect(decode(`[17470,"tu",[9007199254740993,1574694478808,0.005,7245.3],3]`)).toEqual({
      kind: BitfinexFrameKind.Trade, chanId: TRADES, seq: 3, trade: [true, "9007199254740993", 1574694478808, 500_000, 724_530_000_000]
    })
  })

  it("reads heartbeats, checksums and the sequence number of channels it does not follow", () => {
    expect(decode(`[17082,"hb",7]`)).toEqual({ kind: BitfinexFrameKind.Heartbeat, chanId: BOOK, seq: 7 })
    expect(decode(`[17082,"cs",-1881014294,8]`)).toEqual({ kind: BitfinexFrameKind.Checksum, chanId: BOOK, seq: 8, checksum: -1881014294 })
    expect(decode(`[555,[1,2,3,4,5,6,7,8,9,10],9]`)).toEqual({ kind: BitfinexFrameKind.Other, chanId: 555, seq: 9 })
    expect(decode(`[555,"te",[1,2,3,4],10]`)).toEqual({ kind: BitfinexFrameKind.Other, chanId: 555, seq: 10 })
  })

  it("reports malformed frames instead of throwing", () => {
    for (const bad of [`[17082,[7254.7,3`, `[17082,[7254.7,3,0.000000001],1]`, `[17082,"te",[1,2,3,4],1]`, `[17082,[7254.7,3,3.3],-1]`, `"x"`, `[17082,[0,3,1],1]`]) {
      expect(decode(bad).kind, bad).toBe(BitfinexFrameKind.Malformed)
    }
  })

  it("parses JSON numbers exactly, exponent notation included", () => {
    const units = (text: string, scale = 8) => parseNumberUnits(text, 0, text.length, scale)
    expect(units("1.2e-7")).toBe(12)
    expect(units("1e-8")).toBe(1)
    expect(units("-2.5E+3")).toBe(-250_000_000_000)
    expect(units("65000")).toBe(6_500_000_000_000)
    expect(units("1e-9")).toBeNaN()
    expect(units("1.234567891")).toBeNaN()
    expect(units("1e")).toBeNaN()
  })

  it("renders numbers as JavaScript does (Bitfinex's own rendering)", () => {
    expect(bitfinexNumber(725_470_000_000, 8)).toBe("7254.7")
    expect(bitfinexNumber(-50_000_000, 8)).toBe("-0.5")
    expect(bitfinexNumber(12, 8)).toBe("1.2e-7")
    expect(bitfinexNumber(100, 8)).toBe("0.000001")
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }), (units) => {
        expect(bitfinexNumber(units, 8)).toBe(String(Number(formatUnitsTrimmed(units, 8))))
        const text = bitfinexNumber(units, 8)
        expect(parseNumberUnits(text, 0, text.length, 8)).toBe(units === 0 ? 0 : units)
      }),
      { numRuns: 2000 }
    )
  })

  it("encode → decode round-trips every data frame the simulator sends", () => {
    const level = fc.record({ price: fc.integer({ min: 1, max: 9e13 }), count: fc.integer({ min: 0, max: 500 }), amount: fc.integer({ min: -1e13, max: 1e13 }).filter((a) => a !== 0) })
    const trade = fc.record({ id: fc.nat(), ms: fc.nat(), amount: fc.integer({ min: -1e13, max: 1e13 }).filter((a) => a !== 0), price: fc.integer({ min: 1, max: 9e13 }) })
    fc.assert(
      fc.property(fc.array(level, { maxLength: 50 }), level, fc.array(trade, { maxLength: 5 }), trade, fc.nat(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (levels, one, trades, t, seq, cs) => {
        const texts = (l: { price: number; amount: number }) => [bitfinexNumber(l.price, 8), bitfinexNumber(l.amount, 8)]
        expect(decode(encodeBookSnapshot(BOOK, BTC, levels, seq))).toEqual({
          kind: BitfinexFrameKind.BookSnapshot, chanId: BOOK, seq,
          levels: levels.map((l) => [l.price, l.count, l.amount, ...texts(l)])
        })
        expect(decode(encodeBookUpdate(BOOK, BTC, one, seq))).toEqual({ kind: BitfinexFrameKind.BookUpdate, chanId: BOOK, seq, level: [one.price, one.count, one.amount, ...texts(one)] })
        expect(decode(encodeTradeSnapshot(TRADES, BTC, trades, seq))).toEqual({ kind: BitfinexFrameKind.TradeSnapshot, chanId: TRADES, seq, ids: trades.map((x) => String(x.id)) })
        expect(decode(encodeTrade(TRADES, "tu", BTC, t, seq))).toEqual({ kind: BitfinexFrameKind.Trade, chanId: TRADES, seq, trade: [true, String(t.id), t.ms, t.amount, t.price] })
        expect(decode(encodeChecksum(BOOK, cs, seq))).toEqual({ kind: BitfinexFrameKind.Checksum, chanId: BOOK, seq, checksum: cs })
        expect(decode(encodeHeartbeat(BOOK, seq))).toEqual({ kind: BitfinexFrameKind.Heartbeat, chanId: BOOK, seq })
      }),
      { numRuns: 300 }
    )
  })

  it("takes the scanner, not the reference decoder, for frames in the venue's layout", () => {
    const d = new BitfinexDecoder(channels)
    expect(d.scan(encodeBookUpdate(BOOK, BTC, { price: 6_500_000_000_000, count: 2, amount: -12 }, 5))).toBe(BitfinexFrameKind.BookUpdate)
    expect(d.frame.amountText).toBe("-1.2e-7")
    expect(d.scan(encodeBookSnapshot(BOOK, BTC, [{ price: 1, count: 1, amount: 1 }], 1))).toBe(BitfinexFrameKind.BookSnapshot)
    expect(d.scan(encodeChecksum(BOOK, -5, 2))).toBe(BitfinexFrameKind.Checksum)
    expect(d.scan(encodeHeartbeat(TRADES, 3))).toBe(BitfinexFrameKind.Heartbeat)
    expect(d.scan(encodeTrade(TRADES, "te", BTC, { id: 1, ms: 2, amount: 3, price: 4 }, 4))).toBe(BitfinexFrameKind.Trade)
    expect(d.scan(encodeTradeSnapshot(TRADES, BTC, [], 5))).toBe(BitfinexFrameKind.TradeSnapshot)
    expect(d.scan(`[17082, "hb",6]`)).toBe(-2)
  })

  it("scanner and reference decoder agree on fuzzed and mutated frames", () => {
    const odd = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
      fc.constantFrom("0", "-0", "1e-9", "1.5e-8", "1E+2", "01", "1.", ".5", "-", "9007199254740993", "2147483648", "-2147483648", '"x"', "null", "[]")
    )
    /** Mostly what the venue sends, sometimes something it should not. */
    const usually = (valid: fc.Arbitrary<string>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: odd, weight: 1 })
    const price = usually(fc.integer({ min: 1, max: 1e13 }).map((u) => bitfinexNumber(u, 8)))
    const amount = usually(fc.integer({ min: -1e13, max: 1e13 }).map((u) => bitfinexNumber(u, 8)))
    const nat = usually(fc.oneof(fc.nat().map(String), fc.constant("9007199254740993")))
    const level = fc.tuple(price, nat, amount).map((xs) => `[${xs.join(",")}]`)
    const trade = fc.tuple(nat, nat, amount, price).map((xs) => `[${xs.join(",")}]`)
    const chan = fc.oneof({ arbitrary: fc.constantFrom(String(BOOK), String(TRADES)), weight: 8 }, fc.constantFrom("555", "0", "-1", "017082"))
    const tail = fc.oneof({ arbitrary: nat.map((n) => `,${n}`), weight: 8 }, fc.constant(""), fc.tuple(nat, nat).map(([x, y]) => `,${x},${y}`))
    const payload = fc.oneof(
      level,
      fc.array(level, { maxLength: 6 }).map((rs) => `[${rs.join(",")}]`),
      fc.array(trade, { maxLength: 4 }).map((rs) => `[${rs.join(",")}]`),
      fc.tuple(fc.constantFrom('"te"', '"tu"', '"xx"'), trade).map(([tag, r]) => `${tag},${r}`),
      usually(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(String)).map((n) => `"cs",${n}`),
      fc.constant('"hb"')
    )
    const frame = fc.tuple(chan, payload, tail).map(([c, p, t]) => `[${c},${p}${t}]`)
    const mutated = fc.tuple(frame, fc.nat(), fc.constantFrom("cut", "space", "append", "none")).map(([text, n, how]) => {
      const at = n % (text.length + 1)
      if (how === "cut") return text.slice(0, at)
      if (how === "space") return `${text.slice(0, at)} ${text.slice(at)}`
      if (how === "append") return `${text}]`
      return text
    })
    // The scanner must take a good share of the frames, or this compares the reference with itself.
    const scanner = new BitfinexDecoder(channels)
    let taken = 0
    fc.assert(
      fc.property(fc.oneof(frame, mutated), (text) => {
        if (scanner.scan(text) !== -2) taken++
        const fast = new BitfinexDecoder(channels)
        const reference = new BitfinexDecoder(channels)
        const a = decoded(fast, fast.decode(text))
        const b = decoded(reference, reference.decodeReference(text))
        expect(a).toEqual(b)
      }),
      { numRuns: 5000 }
    )
    expect(taken).toBeGreaterThan(400)
  })
})

describe("Bitfinex checksum", () => {
  it("hashes the top 25 interleaved as bid:amount:ask:-amount with the texts as received", () => {
    const book = new OrderBook()
    const texts = new LevelTexts()
    const level = (side: 0 | 1, price: string, amount: string) => {
      const units = parseNumberUnits(price, 0, price.length, 8)
      book.setLevel(side, units, Math.abs(parseNumberUnits(amount, 0, amount.length, 8)))
      texts.side(side).set(units, price, amount)
    }
    level(BID, "7254.7", "3.3")
    level(BID, "7254.6", "1.57")
    level(BID, "7254", "1.2e-7")
    level(ASK, "7255.1", "-0.5")
    // Written out by hand from the documented algorithm: best first, bids then asks, a side that runs out skipped.
    expect(bitfinexChecksum(book, texts)).toBe(crc32Signed("7254.7:3.3:7255.1:-0.5:7254.6:1.57:7254:1.2e-7"))
    texts.bids.delete(725_460_000_000)
    expect(bitfinexChecksum(book, texts)).toBeUndefined()
  })

  it("covers only 25 levels; truncation forgets the texts of the levels it drops", () => {
    const book = new OrderBook()
    const texts = new LevelTexts()
    for (let i = 1; i <= 30; i++) {
      book.setLevel(BID, i * 100_000_000, 100_000_000)
      texts.bids.set(i * 100_000_000, String(i), "1")
    }
    const parts = Array.from({ length: BITFINEX_BOOK_DEPTH }, (_, k) => `${30 - k}:1`)
    expect(bitfinexChecksum(book, texts)).toBe(crc32Signed(parts.join(":")))
    truncateSide(book.bids, texts.bids, BITFINEX_BOOK_DEPTH)
    expect(book.bids.count).toBe(25)
    expect(book.bids.priceAt(24)).toBe(600_000_000)
    expect(texts.bids.indexOf(500_000_000)).toBe(-1)
    expect(texts.bids.indexOf(600_000_000)).toBeGreaterThanOrEqual(0)
    expect(texts.bids.count).toBe(25)
  })
})

describe("Bitfinex instruments", () => {
  const conf = JSON.stringify([
    ["BTCUSD", "ETHUST", "TESTBTC:TESTUSD", "XYZABC"],
    ["BTC", "ETH", "TESTBTC", "TESTUSD", "UST", "USD"],
    [["UST", "USDt"], ["TESTUSD", "TestUSD"]],
    [["BTCUSD", [null, null, null, "0.00004", "2000.0", null, null, null, 0.2, 0.1, null, null]], ["ETHUST", [null, null, null, 0.0008, "5000.0"]]]
  ])

  it("splits pairs where the venue's currency list says, maps UST to USDT, reads colon pairs", () => {
    const list = parseBitfinexConf(conf)
    expect(list.map((i) => [i.symbol, i.venueSymbol, i.base, i.quote, i.minSize])).toEqual([
      ["BTC/USD", "tBTCUSD", "BTC", "USD", 4_000],
      ["ETH/USDT", "tETHUST", "ETH", "USDT", 80_000],
      ["TESTBTC/TESTUSD", "tTESTBTC:TESTUSD", "TESTBTC", "TESTUSD", 1]
    ])
    expect(list[0]).toMatchObject({ priceScale: 8, sizeScale: 8, tickSize: 1, lotSize: 1, minNotional: 0n })
  })

  it("never guesses a split the currency list does not support", () => {
    const codes = new Set(["AB", "ABC", "C", "CD", "D"])
    expect(splitBitfinexPair("ABCD", codes)).toBeUndefined() // AB|CD and ABC|D both fit
    expect(splitBitfinexPair("ABCX", codes)).toBeUndefined()
    expect(splitBitfinexPair("ABC:D", codes)).toEqual(["ABC", "D"])
    expect(() => parseBitfinexConf(`{"pairs":[]}`)).toThrow(/list/)
  })

  it("parses what the simulator serves back into its instruments (tick aside)", () => {
    const parsed = parseBitfinexConf(renderBitfinexConf(BITFINEX_SIM_INSTRUMENTS))
    expect(parsed).toEqual(BITFINEX_SIM_INSTRUMENTS.map((i) => ({ ...i, tickSize: 1 })))
  })
})
