import { type Instrument, type TradePrint, ASK, BID } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { IdIndex } from "../src/id-index.ts"
import type { FeedIncident, RestRequest } from "../src/feed.ts"
import { FrameKind, GeminiDecoder, type GeminiFrame, encodeChanges, encodeInitial, encodeTrade } from "../src/gemini/codec.ts"
import { gemini } from "../src/gemini/index.ts"
import { GEMINI_SIM_INSTRUMENTS, detailsPath, parseSymbolDetails, plainDecimal, renderSymbolDetails } from "../src/gemini/instruments.ts"

/** The example answer of `GET /v1/symbols/details/BTCUSD` (Gemini REST docs): steps as JSON numbers. */
const BTCUSD_DETAILS =
  '{"symbol":"BTCUSD","base_currency":"BTC","quote_currency":"USD","tick_size":1e-8,"quote_increment":0.01,"min_order_size":"0.00001","status":"open","wrap_enabled":false,"product_type":"spot","contract_type":"vanilla","contract_price_currency":"USD"}'
const BTCUSD = parseSymbolDetails(BTCUSD_DETAILS)
const SYMBOLS = new IdIndex([["BTCUSD", BTCUSD]])

const view = (kind: FrameKind, f: GeminiFrame) => {
  if (kind === FrameKind.Malformed || kind === FrameKind.Other) return { kind }
  if (kind === FrameKind.Trade) return { kind, symbol: f.symbol, trade: [f.tradePrice, f.tradeSize, f.tradeSide, f.tradeId, f.tradeMs] }
  return {
    kind,
    symbol: f.symbol,
    initial: f.initial,
    levels: Array.from({ length: f.levelCount }, (_, i) => [f.levelSide[i], f.levelPrice[i], f.levelSize[i]])
  }
}

describe("Gemini symbol details", () => {
  it("reads the documented details example: base/quote, exponent steps exactly, two extra size decimals", () => {
    expect(BTCUSD).toEqual({
      venue: "gemini", symbol: "BTC/USD", venueSymbol: "BTCUSD", base: "BTC", quote: "USD",
      priceScale: 2, sizeScale: 10, tickSize: 1, lotSize: 100, minSize: 100_000, minNotional: 0n
    })
    expect(parseSymbolDetails(BTCUSD_DETAILS.replace("1e-8", "1E-8").replace('"BTCUSD"', '"btcusd"'))).toEqual(BTCUSD)
  })

  it("expands JSON numbers in exponent form without going through a double", () => {
    expect(plainDecimal("1e-8")).toBe("0.00000001")
    expect(plainDecimal("1E-8")).toBe("0.00000001")
    expect(plainDecimal("2.5e-3")).toBe("0.0025")
    expect(plainDecimal("1.25E1")).toBe("12.5")
    expect(plainDecimal("5e2")).toBe("500")
    expect(plainDecimal("0.01")).toBe("0.01")
  })

  it("refuses perpetuals and closed books, and round-trips the simulator's rendering", () => {
    expect(() => parseSymbolDetails(BTCUSD_DETAILS.replace('"spot"', '"swap"'))).toThrow(/not spot/)
    expect(() => parseSymbolDetails(BTCUSD_DETAILS.replace('"open"', '"closed"'))).toThrow(/closed/)
    for (const i of GEMINI_SIM_INSTRUMENTS) expect(parseSymbolDetails(renderSymbolDetails(i))).toEqual(i)
  })
})

