import { ASK, BID, type Instrument } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BinanceDecoder, FrameKind, decodeDepthSnapshot, encodeDepthUpdate } from "../src/binance/codec.ts"
import { BINANCE_SIM_INSTRUMENTS, parseExchangeInfo, renderExchangeInfo } from "../src/binance/instruments.ts"

const BTC = BINANCE_SIM_INSTRUMENTS[0]!
const resolver = (symbol: string): Instrument | undefined => (symbol === "BTCUSDT" ? BTC : undefined)

const decodedDepth = (d: BinanceDecoder) => ({
  symbol: d.depth.instrument?.symbol,
  firstId: d.depth.firstId,
  lastId: d.depth.lastId,
  eventMs: d.depth.eventMs,
  bids: Array.from({ length: d.depth.bidCount }, (_, i) => [d.depth.bidPrices[i], d.depth.bidSizes[i]]),
  asks: Array.from({ length: d.depth.askCount }, (_, i) => [d.depth.askPrices[i], d.depth.askSizes[i]])
})

/** Decimal texts as they appear on the wire, plus the kinds of wrong ones a scanner could mishandle. */
const decimalText = fc.oneof(
  fc.tuple(fc.nat(99_999), fc.nat(99_999_999)).map(([i, f]) => `${i}.${String(f).padStart(8, "0")}`),
  fc.tuple(fc.nat(99_999), fc.nat(99)).map(([i, f]) => `${i}.${String(f).padStart(2, "0")}000000`),
  fc.nat(99_999).map(String),
  fc.constantFrom("0.00000000", "00.10000000", "1.", ".5", "", "1e5", "-1.00000000", "1.000000001", "12.3.4", "9007199254740993.00000000", "65000.123")
)

const levelText = fc.tuple(decimalText, decimalText).map(([p, q]) => `["${p}","${q}"]`)
const idText = fc.oneof(fc.nat().map(String), fc.constantFrom("0", "012", "9007199254740993", "-1", "1.5"))

const frameText = fc
  .record({
    e: idText,
    s: fc.constantFrom("BTCUSDT", "ETHUSDT", "BTCUSD", ""),
    U: idText,
    u: idText,
    b: fc.array(levelText, { maxLength: 14 }),
    a: fc.array(levelText, { maxLength: 14 })
  })
  .map((f) => `{"e":"depthUpdate","E":${f.e},"s":"${f.s}","U":${f.U},"u":${f.u},"b":[${f.b.join(",")}],"a":[${f.a.join(",")}]}`)

const tradeText = fc
  .record({
    e: idText,
    s: fc.constantFrom("BTCUSDT", "ETHUSDT", ""),
    t: idText,
    p: decimalText,
    q: decimalText,
    T: idText,
    m: fc.constantFrom("true", "false", "1", '"true"'),
    M: fc.constantFrom("true", "false", "null")
  })
  .map((f) => `{"e":"trade","E":${f.e},"s":"${f.s}","t":${f.t},"p":"${f.p}","q":"${f.q}","T":${f.T},"m":${f.m},"M":${f.M}}`)

const decodedTrade = (d: BinanceDecoder) => ({ ...d.trade, instrument: d.trade.instrument?.symbol })

const mutated = fc.tuple(fc.oneof(frameText, tradeText), fc.nat(), fc.constantFrom("cut", "space", "reorder", "none", "append")).map(([text, n, how]) => {
  const at = n % (text.length + 1)
  if (how === "cut") return text.slice(0, at)
  if (how === "space") return `${text.slice(0, at)} ${text.slice(at)}`
  if (how === "append") return `${text}}`
  if (how === "reorder") return text.replace('"s":', '"x":').replace('"E":', '"s":"BTCUSDT","E":').replace('"x":', '"y":')
  return text
})

