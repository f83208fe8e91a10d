import { type Instrument, type TradePrint, ASK, BID, OrderBook } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { CoinbaseDecoder, type CoinbaseFrame, type EncodedLevel, FrameKind, encodeLevel2, encodeTrades, parseRfc3339Us } from "../src/coinbase/codec.ts"
import { coinbase } from "../src/coinbase/index.ts"
import { COINBASE_SIM_INSTRUMENTS, PRODUCTS_PATH, parseProducts, renderProducts } from "../src/coinbase/instruments.ts"
import { IdIndex } from "../src/id-index.ts"
import type { FeedIncident, RestRequest } from "../src/feed.ts"

/** A products body shaped like Coinbase's public products list (2026), trimmed to the fields that matter. */
const PRODUCTS_BODY = JSON.stringify({
  products: [
    {
      product_id: "BTC-USD", price: "68730.01", base_increment: "0.00000001", quote_increment: "0.01", quote_min_size: "1",
      quote_max_size: "150000000", base_min_size: "0.00000001", base_max_size: "3400", base_name: "Bitcoin", quote_name: "US Dollar",
      is_disabled: false, status: "online", cancel_only: false, trading_disabled: false, product_type: "SPOT",
      quote_currency_id: "USD", base_currency_id: "BTC", alias: "", alias_to: ["BTC-USDC"], price_increment: "0.01", display_name: "BTC-USD"
    },
    {
      product_id: "BTC-USDC", price: "68730.01", base_increment: "0.00000001", quote_increment: "0.01", quote_min_size: "1",
      base_min_size: "0.00000001", is_disabled: false, status: "online", product_type: "SPOT",
      quote_currency_id: "USDC", base_currency_id: "BTC", alias: "BTC-USD", alias_to: [], price_increment: "0.01", display_name: "BTC-USDC"
    },
    {
      product_id: "ETH-BTC", base_increment: "0.00000001", quote_increment: "0.00001", quote_min_size: "0.00001",
      base_min_size: "0.00022", status: "online", product_type: "SPOT", quote_currency_id: "BTC", base_currency_id: "ETH", alias: "", alias_to: []
    },
    { product_id: "OLD-USD", base_increment: "1", quote_increment: "0.0001", status: "delisted", product_type: "SPOT", quote_currency_id: "USD", base_currency_id: "OLD" },
    { product_id: "BIT-24APR26-CDE", base_increment: "1", quote_increment: "5", status: "", product_type: "FUTURE", quote_currency_id: "USD", base_currency_id: "" }
  ],
  num_products: 5
})

const CATALOG = parseProducts(PRODUCTS_BODY)
const BTC_USD = CATALOG.instruments.find((i) => i.venueSymbol === "BTC-USD")!
const PRODUCTS = new IdIndex([["BTC-USD", BTC_USD]])

/** Plain view of a decoded frame, for comparisons. */
const view = (kind: FrameKind, f: CoinbaseFrame) =>
  kind === FrameKind.Malformed
    ? { kind }
    : {
        kind,
        sequence: f.sequence,
        events: Array.from({ length: f.eventCount }, (_, e) => ({
          product: f.eventProduct[e],
          snapshot: f.eventSnapshot[e],
          levels: Array.from({ length: f.eventEnd[e]! - f.eventStart[e]! }, (_, k) => {
            const i = f.eventStart[e]! + k
            return [f.levelSide[i], f.levelPrice[i], f.levelSize[i]]
          })
        })),
        trades: Array.from({ length: f.tradeCount }, (_, i) => [f.tradeProduct[i], f.tradeSnapshot[i], f.tradePrice[i], f.tradeSize[i], f.tradeSide[i], f.tradeUs[i], f.tradeId[i]])
      }

const applyLevels = (book: OrderBook, f: CoinbaseFrame) => {
  for (let i = 0; i < f.levelCount; i++) book.setLevel(f.levelSide[i] === BID ? BID : ASK, f.levelPrice[i]!, f.levelSize[i]!)
}