describe("Gemini codec: documented frames", () => {
  it("decodes the initial l2 response example (v2 docs) as the whole book", () => {
    const decoder = new GeminiDecoder(SYMBOLS)
    const text =
      '{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","9122.04","0.00121425"],["sell","9122.07","0.98942292"]],' +
      '"trades":[{"type":"trade","symbol":"BTCUSD","eventid":169841458,"timestamp":1560976400428,"price":"9122.04","quantity":"0.0073173","side":"sell","tid":2840140800042677}]}'
    expect(decoder.scan(text)).toBe(false)
    expect(view(decoder.decode(text), decoder.frame)).toEqual({
      kind: FrameKind.Level2, symbol: 0, initial: true,
      levels: [[BID, 912_204, 12_142_500], [ASK, 912_207, 9_894_229_200]]
    })
  })

  it("decodes the l2 update example, whose quantity has 10 decimals on an 8-decimal symbol", () => {
    const decoder = new GeminiDecoder(SYMBOLS)
    const text = '{"type":"l2_updates","symbol":"BTCUSD","changes":[["sell","9160.20","0.1921229751"]]}'
    expect(decoder.scan(text)).toBe(true)
    expect(view(FrameKind.Level2, decoder.frame)).toEqual({ kind: FrameKind.Level2, symbol: 0, initial: false, levels: [[ASK, 916_020, 1_921_229_751]] })
  })

  it("decodes the trade examples: taker side, tid kept exact, event_id when there is no tid", () => {
    const decoder = new GeminiDecoder(SYMBOLS)
    const docs = '{"type":"trade","symbol":"BTCUSD","event_id":3575573053,"timestamp":151231241,"price":"9004.21000000","quantity":"0.09110000","side":"buy","tid":2840140800042677}'
    expect(view(decoder.decode(docs), decoder.frame)).toEqual({ kind: FrameKind.Trade, symbol: 0, trade: [900_421, 911_000_000, BID, "2840140800042677", 151_231_241] })
    const ccxt = '{"type":"trade","symbol":"BTCUSD","event_id":122278173770,"timestamp":1655335880981,"price":"22530.80","quantity":"0.04","side":"sell"}'
    expect(view(decoder.decode(ccxt), decoder.frame)).toEqual({ kind: FrameKind.Trade, symbol: 0, trade: [2_253_080, 400_000_000, ASK, "122278173770", 1_655_335_880_981] })
    const huge = docs.replace("2840140800042677", "18446744073709551615")
    decoder.decode(huge)
    expect(decoder.frame.tradeId).toBe("18446744073709551615")
  })

  it("tells heartbeats, errors, other symbols and broken frames apart", () => {
    const decoder = new GeminiDecoder(SYMBOLS)
    expect(decoder.decode('{"type":"heartbeat","timestamp":1659740268958}')).toBe(FrameKind.Heartbeat)
    expect(decoder.decode('{"reason":"NoValidTradingPairs","result":"error"}')).toBe(FrameKind.Error)
    expect(decoder.decode('{"type":"l2_updates","symbol":"ETHBTC","changes":[["buy","0.05","1"]]}')).toBe(FrameKind.Other)
    expect(decoder.decode('{"type":"candles_15m_updates","symbol":"BTCUSD","changes":[[1561054500000,9350.18,9358.35,9350.18,9355.51,2.07]]}')).toBe(FrameKind.Other)
    for (const bad of ['{"type":"l2_updates","symbol":"BTCUSD","changes":[["bid","1","1"]]}', '{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1.001","1"]]}', '{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","1"', "{"]) {
      expect(decoder.decode(bad), bad).toBe(FrameKind.Malformed)
    }
  })
})

const changeArb = fc.record({
  side: fc.constantFrom(BID, ASK),
  price: fc.integer({ min: 1, max: 100_000_000 }),
  size: fc.integer({ min: 0, max: 1e15 })
})

describe("Gemini codec: round trip and scanner ⇄ reference", () => {
  it("decodes what the encoders produce (property)", () => {
    const decoder = new GeminiDecoder(SYMBOLS)
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 40 }), fc.boolean(), (changes, initial) => {
        const text = initial ? encodeInitial(BTCUSD, changes, []) : encodeChanges(BTCUSD, changes)
        expect(view(decoder.decode(text), decoder.frame)).toEqual({
          kind: FrameKind.Level2, symbol: 0, initial, levels: changes.map((c) => [c.side, c.price, c.size])
        })
      }),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(changeArb, fc.integer({ min: 1, max: 4e12 }), fc.nat({ max: 1e6 }), (c, tsMs, id) => {
        const text = encodeTrade({ instrument: BTCUSD, takerSide: c.side, price: c.price, size: c.size, tsUs: tsMs * 1000, id })
        expect(view(decoder.decode(text), decoder.frame)).toMatchObject({ kind: FrameKind.Trade, trade: [c.price, c.size, c.side, expect.any(String), tsMs] })
      }),
      { numRuns: 200 }
    )
  })

  it("holds the scanner equal to the reference decoder on fuzzed frames", () => {
    const decimal = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 1e9 }).map((n) => (n / 100).toFixed(2)) },
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 1e12 }).map((n) => (n / 1e10).toString()) },
      { weight: 1, arbitrary: fc.constantFrom("0", "1e5", "", "-1", "1.12345678901", "00.5", ".5", "5.", "9007199254740993") }
    )
    const changeText = fc.tuple(fc.constantFrom("buy", "sell", "buy", "sell", "bid"), decimal, decimal).map(([s, p, q]) => [s, p, q])
    const frameArb = fc
      .tuple(
        fc.constantFrom("l2_updates", "l2_updates", "l2_updates", "trade", "heartbeat"),
        fc.constantFrom("BTCUSD", "BTCUSD", "BTCUSD", "ETHUSD", "btcusd"),
        fc.array(fc.oneof({ weight: 9, arbitrary: changeText }, { weight: 1, arbitrary: fc.constant(["buy", "1"]) }), { maxLength: 4 }),
        fc.nat({ max: 4 })
      )
      .map(([type, symbol, changes, initial]) => (initial === 0 ? { type, symbol, changes, trades: [] } : { type, symbol, changes }))
    const textArb = fc.tuple(frameArb, fc.nat({ max: 9 }), fc.nat()).map(([frame, mode, cut]) => {
      const text = mode === 0 ? JSON.stringify(frame, null, 1) : JSON.stringify(frame)
      if (mode === 1) return text.slice(0, cut % (text.length + 1))
      if (mode === 2) return JSON.stringify(Object.fromEntries(Object.entries(frame).reverse()))
      return text
    })
    const scanner = new GeminiDecoder(SYMBOLS)
    const reference = new GeminiDecoder(SYMBOLS)
    let scanned = 0
    fc.assert(
      fc.property(textArb, (text) => {
        if (scanner.scan(text)) scanned++
        expect(view(scanner.decode(text), scanner.frame)).toEqual(view(reference.decodeReference(text), reference.frame))
      }),
      { numRuns: 3000 }
    )
    expect(scanned).toBeGreaterThan(100)
  })
})

