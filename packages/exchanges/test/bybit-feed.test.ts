/**
 * The Bybit feed as a state machine, driven frame by frame the way a capture replay
 * drives it: documented and captured frames, the update-id rule, venue resets, depth
 * truncation, pings and the snapshot timeout.
 */
import { ASK, BID, type TradePrint } from "@hft/core"
import { describe, expect, it } from "vitest"
import { parseInstrumentsInfo } from "../src/bybit/instruments.ts"
import { BybitFeed } from "../src/bybit/session.ts"
import type { FeedIncident, FeedTransport, RestRequest } from "../src/feed.ts"

/** The spot response example of docs/v5/market/instrument.mdx (bybit-exchange/docs). */
const DOC_INSTRUMENTS = `{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","innovation":"0","status":"Trading","marginTrading":"utaOnly","stTag":"0","lotSizeFilter":{"basePrecision":"0.000001","quotePrecision":"0.0000001","minOrderQty":"0.000011","maxOrderQty":"83","minOrderAmt":"5","maxOrderAmt":"8000000","maxLimitOrderQty":"83","maxMarketOrderQty":"41.5"},"priceFilter":{"tickSize":"0.1"},"riskParameters":{"priceLimitRatioX":"0.005","priceLimitRatioY":"0.01"},"symbolType":""}]},"retExtInfo":{},"time":1760027412300}`

/** The levels shown in the snapshot example of docs/v5/websocket/public/orderbook.mdx. */
const DOC_SNAPSHOT = `{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],"u":18521288,"seq":7961638724},"cts":1672304484976}`

/** Live spot frames (2026-08) from ccxt ts/src/test/static/ws/bybit.json. */
const LIVE_ACK = `{"success":true,"ret_msg":"subscribe","conn_id":"d9avtftc9enb83116hvg-5i8rn","req_id":"1","op":"subscribe"}`
const LIVE_L1 = [
  `{"topic":"orderbook.1.BTCUSDT","ts":1786538684939,"type":"snapshot","data":{"s":"BTCUSDT","b":[["64097.1","0.463717"]],"a":[["64097.2","1.299102"]],"u":70913931,"seq":112571825987},"cts":1786538684930}`,
  `{"topic":"orderbook.1.BTCUSDT","ts":1786538685039,"type":"snapshot","data":{"s":"BTCUSDT","b":[["64097.1","0.493717"]],"a":[["64097.2","1.299102"]],"u":70913932,"seq":112571826019},"cts":1786538685036}`
]
const LIVE_TRADES = `{"topic":"publicTrade.BTCUSDT","ts":1786538700834,"type":"snapshot","data":[{"i":"2290000001190010739","T":1786538700833,"p":"64104.5","v":"0.00325","S":"Sell","seq":112571834644,"s":"BTCUSDT","BT":false,"RPI":false},{"i":"2290000001190010748","T":1786538700833,"p":"64104.5","v":"0.020613","S":"Sell","seq":112571834644,"s":"BTCUSDT","BT":false,"RPI":false}]}`
/** The public pong example of the connect page of the docs. */
const DOC_PONG = `{"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","req_id":"","op":"ping"}`

const T0 = 1_786_538_684_000_000

const harness = (depth?: number) => {
  const sent: Array<Record<string, unknown>> = []
  const requests: Array<RestRequest> = []
  const reconnects: Array<string> = []
  const connects: Array<string> = []
  const incidents: Array<FeedIncident> = []
  const invalid: Array<string> = []
  const trades: Array<TradePrint> = []
  let books = 0
  const transport: FeedTransport = {
    request: (r) => void requests.push(r),
    connect: (url) => void connects.push(url),
    send: (text) => void sent.push(JSON.parse(text) as Record<string, unknown>),
    reconnect: (reason) => void reconnects.push(reason)
  }
  const feed = new BybitFeed({
    symbols: ["BTC/USDT"],
    transport,
    listener: { onBook: () => void books++, onTrade: (t) => void trades.push({ ...t }), onBookInvalid: (_i, r) => void invalid.push(r) },
    onIncident: (i) => void incidents.push(i),
    ...(depth === undefined ? {} : { depth })
  })
  feed.start()
  feed.onRest(requests[0]!, 200, DOC_INSTRUMENTS, T0)
  feed.onOpen()
  const frame = (text: string) => feed.onFrame(text, T0, 0)
  return { feed, sent, requests, reconnects, connects, incidents, invalid, trades, frame, books: () => books }
}

const delta = (u: number, bids: string, asks: string) =>
  `{"topic":"orderbook.50.BTCUSDT","ts":1672304485000,"type":"delta","data":{"s":"BTCUSDT","b":[${bids}],"a":[${asks}],"u":${u},"seq":7961638800},"cts":1672304485000}`
const snapshot = (u: number, bids: string, asks: string) =>
  `{"topic":"orderbook.50.BTCUSDT","ts":1672304485000,"type":"snapshot","data":{"s":"BTCUSDT","b":[${bids}],"a":[${asks}],"u":${u},"seq":7961638800},"cts":1672304485000}`