describe("Coinbase products list", () => {
  it("builds canonical symbols from base/quote currency ids and keeps only online spot products", () => {
    expect(CATALOG.instruments.map((i) => [i.symbol, i.venueSymbol])).toEqual([
      ["BTC/USD", "BTC-USD"],
      ["BTC/USDC", "BTC-USDC"],
      ["ETH/BTC", "ETH-BTC"]
    ])
    expect(BTC_USD).toMatchObject({ priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1, minNotional: 10_000_000_000n })
    expect(CATALOG.instruments.find((i) => i.symbol === "ETH/BTC")).toMatchObject({ priceScale: 5, sizeScale: 8, minSize: 22_000 })
  })

  it("feeds a -USDC product from its -USD alias and gives the alias family one set of scales", () => {
    expect(CATALOG.streamOf.get("BTC-USDC")).toBe("BTC-USD")
    expect(CATALOG.streamOf.get("BTC-USD")).toBe("BTC-USD")
    const finer = PRODUCTS_BODY.replace('"product_id":"BTC-USDC","price":"68730.01","base_increment":"0.00000001"', '"product_id":"BTC-USDC","price":"68730.01","base_increment":"0.0000000001"')
    const family = parseProducts(finer).instruments.filter((i) => i.base === "BTC")
    expect(family.map((i) => i.sizeScale)).toEqual([10, 10])
    expect(family.map((i) => i.lotSize)).toEqual([100, 1])
  })

  it("round-trips the simulator's rendering, USDC aliases included", () => {
    const catalog = parseProducts(renderProducts(COINBASE_SIM_INSTRUMENTS))
    expect(catalog.instruments.filter((i) => i.quote === "USD")).toEqual(COINBASE_SIM_INSTRUMENTS)
    expect(catalog.instruments.map((i) => i.symbol)).toEqual(["BTC/USD", "BTC/USDC", "ETH/USD", "ETH/USDC"])
    expect(catalog.streamOf.get("ETH-USDC")).toBe("ETH-USD")
  })
})

