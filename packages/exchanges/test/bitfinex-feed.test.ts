/**
 * The Bitfinex feed driven the way a capture replay drives it: recorded REST answers and
 * frames in receive order, its own requests only recorded.
 */
import { ASK, BID, type MarketListener, type TradePrint } from "@hft/core"
import { describe, expect, it } from "vitest"
import { bitfinex } from "../src/bitfinex/index.ts"
import { BITFINEX_SIM_INSTRUMENTS, renderBitfinexConf } from "../src/bitfinex/instruments.ts"
import { BITFINEX_CONF_FLAGS } from "../src/bitfinex/session.ts"
import { crc32Signed } from "../src/crc32.ts"
import type { FeedIncident, FeedTransport, RestRequest } from "../src/feed.ts"

const BOOK = 10092
const TRADES = 19111

const harness = () => {
  const sent: Array<Record<string, unknown>> = []
  const requests: Array<RestRequest> = []
  const reconnects: Array<string> = []
  const incidents: Array<FeedIncident> = []
  const trades: Array<TradePrint> = []
  const invalid: Array<string> = []
  let books = 0
  const transport: FeedTransport = {
    request: (r) => void requests.push(r),
    connect: () => {},
    send: (text) => void sent.push(JSON.parse(text) as Record<string, unknown>),
    reconnect: (reason) => void reconnects.push(reason)
  }
  const listener: MarketListener = {
    onBook: () => void books++,
    onTrade: (t) => void trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void invalid.push(reason)
  }
  const feed = bitfinex.makeFeed({ symbols: ["BTC/USD"], listener, transport, onIncident: (i) => void incidents.push(i) })
  feed.start()
  feed.onRest(requests[0]!, 200, renderBitfinexConf(BITFINEX_SIM_INSTRUMENTS), 0)
  feed.onOpen()
  let t = 1_000_000
  const frame = (text: string) => feed.onFrame(text, (t += 1000), t * 1000)
  frame(`{"event":"info","version":2,"serverId":"x","platform":{"status":1}}`)
  frame(`{"event":"conf","status":"OK","flags":${BITFINEX_CONF_FLAGS}}`)
  frame(`{"event":"subscribed","channel":"book","chanId":${BOOK},"symbol":"tBTCUSD","prec":"P0","freq":"F0","len":"25","pair":"BTCUSD"}`)
  frame(`{"event":"subscribed","channel":"trades","chanId":${TRADES},"symbol":"tBTCUSD","pair":"BTCUSD"}`)
  return { feed, sent, requests, reconnects, incidents, trades, invalid, frame, books: () => books, now: () => t }
}

const levels = (h: ReturnType<typeof harness>) => {
  const book = h.feed.book("BTC/USD")
  return book === undefined ? undefined : { bids: book.top(BID, 100), asks: book.top(ASK, 100) }
}