describe("Bybit instruments", () => {
  it("reads the documented spot instrument: canonical symbol from baseCoin/quoteCoin, scales from tickSize and basePrecision", () => {
    expect(parseInstrumentsInfo(DOC_INSTRUMENTS)).toEqual([
      {
        venue: "bybit", symbol: "BTC/USDT", venueSymbol: "BTCUSDT", base: "BTC", quote: "USDT",
        priceScale: 1, sizeScale: 6, tickSize: 1, lotSize: 1, minSize: 11, minNotional: 5_0000000n
      }
    ])
  })

  it("never splits the venue symbol: a leveraged token and a 4-letter quote come out as listed; non-trading symbols are skipped", () => {
    const entry = (symbol: string, base: string, quote: string, status = "Trading") =>
      ({ symbol, baseCoin: base, quoteCoin: quote, status, lotSizeFilter: { basePrecision: "0.01", minOrderQty: "0.01", minOrderAmt: "1" }, priceFilter: { tickSize: "0.0001" } })
    const body = JSON.stringify({ retCode: 0, result: { list: [entry("BTC3LUSDT", "BTC3L", "USDT"), entry("MNTUSDC", "MNT", "USDC"), entry("OLDUSDT", "OLD", "USDT", "Closed")] } })
    expect(parseInstrumentsInfo(body).map((i) => [i.symbol, i.venueSymbol])).toEqual([["BTC3L/USDT", "BTC3LUSDT"], ["MNT/USDC", "MNTUSDC"]])
  })

  it("reports a retCode error instead of an empty list", () => {
    expect(() => parseInstrumentsInfo(`{"retCode":10001,"retMsg":"params error","result":{}}`)).toThrow(/10001/)
  })
})