describe("Coinbase codec: documented frames", () => {
  it("decodes the level2 snapshot example (ccxt pro coinbase handleOrderBook) into the expected book", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    const text =
      '{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[' +
      '{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73","new_quantity":"0.06317902"},' +
      '{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.3","new_quantity":"0.02"}]}]}'
    expect(decoder.scan(text)).toBe(true)
    expect(decoder.frame.eventSnapshot[0]).toBe(1)
    const book = new OrderBook()
    applyLevels(book, decoder.frame)
    expect(book.top(BID, 5)).toEqual([[2_192_173, 6_317_902], [2_192_130, 2_000_000]])
    expect(book.asks.count).toBe(0)
    // The update example of the level2 channel docs (EXCHANGES.md §2), 2026 layout without client_id.
    const update =
      '{"channel":"l2_data","timestamp":"2023-02-09T20:32:51.714964855Z","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[' +
      '{"side":"bid","event_time":"2023-02-09T20:32:51.714964855Z","price_level":"21921.74","new_quantity":"0.06317902"}]}]}'
    expect(decoder.decode(update)).toBe(FrameKind.Level2)
    applyLevels(book, decoder.frame)
    expect(book.top(BID, 1)).toEqual([[2_192_174, 6_317_902]])
  })

  it("decodes an update with an offer removal (new_quantity \"0.00000000\")", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    const text = JSON.stringify({
      channel: "l2_data", client_id: "", timestamp: "2026-04-07T14:30:01.456789Z", sequence_num: 1,
      events: [{ type: "update", product_id: "BTC-USD", updates: [
        { side: "bid", event_time: "2026-04-07T14:30:01.456789Z", price_level: "68900.00", new_quantity: "2.00000000" },
        { side: "offer", event_time: "2026-04-07T14:30:01.456789Z", price_level: "68901.00", new_quantity: "0.00000000" }
      ] }]
    })
    expect(decoder.scan(text)).toBe(true)
    expect(view(FrameKind.Level2, decoder.frame).events).toEqual([
      { product: 0, snapshot: 0, levels: [[BID, 6_890_000, 200_000_000], [ASK, 6_890_100, 0]] }
    ])
  })

  it("decodes the live market_trades capture (ccxt static ws, 2026-08-12): newest first, side BUY", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    expect(decoder.decode(LIVE_CAPTURE[2]!)).toBe(FrameKind.Trades)
    const f = decoder.frame
    expect(f.sequence).toBe(2)
    expect(view(FrameKind.Trades, f).trades).toEqual([
      [0, 0, 6_331_025, 12, BID, parseRfc3339Us("2026-08-12T19:27:48.298771Z"), "1069726293"],
      [0, 0, 6_331_025, 12, BID, 1_786_562_868_266_642, "1069726292"]
    ])
    expect(decoder.decode(LIVE_CAPTURE[1]!)).toBe(FrameKind.Subscriptions)
    expect(decoder.frame.sequence).toBe(1)
  })

  it("parses RFC 3339 timestamps to µs, nanosecond fractions and offsets included", () => {
    expect(parseRfc3339Us("2026-08-12T19:27:48.266642Z")).toBe(1_786_562_868_266_642)
    expect(parseRfc3339Us("2023-02-09T20:32:50.714964855Z")).toBe(Date.UTC(2023, 1, 9, 20, 32, 50) * 1000 + 714_964)
    expect(parseRfc3339Us("2023-02-09T21:32:50+01:00")).toBe(Date.UTC(2023, 1, 9, 20, 32, 50) * 1000)
    expect(parseRfc3339Us("1970-01-01T00:00:00Z")).toBe(0)
    expect(parseRfc3339Us("yesterday")).toBeNaN()
  })

  it("reports frames that are not what they claim as malformed", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    const level = (price: string, qty: string, side = "bid") =>
      `{"channel":"l2_data","timestamp":"t","sequence_num":3,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"${side}","event_time":"t","price_level":"${price}","new_quantity":"${qty}"}]}]}`
    for (const bad of [level("1e5", "1"), level("100.001", "1"), level("100", "-1"), level("100", "1", "ask"), level("", "1"), '{"channel":"l2_data","sequence_num":-1,"events":[]}', "[1,2", '"x"']) {
      expect(decoder.decode(bad), bad).toBe(FrameKind.Malformed)
    }
    expect(decoder.decode('{"type":"error","message":"failed to subscribe"}')).toBe(FrameKind.Error)
    expect(decoder.frame.error).toBe("failed to subscribe")
  })
})

const levelArb = fc.record({
  side: fc.constantFrom(BID, ASK),
  price: fc.integer({ min: 1, max: 100_000_000 }),
  size: fc.integer({ min: 0, max: 1e15 })
})