/** A feed driven the way a capture replay drives it: frames and REST answers in, requests recorded. */
const replay = () => {
  const requests: Array<RestRequest> = []
  const sent: Array<string> = []
  const connects: Array<string> = []
  const reconnects: Array<string> = []
  const trades: Array<TradePrint> = []
  const invalid: Array<string> = []
  const incidents: Array<FeedIncident> = []
  const feed = gemini.makeFeed({
    symbols: ["BTC/USD", "DOGE/EUR"],
    listener: { onBook: () => {}, onTrade: (t) => void trades.push({ ...t }), onBookInvalid: (i: Instrument, r) => void invalid.push(`${i.symbol}: ${r}`) },
    transport: { request: (r) => void requests.push(r), connect: (u) => void connects.push(u), send: (t) => void sent.push(t), reconnect: (r) => void reconnects.push(r) },
    onIncident: (i) => void incidents.push(i)
  })
  feed.start()
  return { feed, requests, sent, connects, reconnects, trades, invalid, incidents }
}

describe("Gemini feed on recorded frames", () => {
  it("asks details per symbol, retries server errors, rejects unlisted pairs, then connects and subscribes", () => {
    const r = replay()
    expect(r.requests.map((q) => q.path)).toEqual([detailsPath("BTCUSD"), detailsPath("DOGEEUR")])
    r.feed.onRest(r.requests[0]!, 503, "busy", 0)
    r.feed.onRest(r.requests[1]!, 400, '{"result":"error","reason":"InvalidSymbol"}', 0)
    expect(r.connects).toEqual([])
    r.feed.onTick(1)
    expect(r.requests.map((q) => q.path)).toEqual([detailsPath("BTCUSD"), detailsPath("DOGEEUR"), detailsPath("BTCUSD")])
    r.feed.onRest(r.requests[2]!, 200, BTCUSD_DETAILS, 0)
    expect(r.connects).toEqual(["/v2/marketdata"])
    expect(r.incidents.filter((i) => i.kind === "rejected").map((i) => i.symbol)).toEqual(["DOGE/EUR"])
    r.feed.onOpen()
    expect(r.sent.map((t) => JSON.parse(t) as unknown)).toEqual([{ type: "subscribe", subscriptions: [{ name: "l2", symbols: ["BTCUSD"] }] }])
  })

  it("connects once every symbol was answered, and subscribes a symbol whose details come late on the open socket", () => {
    const r = replay()
    r.feed.onRest(r.requests[1]!, 502, "bad gateway", 0)
    r.feed.onRest(r.requests[0]!, 200, BTCUSD_DETAILS, 0)
    expect(r.connects).toEqual(["/v2/marketdata"])
    r.feed.onOpen()
    r.feed.onTick(1)
    expect(r.requests.at(-1)?.path).toBe(detailsPath("DOGEEUR"))
    const doge = BTCUSD_DETAILS.replaceAll("BTCUSD", "DOGEEUR").replace('"BTC"', '"DOGE"').replaceAll('"USD"', '"EUR"')
    r.feed.onRest(r.requests.at(-1)!, 200, doge, 0)
    expect(r.connects).toHaveLength(1)
    expect(r.sent.map((t) => JSON.parse(t) as unknown)).toEqual([
      { type: "subscribe", subscriptions: [{ name: "l2", symbols: ["BTCUSD"] }] },
      { type: "subscribe", subscriptions: [{ name: "l2", symbols: ["DOGEEUR"] }] }
    ])
    expect(r.feed.instrument("DOGE/EUR")?.venueSymbol).toBe("DOGEEUR")
  })

  it("takes the first frame as the book, skips its history trades, and reconnects when an update crosses the book", () => {
    const r = replay()
    r.feed.onRest(r.requests[0]!, 200, BTCUSD_DETAILS, 0)
    r.feed.onRest(r.requests[1]!, 400, "{}", 0)
    r.feed.onOpen()
    r.feed.onFrame('{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","9122.04","0.00121425"],["sell","9122.07","0.98942292"]],"trades":[{"type":"trade","symbol":"BTCUSD","event_id":169841458,"timestamp":1560976400428,"price":"9122.04","quantity":"0.0073173","side":"sell","tid":2840140800042677}]}', 1, 1)
    expect(r.feed.book("BTC/USD")?.top(ASK, 3)).toEqual([[912_207, 9_894_229_200]])
    expect(r.trades).toEqual([])
    r.feed.onFrame('{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","9122.07","1"]]}', 2, 2)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
    expect(r.invalid).toEqual(["BTC/USD: crossed book"])
    expect(r.reconnects).toEqual(["crossed book"])
    // A change still in flight on the old socket must not pass for a whole book.
    r.feed.onFrame('{"type":"l2_updates","symbol":"BTCUSD","changes":[["buy","9000.00","1"]]}', 3, 3)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
  })
})
