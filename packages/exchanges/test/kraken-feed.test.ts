/**
 * The Kraken feed driven frame by frame, the way a capture replay drives it: documented
 * and live-captured frame sequences, and the protocol's reactions (subscriptions,
 * resubscription, pings) read from what it asks its transport to do.
 */
import { type BookUpdate, type MarketListener, type TradePrint, ASK, BID, OrderBook } from "@hft/core"
import { describe, expect, it } from "vitest"
import type { FeedIncident, FeedTransport, RestRequest } from "../src/feed.ts"
import { bookChecksum } from "../src/kraken/checksum.ts"
import { KrakenFeed } from "../src/kraken/session.ts"
import {
  DOC_MATIC_SNAPSHOT,
  DOC_MATIC_TRADE,
  DOC_MATIC_UPDATE,
  DOGE_USDT_PAIR,
  LIVE_BTC_USD,
  LIVE_BTC_USD_REINSERT,
  LIVE_DOGE_USDT,
  MATIC_USD_PAIR,
  bookFrame,
  instrumentFrame,
  pairJson
} from "./kraken-fixtures.ts"

/** A transport that records what the feed asks for. */
class RecordingTransport implements FeedTransport {
  readonly sent: Array<Record<string, unknown>> = []
  readonly connects: Array<string> = []
  readonly reconnects: Array<string> = []
  readonly requests: Array<RestRequest> = []
  request(request: RestRequest): void {
    this.requests.push(request)
  }
  connect(url: string): void {
    this.connects.push(url)
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>)
  }
  reconnect(reason: string): void {
    this.reconnects.push(reason)
  }
  last(): Record<string, unknown> {
    return this.sent[this.sent.length - 1]!
  }
}

const BTC_USD_PAIR = pairJson("BTC/USD", "BTC", "USD", 1, "0.1")
const STATUS = `{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2","connection_id":8423536080466634713}]}`

const harness = (symbols: Array<string>, pairs: Array<string>, depth?: number) => {
  const transport = new RecordingTransport()
  const books: Array<string> = []
  const trades: Array<TradePrint> = []
  const invalidations: Array<string> = []
  const incidents: Array<FeedIncident> = []
  const listener: MarketListener = {
    onBook: (u: BookUpdate) => void books.push(u.instrument.symbol),
    onTrade: (t) => void trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void invalidations.push(reason)
  }
  const feed = new KrakenFeed({ symbols, listener, transport, onIncident: (i) => void incidents.push(i), ...(depth === undefined ? {} : { depth }) })
  feed.start()
  feed.onOpen()
  feed.onFrame(STATUS, 1, 1)
  feed.onFrame(instrumentFrame(pairs), 2, 2)
  const frame = (text: string) => feed.onFrame(text, 3, 3)
  return { feed, transport, books, trades, invalidations, incidents, frame }
}

const unsubscribeAck = (symbol: string) =>
  `{"method":"unsubscribe","req_id":9,"result":{"channel":"book","depth":10,"symbol":"${symbol}"},"success":true,"time_in":"2023-10-06T17:35:55.219022Z","time_out":"2023-10-06T17:35:55.219067Z"}`

describe("Kraken feed: connection, metadata and subscriptions", () => {
  it("connects to /v2, keeps connection_id exact, subscribes instrument, then book and trade per listed pair", () => {
    const h = harness(["MATIC/USD", "NOPE/USD"], [MATIC_USD_PAIR])
    expect(h.transport.connects).toEqual(["/v2"])
    expect(h.transport.requests).toEqual([])
    expect(h.feed.connectionId()).toBe("8423536080466634713")
    expect(h.transport.sent).toEqual([
      { method: "subscribe", params: { channel: "instrument", snapshot: true }, req_id: 1 },
      { method: "subscribe", params: { channel: "book", symbol: ["MATIC/USD"], depth: 10, snapshot: true }, req_id: 2 },
      { method: "subscribe", params: { channel: "trade", symbol: ["MATIC/USD"], snapshot: false }, req_id: 3 }
    ])
    expect(h.feed.instrument("MATIC/USD")).toMatchObject({ venueSymbol: "MATIC/USD", priceScale: 4, sizeScale: 8, tickSize: 1 })
    expect(h.feed.instruments()?.fromSymbol("MATIC/USD")).toBeDefined()
    expect(h.incidents).toEqual([{ kind: "rejected", symbol: "NOPE/USD", detail: "Kraken does not list NOPE/USD" }])
    expect(h.feed.book("MATIC/USD")).toBeUndefined()
  })

  it("asks for the smallest Kraken depth covering the requested one and keeps the book at it", () => {
    const h = harness(["BTC/USD"], [BTC_USD_PAIR], 20)
    expect(h.feed.depth).toBe(25)
    expect(h.transport.sent[1]).toMatchObject({ params: { channel: "book", depth: 25 } })
    const bids = Array.from({ length: 25 }, (_, i) => [String(60000 - i), "1"] as const)
    const asks = Array.from({ length: 25 }, (_, i) => [String(60001 + i), "1"] as const)
    const book = new OrderBook()
    for (const [p] of bids) book.bids.set(Number(p) * 10, 100_000_000)
    for (const [p] of asks) book.asks.set(Number(p) * 10, 100_000_000)
    h.frame(bookFrame("snapshot", "BTC/USD", bids, asks, bookChecksum(book)))
    // A better bid pushes the 25th out: no delete on the wire, the feed truncates.
    book.bids.set(600005, 100_000_000)
    book.truncate(25)
    h.frame(bookFrame("update", "BTC/USD", [["60000.5", "1"]], [], bookChecksum(book)))
    expect(h.feed.stats.checksumFailures).toBe(0)
    expect(h.feed.book("BTC/USD")!.bids.count).toBe(25)
    expect(h.feed.book("BTC/USD")!.bids.priceAt(24)).toBe(599_770)
  })
})