describe("Bitfinex feed (replayed frames)", () => {
  it("asks for the configuration, then conf flags and P0/F0/len 25 book + trades subscriptions", () => {
    const h = harness()
    expect(h.requests[0]).toEqual({ method: "GET", path: "/v2/conf/pub:list:pair:exchange,pub:list:currency,pub:map:currency:sym,pub:info:pair" })
    expect(h.sent).toEqual([
      { event: "conf", flags: 196608 },
      { event: "subscribe", channel: "book", symbol: "tBTCUSD", prec: "P0", freq: "F0", len: "25" },
      { event: "subscribe", channel: "trades", symbol: "tBTCUSD" }
    ])
  })

  it("applies snapshot and updates, verifies the venue's checksum over the texts as received", () => {
    const h = harness()
    h.frame(`[${BOOK},[[7254.7,3,3.3],[7254.6,2,1.57],[7255.1,1,-0.5],[7255.2,4,-1.2e-7]],1]`)
    h.frame(`[${BOOK},[7254.6,0,1],2]`)
    h.frame(`[${BOOK},[7254.5,1,0.25],3]`)
    h.frame(`[${BOOK},"cs",${crc32Signed("7254.7:3.3:7255.1:-0.5:7254.5:0.25:7255.2:-1.2e-7")},4]`)
    expect(levels(h)).toEqual({
      bids: [[725_470_000_000, 330_000_000], [725_450_000_000, 25_000_000]],
      asks: [[725_510_000_000, 50_000_000], [725_520_000_000, 12]]
    })
    expect(h.feed.stats).toMatchObject({ checksumFailures: 0, gaps: 0, bookUpdates: 3 })
    expect(h.books()).toBe(3)
    h.frame(`[${BOOK},"cs",12345,5]`)
    expect(h.feed.stats.checksumFailures).toBe(1)
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    expect(h.invalid).toEqual(["checksum mismatch"])
    expect(h.sent.at(-1)).toEqual({ event: "unsubscribe", chanId: BOOK })
    h.frame(`{"event":"unsubscribed","status":"OK","chanId":${BOOK}}`)
    expect(h.sent.at(-1)).toMatchObject({ event: "subscribe", channel: "book", symbol: "tBTCUSD" })
  })

  it("keeps the 25-level window even when the venue does not delete the level that leaves it", () => {
    const h = harness()
    const bids = Array.from({ length: 25 }, (_, i) => `[${7000 - i},1,1]`).join(",")
    h.frame(`[${BOOK},[${bids},[7100,1,-1]],1]`)
    h.frame(`[${BOOK},[7001,1,2],2]`)
    const book = h.feed.book("BTC/USD")!
    expect(book.bids.count).toBe(25)
    expect(book.bids.priceAt(0)).toBe(700_100_000_000)
    expect(book.bids.priceAt(24)).toBe(697_700_000_000)
    const parts = [`7001:2:7100:-1`, ...Array.from({ length: 24 }, (_, i) => `${7000 - i}:1`)]
    h.frame(`[${BOOK},"cs",${crc32Signed(parts.join(":"))},3]`)
    expect(h.feed.stats.checksumFailures).toBe(0)
  })

  it("treats a jump in the connection's sequence as a gap and resubscribes the book", () => {
    const h = harness()
    h.frame(`[${BOOK},[[7254.7,3,3.3]],1]`)
    h.frame(`[${TRADES},"hb",2]`)
    h.frame(`[${BOOK},[7254.7,2,3],4]`)
    expect(h.feed.stats.gaps).toBe(1)
    expect(h.incidents.some((i) => i.kind === "gap" && /expected sequence 3, got 4/.test(i.detail))).toBe(true)
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    expect(h.sent.at(-1)).toEqual({ event: "unsubscribe", chanId: BOOK })
    // Frames of the old channel still in flight change nothing; the sequence goes on from 4.
    h.frame(`[${BOOK},[7254.7,2,3],5]`)
    h.frame(`{"event":"unsubscribed","status":"OK","chanId":${BOOK}}`)
    h.frame(`{"event":"subscribed","channel":"book","chanId":${BOOK + 1},"symbol":"tBTCUSD","prec":"P0","freq":"F0","len":"25","pair":"BTCUSD"}`)
    h.frame(`[${BOOK + 1},[[7254.7,2,3]],6]`)
    expect(levels(h)).toEqual({ bids: [[725_470_000_000, 300_000_000]], asks: [] })
    expect(h.feed.stats.gaps).toBe(1)
  })

  it("delivers a trade once for its te and tu, none from the snapshot, taker side from the sign", () => {
    const h = harness()
    h.frame(`[${TRADES},[[401597393,1574694475039,0.005,7244.9]],1]`)
    h.frame(`[${TRADES},"te",[401597395,1574694478808,-0.005,7245.3],2]`)
    h.frame(`[${TRADES},"tu",[401597395,1574694478808,-0.005,7245.3],3]`)
    h.frame(`[${TRADES},"tu",[401597393,1574694475039,0.005,7244.9],4]`)
    h.frame(`[${TRADES},"tu",[401597396,1574694478900,0.01,7245.4],5]`)
    expect(h.trades.map((t) => [t.id, t.takerSide, t.size, t.price, t.exchangeUs])).toEqual([
      ["401597395", ASK, 500_000, 724_530_000_000, 1_574_694_478_808_000],
      ["401597396", BID, 1_000_000, 724_540_000_000, 1_574_694_478_900_000]
    ])
  })

  it("reconnects on info 20051, pauses on 20060 and resubscribes on 20061", () => {
    const h = harness()
    h.frame(`[${BOOK},[[7254.7,3,3.3]],1]`)
    h.frame(`{"event":"info","code":20060,"msg":"Entering in Maintenance mode"}`)
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    expect(h.invalid).toEqual(["venue maintenance"])
    h.frame(`{"event":"info","code":20061,"msg":"Maintenance ended"}`)
    expect(h.sent.at(-1)).toEqual({ event: "unsubscribe", chanId: BOOK })
    h.frame(`{"event":"info","code":20051,"msg":"Stop/Restart Websocket Server"}`)
    expect(h.reconnects).toHaveLength(1)
  })

  it("reconnects when a subscription step stalls, or when frames lack sequence numbers", () => {
    const h = harness()
    h.feed.onTick(h.now() + 5_000_000)
    expect(h.reconnects).toHaveLength(0)
    h.feed.onTick(h.now() + 11_000_000)
    expect(h.reconnects).toHaveLength(1)
    const g = harness()
    g.frame(`[${BOOK},[[7254.7,3,3.3]]]`)
    expect(g.feed.stats.malformed).toBe(1)
    expect(g.reconnects).toEqual(["frames lack sequence numbers"])
  })
})