describe("Coinbase codec: round trip and scanner ⇄ reference", () => {
  it("decodes what the encoder produces (property)", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    fc.assert(
      fc.property(fc.array(levelArb, { maxLength: 40 }), fc.boolean(), fc.nat({ max: 2 ** 40 }), (levels, snapshot, seq) => {
        const text = encodeLevel2("BTC-USD", BTC_USD, seq, 1_786_562_868_266_642, snapshot, levels)
        expect(decoder.decode(text)).toBe(FrameKind.Level2)
        expect(view(FrameKind.Level2, decoder.frame)).toEqual({
          kind: FrameKind.Level2,
          sequence: seq,
          events: [{ product: 0, snapshot: snapshot ? 1 : 0, levels: levels.map((l) => [l.side, l.price, l.size]) }],
          trades: []
        })
      }),
      { numRuns: 300 }
    )
  })

  it("decodes encoded trades (property)", () => {
    const decoder = new CoinbaseDecoder(PRODUCTS)
    const tradeArb = fc.record({
      takerSide: fc.constantFrom(BID, ASK),
      price: fc.integer({ min: 1, max: 100_000_000 }),
      size: fc.integer({ min: 1, max: 1e12 }),
      tsUs: fc.integer({ min: 0, max: 4e15 }),
      id: fc.nat()
    })
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 10 }), fc.boolean(), (trades, snapshot) => {
        const sim = trades.map((t) => ({ ...t, instrument: BTC_USD }))
        expect(decoder.decode(encodeTrades("BTC-USD", 5, 0, snapshot, sim))).toBe(FrameKind.Trades)
        expect(view(FrameKind.Trades, decoder.frame).trades).toEqual(trades.map((t) => [0, snapshot ? 1 : 0, t.price, t.size, t.takerSide, t.tsUs, String(t.id)]))
      }),
      { numRuns: 200 }
    )
  })

  it("holds the scanner equal to the reference decoder on fuzzed frames", () => {
    const decimal = fc.oneof(
      fc.integer({ min: 0, max: 1e9 }).map((n) => (n / 100).toString()),
      fc.integer({ min: 0, max: 1e9 }).map((n) => (n / 1e8).toFixed(8)),
      fc.constantFrom("0", "0.00000000", "1e5", "", "-1", "1.123456789", "00.5", ".5", "5.", "9007199254740993")
    )
    const updateArb = fc.record({
      side: fc.constantFrom("bid", "offer", "ask"),
      event_time: fc.constantFrom("1970-01-01T00:00:00Z", "2026-08-12T19:27:48.298771Z", 'with "quote"'),
      price_level: decimal,
      new_quantity: decimal
    })
    const eventArb = fc.record({
      type: fc.constantFrom("update", "snapshot", "delta"),
      product_id: fc.constantFrom("BTC-USD", "ETH-USD", "BTC-USDC"),
      updates: fc.array(updateArb, { maxLength: 6 })
    })
    const frameArb = fc.record(
      {
        channel: fc.constantFrom("l2_data", "l2_data", "l2_data", "market_trades", "heartbeats"),
        client_id: fc.constant(""),
        timestamp: fc.constant("2026-08-12T19:27:48.364886251Z"),
        sequence_num: fc.oneof(fc.nat(), fc.constant(-1)),
        events: fc.array(eventArb, { maxLength: 3 })
      },
      { requiredKeys: ["channel", "timestamp", "sequence_num", "events"] }
    )
    const textArb = fc.tuple(frameArb, fc.nat({ max: 9 }), fc.nat()).map(([frame, mode, cut]) => {
      const text = mode === 0 ? JSON.stringify(frame, null, 1) : JSON.stringify(frame)
      if (mode === 1) return text.slice(0, cut % (text.length + 1))
      if (mode === 2) return JSON.stringify(Object.fromEntries(Object.entries(frame).reverse()))
      return text
    })
    const scanner = new CoinbaseDecoder(PRODUCTS)
    const reference = new CoinbaseDecoder(PRODUCTS)
    let scanned = 0
    fc.assert(
      fc.property(textArb, (text) => {
        if (scanner.scan(text)) scanned++
        const expected = view(reference.decodeReference(text), reference.frame)
        expect(view(scanner.decode(text), scanner.frame)).toEqual(expected)
      }),
      { numRuns: 3000 }
    )
    // The scanner must actually take the frames it was written for.
    expect(scanned).toBeGreaterThan(100)
  })
})