describe("Kraken feed: documented and live-captured books", () => {
  it("the book page's MATIC/USD snapshot and update verify and give the documented book", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT)
    h.frame(DOC_MATIC_UPDATE)
    expect(h.feed.stats).toMatchObject({ checksumFailures: 0, bookUpdates: 2, malformed: 0, resyncs: 0 })
    expect(h.books).toEqual(["MATIC/USD", "MATIC/USD"])
    const book = h.feed.book("MATIC/USD")!
    expect(book.top(BID, 1)).toEqual([[5666, 483_175_496_356]])
    expect(book.top(ASK, 1)).toEqual([[5668, 441_079_769_741]])
    expect(book.bids.sizeAtPrice(5657)).toBe(109_839_475_580)
  })

  it("live BTC/USD frames verify, including an ask that re-enters and pushes the newest level out of depth 10", () => {
    for (const sequence of [LIVE_BTC_USD, LIVE_BTC_USD_REINSERT]) {
      const h = harness(["BTC/USD"], [BTC_USD_PAIR])
      for (const text of sequence) h.frame(text)
      expect(h.feed.stats).toMatchObject({ checksumFailures: 0, bookUpdates: sequence.length, malformed: 0 })
    }
    // The re-entering ask pushed the newcomer out again: 10 asks, 85608 gone without a delete on the wire.
    const h = harness(["BTC/USD"], [BTC_USD_PAIR])
    for (const text of LIVE_BTC_USD_REINSERT) h.frame(text)
    const asks = h.feed.book("BTC/USD")!.asks
    expect(asks.count).toBe(10)
    expect(asks.sizeAtPrice(856080)).toBe(0)
    expect(asks.sizeAtPrice(856016)).toBe(21_608_516)
  })

  it("live DOGE/USDT: a thin snapshot without checksum, a deeper snapshot, then updates", () => {
    const h = harness(["DOGE/USDT"], [DOGE_USDT_PAIR])
    for (const text of LIVE_DOGE_USDT) h.frame(text)
    expect(h.feed.stats).toMatchObject({ checksumFailures: 0, bookUpdates: 4, malformed: 0 })
    expect(h.feed.book("DOGE/USDT")!.asks.sizeAtPrice(9577)).toBe(2_297_046_694_240)
  })
})