describe("Binance codec", () => {
  it("decodes the documented diff-depth example", () => {
    const eth: Instrument = { ...BTC, symbol: "BNB/BTC", venueSymbol: "BNBBTC", priceScale: 8, sizeScale: 8 }
    const d = new BinanceDecoder((s) => (s === "BNBBTC" ? eth : undefined))
    const kind = d.decode(`{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}`)
    expect(kind).toBe(FrameKind.Depth)
    expect(decodedDepth(d)).toEqual({
      symbol: "BNB/BTC", firstId: 157, lastId: 160, eventMs: 1672515782136,
      bids: [[240_000, 1_000_000_000]], asks: [[260_000, 10_000_000_000]]
    })
  })

  it("takes the scanner for frames in Binance's own layout", () => {
    const frame = encodeDepthUpdate(BTC, 10, 12, 1, [
      { side: BID, price: 6_500_001, size: 242_992_204 },
      { side: ASK, price: 6_500_002, size: 0 }
    ])
    expect(frame).toBe(`{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":10,"u":12,"b":[["65000.01000000","2.42992204"]],"a":[["65000.02000000","0.00000000"]]}`)
    const d = new BinanceDecoder(resolver)
    expect(d.scanDepthUpdate(frame)).toBe(true)
    expect(decodedDepth(d).bids).toEqual([[6_500_001, 242_992_204]])
  })

  it("scanner and JSON.parse reference agree on fuzzed and mutated frames", () => {
    fc.assert(
      fc.property(fc.oneof(frameText, tradeText, mutated), (text) => {
        const fast = new BinanceDecoder(resolver)
        const reference = new BinanceDecoder(resolver)
        const kind = fast.decode(text)
        expect(kind).toBe(reference.decodeReference(text))
        if (kind === FrameKind.Depth) expect(decodedDepth(fast)).toEqual(decodedDepth(reference))
        if (kind === FrameKind.Trade) expect(decodedTrade(fast)).toEqual(decodedTrade(reference))
      }),
      { numRuns: 3000 }
    )
  })

  it("takes the scanner for trades in Binance's own layout, with the taker side from m", () => {
    const d = new BinanceDecoder(resolver)
    expect(d.scanTrade(`{"e":"trade","E":1,"s":"BTCUSDT","t":12345,"p":"65000.01000000","q":"0.00100000","T":2,"m":true,"M":true}`)).toBe(true)
    expect(decodedTrade(d)).toEqual({ instrument: "BTC/USDT", price: 6_500_001, size: 100_000, takerSide: ASK, id: "12345", tradeMs: 2 })
    expect(d.scanTrade(`{"e":"trade","E":1,"s":"BTCUSDT","t":12346,"p":"65000.02000000","q":"0.00100000","T":2,"m":false,"M":true}`)).toBe(true)
    expect(d.trade.takerSide).toBe(BID)
  })

  it("encode → decode round-trips any set of level changes", () => {
    const change = fc.record({ side: fc.constantFrom(BID, ASK), price: fc.integer({ min: 1, max: 1e9 }), size: fc.integer({ min: 0, max: 1e13 }) })
    fc.assert(
      fc.property(fc.array(change, { maxLength: 20 }), fc.nat(), (changes, first) => {
        const d = new BinanceDecoder(resolver)
        expect(d.decode(encodeDepthUpdate(BTC, first, first + changes.length, 5, changes))).toBe(FrameKind.Depth)
        const got = decodedDepth(d)
        expect(got.bids).toEqual(changes.filter((c) => c.side === BID).map((c) => [c.price, c.size]))
        expect(got.asks).toEqual(changes.filter((c) => c.side === ASK).map((c) => [c.price, c.size]))
      })
    )
  })

  it("reports malformed frames with a reason instead of throwing", () => {
    const d = new BinanceDecoder(resolver)
    expect(d.decode(`{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["65000.01000000","1e5"]],"a":[]}`)).toBe(FrameKind.Malformed)
    expect(d.error).toMatch(/exponent/)
    expect(d.decode(`{"e":"depthUp`)).toBe(FrameKind.Malformed)
    expect(d.decode(`{"result":null,"id":7}`)).toBe(FrameKind.Result)
    expect(d.decode(`{"code":2,"msg":"Invalid request","id":3}`)).toBe(FrameKind.Error)
    expect(d.decode(`{"e":"serverShutdown","E":1}`)).toBe(FrameKind.Shutdown)
  })

  it("builds instruments from exchangeInfo fields, never by splitting the symbol", () => {
    const [btc] = parseExchangeInfo(renderExchangeInfo([{ ...BTC, base: "XBT", symbol: "XBT/USDT" }]))
    expect(btc).toMatchObject({ symbol: "XBT/USDT", venueSymbol: "BTCUSDT", priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1000 })
    expect(() => parseExchangeInfo(`{"foo":1}`)).toThrow(/symbols/)
  })

  it("decodes a REST depth snapshot and rejects a broken one", () => {
    const snap = decodeDepthSnapshot(`{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}`, { ...BTC, priceScale: 8 })
    expect(snap).toEqual({ lastUpdateId: 1027024, bids: [[400_000_000, 43_100_000_000]], asks: [[400_000_200, 1_200_000_000]] })
    expect(() => decodeDepthSnapshot(`{"bids":[]}`, BTC)).toThrow(/lastUpdateId/)
  })
})