/** The live capture of ccxt's static ws tests (coinbase, 2026-08-12): trades snapshot before the ack. */
const LIVE_CAPTURE: ReadonlyArray<string> = [
  {
    channel: "market_trades", timestamp: "2026-08-12T19:27:48.098821666Z", sequence_num: 0,
    events: [{ type: "snapshot", trades: [
      { product_id: "BTC-USD", trade_id: "1069726291", price: "63310.25", size: "0.00000043", time: "2026-08-12T19:27:47.532655Z", side: "BUY" },
      { product_id: "BTC-USD", trade_id: "1069726290", price: "63310.25", size: "0.00000019", time: "2026-08-12T19:27:47.184047Z", side: "BUY" },
      { product_id: "BTC-USD", trade_id: "1069726289", price: "63310.25", size: "0.00000008", time: "2026-08-12T19:27:46.445071Z", side: "BUY" },
      { product_id: "BTC-USD", trade_id: "1069726288", price: "63310.25", size: "0.00631442", time: "2026-08-12T19:27:45.928708Z", side: "BUY" },
      { product_id: "BTC-USD", trade_id: "1069726287", price: "63310.25", size: "0.00000015", time: "2026-08-12T19:27:45.873162Z", side: "BUY" }
    ] }]
  },
  { channel: "subscriptions", timestamp: "2026-08-12T19:27:48.098899106Z", sequence_num: 1, events: [{ subscriptions: { market_trades: ["BTC-USD"] } }] },
  {
    channel: "market_trades", timestamp: "2026-08-12T19:27:48.364886251Z", sequence_num: 2,
    events: [{ type: "update", trades: [
      { product_id: "BTC-USD", trade_id: "1069726293", price: "63310.25", size: "0.00000012", time: "2026-08-12T19:27:48.298771Z", side: "BUY" },
      { product_id: "BTC-USD", trade_id: "1069726292", price: "63310.25", size: "0.00000012", time: "2026-08-12T19:27:48.266642Z", side: "BUY" }
    ] }]
  }
].map((frame) => JSON.stringify(frame))

/** A feed driven the way a capture replay drives it: frames and REST answers in, requests recorded. */
const replay = (symbols: ReadonlyArray<string>) => {
  const requests: Array<RestRequest> = []
  const sent: Array<string> = []
  const reconnects: Array<string> = []
  const trades: Array<TradePrint> = []
  const invalid: Array<string> = []
  const incidents: Array<FeedIncident> = []
  let books = 0
  const feed = coinbase.makeFeed({
    symbols,
    listener: { onBook: () => void books++, onTrade: (t) => void trades.push({ ...t }), onBookInvalid: (i: Instrument, r) => void invalid.push(`${i.symbol}: ${r}`) },
    transport: { request: (r) => void requests.push(r), connect: () => {}, send: (t) => void sent.push(t), reconnect: (r) => void reconnects.push(r) },
    onIncident: (i) => void incidents.push(i)
  })
  feed.start()
  expect(requests[0]?.path.startsWith(PRODUCTS_PATH)).toBe(true)
  feed.onRest(requests[0]!, 200, PRODUCTS_BODY, 0)
  feed.onOpen()
  return { feed, sent, reconnects, trades, invalid, incidents, books: () => books }
}

const l2 = (seq: number, type: "snapshot" | "update", levels: ReadonlyArray<EncodedLevel>) => encodeLevel2("BTC-USD", BTC_USD, seq, 0, type === "snapshot", levels)