describe("Kraken feed: repairs", () => {
  it("a checksum mismatch is counted and reported, invalidates the book, and resubscribes for a fresh snapshot", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT)
    h.frame(DOC_MATIC_UPDATE.replace("2114181697", "2114181698"))
    expect(h.feed.stats).toMatchObject({ checksumFailures: 1, resyncs: 1, bookUpdates: 1 })
    expect(h.incidents).toEqual([{ kind: "checksum", symbol: "MATIC/USD", detail: "Kraken sent 2114181698, book gives 2114181697" }])
    expect(h.invalidations).toEqual(["checksum mismatch"])
    expect(h.feed.book("MATIC/USD")).toBeUndefined()
    expect(h.transport.last()).toMatchObject({ method: "unsubscribe", params: { channel: "book", symbol: ["MATIC/USD"], depth: 10 } })
    // Updates still in flight for the old subscription are ignored.
    h.frame(DOC_MATIC_UPDATE)
    h.frame(DOC_MATIC_SNAPSHOT)
    expect(h.feed.book("MATIC/USD")).toBeUndefined()
    h.frame(unsubscribeAck("MATIC/USD"))
    expect(h.transport.last()).toMatchObject({ method: "subscribe", params: { channel: "book", symbol: ["MATIC/USD"], depth: 10, snapshot: true } })
    h.frame(DOC_MATIC_SNAPSHOT)
    expect(h.feed.book("MATIC/USD")).toBeDefined()
    expect(h.feed.stats.bookUpdates).toBe(2)
  })

  it("a snapshot whose checksum does not match is never published", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT.replace("2439117997", "1"))
    expect(h.books).toEqual([])
    expect(h.feed.book("MATIC/USD")).toBeUndefined()
    expect(h.feed.stats.checksumFailures).toBe(1)
    expect(h.transport.last()).toMatchObject({ method: "unsubscribe" })
  })

  it("a crossed book is not published and is resynchronised", () => {
    const h = harness(["BTC/USD"], [BTC_USD_PAIR])
    const book = new OrderBook()
    book.bids.set(600000, 100_000_000)
    book.asks.set(600010, 100_000_000)
    h.frame(bookFrame("snapshot", "BTC/USD", [["60000", "1"]], [["60001", "1"]], bookChecksum(book)))
    book.bids.set(600020, 100_000_000)
    h.frame(bookFrame("update", "BTC/USD", [["60002", "1"]], [], bookChecksum(book)))
    expect(h.books).toEqual(["BTC/USD"])
    expect(h.invalidations).toEqual(["crossed book"])
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    expect(h.transport.last()).toMatchObject({ method: "unsubscribe" })
  })

  it("a malformed book frame resyncs its book; a malformed heartbeat does not", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT)
    h.frame(`{"channel":"heartbeat"`)
    expect(h.feed.stats).toMatchObject({ malformed: 1, resyncs: 0 })
    expect(h.feed.book("MATIC/USD")).toBeDefined()
    h.frame(DOC_MATIC_UPDATE.slice(0, DOC_MATIC_UPDATE.length >> 1))
    expect(h.feed.stats).toMatchObject({ malformed: 2, resyncs: 1 })
    expect(h.incidents.map((i) => i.kind)).toEqual(["malformed", "malformed"])
    expect(h.invalidations).toEqual(["malformed frame"])
    expect(h.transport.last()).toMatchObject({ method: "unsubscribe", params: { symbol: ["MATIC/USD"] } })
  })

  it("a disconnect invalidates the book; the next connection subscribes again after the instrument snapshot", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT)
    h.feed.onClose("closed (1006)")
    expect(h.invalidations).toEqual(["disconnected: closed (1006)"])
    expect(h.feed.book("MATIC/USD")).toBeUndefined()
    h.feed.onOpen()
    expect(h.transport.last()).toMatchObject({ method: "subscribe", params: { channel: "instrument" } })
    h.frame(instrumentFrame([MATIC_USD_PAIR]))
    expect(h.transport.sent.slice(-2)).toMatchObject([{ params: { channel: "book" } }, { params: { channel: "trade" } }])
    h.frame(DOC_MATIC_SNAPSHOT)
    expect(h.feed.book("MATIC/USD")).toBeDefined()
  })

  it("a changed definition of a followed pair reconnects", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(instrumentFrame([pairJson("MATIC/USD", "MATIC", "USD", 5, "0.00001")], "update"))
    expect(h.transport.reconnects).toEqual(["instrument MATIC/USD changed"])
    expect(h.incidents.at(-1)).toMatchObject({ kind: "venue-reset", symbol: "MATIC/USD" })
  })
})

describe("Kraken feed: keep-alive and trades", () => {
  it("pings every 10 s from onTick, accepts the pong, and reconnects when none comes", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_SNAPSHOT)
    const s = 1_000_000
    h.feed.onTick(1 * s)
    expect(h.transport.last()).not.toMatchObject({ method: "ping" })
    h.feed.onTick(11 * s)
    const ping = h.transport.last()
    expect(ping).toEqual({ method: "ping", req_id: 4 })
    h.frame(`{"method":"pong","req_id":4,"time_in":"2023-09-25T07:49:37.708706Z","time_out":"2023-09-25T07:49:37.708756Z"}`)
    h.feed.onTick(22 * s)
    expect(h.transport.last()).toEqual({ method: "ping", req_id: 5 })
    h.feed.onTick(33 * s)
    expect(h.transport.reconnects).toEqual(["no pong"])
    expect(h.incidents.at(-1)).toMatchObject({ kind: "stale" })
  })

  it("a book subscription that never yields a snapshot ends in a reconnect", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(`{"channel":"heartbeat"}`)
    h.feed.onTick(1_000_000)
    h.feed.onTick(10_000_000)
    expect(h.transport.reconnects).toEqual([])
    h.feed.onTick(20_000_000)
    expect(h.transport.reconnects).toEqual(["no book snapshot for MATIC/USD"])
  })

  it("delivers trades with the taker side and exact ids; ignores the trade snapshot (history)", () => {
    const h = harness(["MATIC/USD"], [MATIC_USD_PAIR])
    h.frame(DOC_MATIC_TRADE.replace('"type":"update"', '"type":"snapshot"'))
    expect(h.trades).toEqual([])
    h.frame(DOC_MATIC_TRADE.replace("4665906", "123456789012345678901"))
    expect(h.trades).toEqual([
      {
        instrument: h.feed.instrument("MATIC/USD"),
        price: 5117,
        size: 4_000_000_000,
        takerSide: ASK,
        id: "123456789012345678901",
        exchangeUs: Date.UTC(2023, 8, 25, 7, 49, 37) * 1000 + 708_706,
        recvUs: 3
      }
    ])
    expect(h.feed.stats.trades).toBe(1)
  })
})