describe("Bybit feed", () => {
  it("subscribes book and trades in one request, then builds the documented snapshot into the book", () => {
    const h = harness()
    expect(h.connects).toEqual(["/v5/public/spot"])
    expect(h.sent[0]).toEqual({ op: "subscribe", args: ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"], req_id: "1" })
    expect(h.feed.book("BTC/USDT")).toBeUndefined()
    h.frame(LIVE_ACK)
    h.frame(DOC_SNAPSHOT)
    const book = h.feed.book("BTC/USDT")!
    expect(book.top(BID, 10)).toEqual([[164_935, 6_000], [164_930, 100_000]])
    expect(book.top(ASK, 10)).toEqual([[166_110, 29_000], [166_120, 213_000]])
    expect(h.books()).toBe(1)
  })

  it("applies contiguous deltas: size 0 deletes, an unknown price inserts, a known one is replaced", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT)
    h.frame(delta(18521289, `["16493.50","0"],["16493.20","1.5"]`, `["16611.00","0.5"]`))
    const book = h.feed.book("BTC/USDT")!
    expect(book.top(BID, 10)).toEqual([[164_932, 1_500_000], [164_930, 100_000]])
    expect(book.top(ASK, 1)).toEqual([[166_110, 500_000]])
    expect(h.feed.stats.gaps).toBe(0)
    expect(h.books()).toBe(2)
  })

  it("treats a skipped u as a gap: invalidates, resubscribes the book topic, and recovers from the fresh snapshot", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT)
    h.frame(delta(18521290, `["16493.20","1"]`, ""))
    expect(h.feed.book("BTC/USDT")).toBeUndefined()
    expect(h.feed.stats.gaps).toBe(1)
    expect(h.invalid).toEqual(["sequence gap"])
    expect(h.incidents.find((i) => i.kind === "gap")?.detail).toMatch(/u=18521290 skips 1 update/)
    expect(h.sent.slice(1)).toEqual([
      { op: "unsubscribe", args: ["orderbook.50.BTCUSDT"], req_id: "2" },
      { op: "subscribe", args: ["orderbook.50.BTCUSDT"], req_id: "3" }
    ])
    // Deltas of the old subscription still in flight are dropped, not taken as another gap.
    h.frame(delta(18521291, `["16493.20","2"]`, ""))
    expect(h.feed.stats.gaps).toBe(1)
    h.frame(`{"success":true,"ret_msg":"subscribe","conn_id":"x","req_id":"3","op":"subscribe"}`)
    h.frame(snapshot(18521400, `["16490.0","1"]`, `["16500.0","2"]`))
    expect(h.feed.book("BTC/USDT")!.top(BID, 5)).toEqual([[164_900, 1_000_000]])
    h.frame(delta(18521401, "", `["16500.0","3"]`))
    expect(h.feed.book("BTC/USDT")!.top(ASK, 5)).toEqual([[165_000, 3_000_000]])
  })

  it("treats a repeated or earlier u as a gap too", () => {
    for (const u of [18521288, 18521000]) {
      const h = harness()
      h.frame(DOC_SNAPSHOT)
      h.frame(delta(u, `["16493.20","1"]`, ""))
      expect(h.feed.stats.gaps).toBe(1)
      expect(h.incidents[0]?.detail).toMatch(/repeats or goes back/)
      expect(h.feed.book("BTC/USDT")).toBeUndefined()
    }
  })

  it("takes a snapshot with u=1 while in sync as a venue restart: book replaced, a venue-reset incident, no gap", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT)
    h.frame(snapshot(1, `["16400.0","1"]`, `["16401.0","1"]`))
    expect(h.feed.book("BTC/USDT")!.top(BID, 5)).toEqual([[164_000, 1_000_000]])
    expect(h.incidents.map((i) => i.kind)).toEqual(["venue-reset"])
    expect(h.incidents[0]!.detail).toMatch(/u=1/)
    expect(h.feed.stats).toMatchObject({ gaps: 0, resyncs: 1 })
    h.frame(delta(2, `["16400.0","0"]`, ""))
    expect(h.feed.book("BTC/USDT")!.bids.count).toBe(0)
    expect(h.invalid).toEqual([])
  })

  it("resubscribes when a delta follows the subscribe ack without a snapshot (the snapshot was lost)", () => {
    const h = harness()
    h.frame(delta(5, `["16493.20","1"]`, "")) // before the ack: from an earlier subscription, ignored
    expect(h.feed.stats.gaps).toBe(0)
    h.frame(LIVE_ACK)
    h.frame(delta(6, `["16493.20","1"]`, ""))
    expect(h.feed.stats.gaps).toBe(1)
    expect(h.sent.at(-1)).toEqual({ op: "subscribe", args: ["orderbook.50.BTCUSDT"], req_id: "3" })
  })

  it("keeps only the subscribed depth: a level pushed out of the top 50 is dropped even without a delete", () => {
    const h = harness()
    const bids = Array.from({ length: 50 }, (_, i) => `["${16000 - i}.0","1"]`).join(",")
    h.frame(snapshot(10, bids, `["16001.0","1"]`))
    h.frame(delta(11, `["16000.5","2"]`, ""))
    const book = h.feed.book("BTC/USDT")!
    expect(book.bids.count).toBe(50)
    expect(book.top(BID, 1)).toEqual([[160_005, 2_000_000]])
    expect(book.bids.sizeAtPrice(159_510)).toBe(0)
  })

  it("never publishes a crossed book: it resubscribes instead", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT)
    const published = h.books()
    h.frame(delta(18521289, `["16700.00","1"]`, ""))
    expect(h.books()).toBe(published)
    expect(h.feed.book("BTC/USDT")).toBeUndefined()
    expect(h.invalid).toEqual(["crossed book"])
    expect(h.sent.at(-1)).toMatchObject({ op: "subscribe", args: ["orderbook.50.BTCUSDT"] })
  })

  it("follows the snapshot-only depth-1 stream of a live capture without calling it a reset", () => {
    const h = harness(1)
    expect(h.sent[0]).toMatchObject({ args: ["orderbook.1.BTCUSDT", "publicTrade.BTCUSDT"] })
    for (const text of LIVE_L1) h.frame(text)
    expect(h.feed.book("BTC/USDT")!.top(BID, 1)).toEqual([[640_971, 493_717]])
    expect(h.feed.book("BTC/USDT")!.top(ASK, 1)).toEqual([[640_972, 1_299_102]])
    expect(h.incidents).toEqual([])
  })

  it("delivers captured spot trades with the taker side and ids beyond 2^53 exact", () => {
    const h = harness()
    h.frame(LIVE_TRADES)
    expect(h.trades).toHaveLength(2)
    expect(h.trades[0]).toMatchObject({ price: 641_045, size: 3_250, takerSide: ASK, id: "2290000001190010739", exchangeUs: 1_786_538_700_833_000 })
    expect(h.trades[1]).toMatchObject({ size: 20_613, id: "2290000001190010748" })
  })

  it("pings every 20 s from onTick and takes the documented pong quietly", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT)
    const pings = () => h.sent.filter((m) => m["op"] === "ping").length
    h.feed.onTick(T0)
    const first = pings()
    h.feed.onTick(T0 + 19_000_000)
    expect(pings()).toBe(first)
    h.feed.onTick(T0 + 21_000_000)
    expect(pings()).toBe(first + 1)
    expect(h.sent.at(-1)).toEqual({ op: "ping", req_id: String(h.sent.length) })
    h.frame(DOC_PONG)
    expect(h.incidents).toEqual([])
    expect(h.reconnects).toEqual([])
  })

  it("reconnects when no snapshot comes within 10 s of subscribing", () => {
    const h = harness()
    h.feed.onTick(T0)
    h.feed.onTick(T0 + 9_000_000)
    expect(h.reconnects).toEqual([])
    h.feed.onTick(T0 + 11_000_000)
    expect(h.reconnects).toEqual(["no orderbook.50.BTCUSDT snapshot 10 s after subscribing"])
  })

  it("counts a malformed frame and reports it", () => {
    const h = harness()
    h.frame(DOC_SNAPSHOT.slice(0, 80))
    expect(h.feed.stats.malformed).toBe(1)
    expect(h.incidents[0]?.kind).toBe("malformed")
  })
})