describe("Coinbase feed on recorded frames", () => {
  it("subscribes one channel per message and replays the live capture: no gap, updates oldest first, snapshot history skipped", () => {
    const r = replay(["BTC/USD"])
    expect(r.sent.map((t) => JSON.parse(t) as unknown)).toEqual([
      { type: "subscribe", product_ids: ["BTC-USD"], channel: "level2" },
      { type: "subscribe", product_ids: ["BTC-USD"], channel: "market_trades" },
      { type: "subscribe", channel: "heartbeats" }
    ])
    for (const frame of LIVE_CAPTURE) r.feed.onFrame(frame, 5, 6)
    expect(r.feed.stats.gaps).toBe(0)
    expect(r.trades.map((t) => [t.id, t.price, t.size, t.takerSide, t.exchangeUs])).toEqual([
      ["1069726292", 6_331_025, 12, BID, 1_786_562_868_266_642],
      ["1069726293", 6_331_025, 12, BID, 1_786_562_868_298_771]
    ])
  })

  it("treats a sequence jump as a gap: books invalid, level2 unsubscribed and resubscribed, rebuilt from the next snapshot", () => {
    const r = replay(["BTC/USD", "BTC/USDC"])
    r.feed.onFrame(l2(0, "snapshot", [{ side: BID, price: 100, size: 5 }, { side: ASK, price: 101, size: 7 }]), 1, 1)
    r.feed.onFrame(l2(1, "update", [{ side: BID, price: 99, size: 3 }]), 2, 2)
    expect(r.feed.book("BTC/USDC")?.top(BID, 5)).toEqual([[100, 5], [99, 3]])
    expect(r.books()).toBe(4)
    r.sent.length = 0
    r.feed.onFrame(l2(3, "update", [{ side: BID, price: 98, size: 1 }]), 3, 3)
    expect(r.feed.stats.gaps).toBe(1)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
    expect(r.invalid).toEqual(["BTC/USD: sequence gap", "BTC/USDC: sequence gap"])
    expect(r.sent.map((t) => JSON.parse(t) as unknown)).toEqual([
      { type: "unsubscribe", product_ids: ["BTC-USD"], channel: "level2" },
      { type: "subscribe", product_ids: ["BTC-USD"], channel: "level2" }
    ])
    r.feed.onFrame(l2(4, "update", [{ side: BID, price: 97, size: 1 }]), 4, 4)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
    r.feed.onFrame(l2(5, "snapshot", [{ side: BID, price: 90, size: 1 }, { side: ASK, price: 95, size: 2 }]), 5, 5)
    expect(r.feed.book("BTC/USD")?.top(ASK, 5)).toEqual([[95, 2]])
    expect(r.feed.stats.gaps).toBe(1)
  })

  it("resubscribes when an update crosses the book, and reconnects when no snapshot comes", () => {
    const r = replay(["BTC/USD"])
    r.feed.onFrame(l2(0, "snapshot", [{ side: BID, price: 100, size: 5 }, { side: ASK, price: 101, size: 7 }]), 1, 1)
    r.sent.length = 0
    r.feed.onFrame(l2(1, "update", [{ side: BID, price: 102, size: 1 }]), 2, 2)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
    expect(r.invalid).toEqual(["BTC/USD: crossed book"])
    expect(r.sent).toHaveLength(2)
    for (let tick = 0; tick < 10; tick++) r.feed.onTick(tick)
    expect(r.reconnects).toEqual([])
    r.feed.onTick(10)
    expect(r.reconnects).toHaveLength(1)
  })

  it("resubscribes after a malformed frame, which uses up one sequence number", () => {
    const r = replay(["BTC/USD"])
    r.feed.onFrame(l2(0, "snapshot", [{ side: BID, price: 100, size: 5 }]), 1, 1)
    r.sent.length = 0
    r.feed.onFrame('{"channel":"l2_data","timestamp":"x","sequence_num":1,"events":[{"type":"upd', 2, 2)
    r.feed.onFrame(l2(2, "update", [{ side: BID, price: 99, size: 5 }]), 3, 3)
    expect(r.feed.stats).toMatchObject({ malformed: 1, gaps: 0, resyncs: 1 })
    expect(r.sent).toHaveLength(2)
    expect(r.feed.book("BTC/USD")).toBeUndefined()
    // A message lost right after it is still a gap.
    r.feed.onFrame('{"channel":"l2_data","timest', 4, 4)
    r.feed.onFrame(l2(5, "update", [{ side: BID, price: 99, size: 5 }]), 5, 5)
    expect(r.feed.stats).toMatchObject({ malformed: 2, gaps: 1 })
  })
})
