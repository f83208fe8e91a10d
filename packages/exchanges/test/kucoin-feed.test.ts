/**
 * The KuCoin feed driven the way a capture replay drives it: recorded REST answers and
 * frames in receive order (a replay hands every REST answer over as a GET of its path),
 * its own requests only recorded.
 */
import { ASK, BID, type Instrument, type MarketListener, type TradePrint } from "@hft/core"
import { describe, expect, it } from "vitest"
import { KUCOIN_SNAPSHOT_PATH, encodeKucoinSnapshot, encodeL2Update } from "../src/kucoin/codec.ts"
import { kucoin } from "../src/kucoin/index.ts"
import { KUCOIN_SIM_INSTRUMENTS, renderKucoinSymbols } from "../src/kucoin/instruments.ts"
import { MIN_KNOWN_LEVELS } from "../src/kucoin/session.ts"
import type { FeedIncident, FeedTransport, RestRequest } from "../src/feed.ts"

const BTC = KUCOIN_SIM_INSTRUMENTS[0]!
const TOKEN = `{"code":"200000","data":{"token":"2neAiuYvAU61ZDXANAGAsiL4=.H7utp2tEFTlUxD7fVkk_vQ==","instanceServers":[{"endpoint":"wss://ws-api-spot.kucoin.com/","encrypt":true,"protocol":"websocket","pingInterval":18000,"pingTimeout":10000}]}}`

const harness = (instrument: Instrument = BTC) => {
  const sent: Array<Record<string, unknown>> = []
  const requests: Array<RestRequest> = []
  const connects: Array<string> = []
  const reconnects: Array<string> = []
  const incidents: Array<FeedIncident> = []
  const trades: Array<TradePrint> = []
  const invalid: Array<string> = []
  const transport: FeedTransport = {
    request: (r) => void requests.push(r),
    connect: (url) => void connects.push(url),
    send: (text) => void sent.push(JSON.parse(text) as Record<string, unknown>),
    reconnect: (reason) => void reconnects.push(reason)
  }
  const listener: MarketListener = {
    onBook: () => {},
    onTrade: (t) => void trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void invalid.push(reason)
  }
  const feed = kucoin.makeFeed({ symbols: [instrument.symbol], listener, transport, onIncident: (i) => void incidents.push(i) })
  let t = 1_000_000
  const rest = (path: string, body: string) => feed.onRest({ method: "GET", path }, 200, body, (t += 1000))
  const frame = (text: string) => feed.onFrame(text, (t += 1000), t * 1000)
  feed.start()
  rest(requests[0]!.path, renderKucoinSymbols([instrument]))
  rest(requests[1]!.path, TOKEN)
  feed.onOpen()
  frame(`{"id":"public","type":"welcome"}`)
  const snapshot = (sequence: number, bids: ReadonlyArray<readonly [number, number]>, asks: ReadonlyArray<readonly [number, number]>) =>
    rest(`${KUCOIN_SNAPSHOT_PATH}?symbol=${instrument.venueSymbol}`, encodeKucoinSnapshot(instrument, sequence, 0, bids, asks))
  return { feed, sent, requests, connects, reconnects, incidents, trades, invalid, rest, frame, snapshot, tick: (dtUs: number) => feed.onTick((t += dtUs)) }
}

const levels = (h: ReturnType<typeof harness>, symbol = "BTC/USDT") => {
  const book = h.feed.book(symbol)
  return book === undefined ? undefined : { bids: book.top(BID, 1000), asks: book.top(ASK, 1000) }
}

describe("KuCoin feed (replayed REST answers and frames)", () => {
  it("gets the symbol list, then a token by POST, connects to endpoint?token&connectId and subscribes after the welcome", () => {
    const h = harness()
    expect(h.requests.slice(0, 2)).toEqual([
      { method: "GET", path: "/api/v2/symbols" },
      { method: "POST", path: "/api/v1/bullet-public" }
    ])
    expect(h.connects).toHaveLength(1)
    expect(h.connects[0]).toMatch(/^wss:\/\/ws-api-spot\.kucoin\.com\/\?token=2neAiuYvAU61ZDXANAGAsiL4%3D\.H7utp2tEFTlUxD7fVkk_vQ%3D%3D&connectId=\w+$/)
    expect(h.sent).toEqual([
      { id: "1", type: "subscribe", topic: "/market/level2:BTC-USDT", privateChannel: false, response: true },
      { id: "2", type: "subscribe", topic: "/market/match:BTC-USDT", privateChannel: false, response: true }
    ])
  })

  it("reproduces the documented calibration example: snapshot at 16, changes 15..18, book at 18", () => {
    const eth: Instrument = { ...BTC, priceScale: 2, sizeScale: 0 }
    const h = harness(eth)
    // The buffered push, as in the docs: asks 3988.62 → 8 (15), 3988.61 → 0 (18), 3988.59 → 3 (16); bids 3988.50 → 44 (17).
    h.frame(encodeL2Update(eth, 15, 18, 0, [
      { side: ASK, price: 398_862, size: 8, seq: 15 },
      { side: ASK, price: 398_861, size: 0, seq: 18 },
      { side: ASK, price: 398_859, size: 3, seq: 16 },
      { side: BID, price: 398_850, size: 44, seq: 17 }
    ]))
    expect(h.requests.at(-1)).toEqual({ method: "GET", path: "/api/v1/market/orderbook/level2_100?symbol=BTC-USDT" })
    h.snapshot(16, [[398_851, 56], [398_850, 15], [398_849, 100], [398_848, 10]], [[398_859, 3], [398_860, 47], [398_861, 32], [398_862, 8]])
    expect(levels(h)).toEqual({
      bids: [[398_851, 56], [398_850, 44], [398_849, 100], [398_848, 10]],
      asks: [[398_859, 3], [398_860, 47], [398_862, 8]]
    })
    expect(h.feed.stats).toMatchObject({ gaps: 0, resyncs: 0 })
  })

  it("skips old pushes, ignores price-0 changes but takes their sequence, and rebuilds on a gap", () => {
    const h = harness()
    // The buffered push straddles the snapshot: its change at 100 is already in it (and older).
    h.frame(encodeL2Update(BTC, 100, 101, 0, [{ side: BID, price: 649_980, size: 9, seq: 100 }, { side: BID, price: 649_990, size: 5, seq: 101 }]))
    h.snapshot(100, [[649_990, 1], [649_980, 1]], [[650_010, 1]])
    expect(levels(h)).toEqual({ bids: [[649_990, 5], [649_980, 1]], asks: [[650_010, 1]] })
    h.frame(encodeL2Update(BTC, 99, 101, 0, [{ side: BID, price: 649_990, size: 7, seq: 101 }]))
    h.frame(encodeL2Update(BTC, 102, 102, 0, [{ side: ASK, price: 0, size: 0, seq: 102 }]))
    h.frame(encodeL2Update(BTC, 103, 104, 0, [{ side: ASK, price: 650_020, size: 2, seq: 103 }, { side: ASK, price: 650_010, size: 0, seq: 104 }]))
    expect(levels(h)).toEqual({ bids: [[649_990, 5], [649_980, 1]], asks: [[650_020, 2]] })
    h.frame(encodeL2Update(BTC, 106, 106, 0, [{ side: ASK, price: 650_030, size: 1, seq: 106 }]))
    expect(h.feed.stats.gaps).toBe(1)
    expect(h.invalid).toEqual(["sequence gap"])
    expect(h.feed.book("BTC/USDT")).toBeUndefined()
    expect(h.requests.at(-1)?.path).toBe("/api/v1/market/orderbook/level2_100?symbol=BTC-USDT")
    // A snapshot older than the buffered push is fetched again; a fitting one rebuilds the book.
    const asked = h.requests.length
    h.snapshot(104, [[649_990, 5]], [[650_020, 2]])
    expect(h.requests.length).toBe(asked + 1)
    h.snapshot(105, [[649_990, 5]], [[650_020, 2], [650_025, 4]])
    expect(levels(h)).toEqual({ bids: [[649_990, 5]], asks: [[650_020, 2], [650_025, 4], [650_030, 1]] })
  })

  it("keeps only the levels it knows: nothing beyond a full snapshot's worst level; refreshes when too few remain", () => {
    const h = harness()
    const bids = Array.from({ length: 100 }, (_, i) => [640_000 - i * 10, 1] as const)
    const asks = Array.from({ length: 100 }, (_, i) => [640_010 + i * 10, 1] as const)
    h.frame(encodeL2Update(BTC, 501, 501, 0, [{ side: BID, price: 630_000, size: 9, seq: 501 }]))
    h.snapshot(500, bids, asks)
    const book = h.feed.book("BTC/USDT")!
    // 630 000 lies beyond the worst bid of the snapshot (639 010): unknown depth, not kept.
    expect(book.bids.count).toBe(100)
    expect(book.bids.sizeAtPrice(630_000)).toBe(0)
    h.frame(encodeL2Update(BTC, 502, 503, 0, [{ side: BID, price: 639_015, size: 3, seq: 502 }, { side: ASK, price: 640_015, size: 3, seq: 503 }]))
    expect(book.bids.sizeAtPrice(639_015)).toBe(3)
    expect(book.asks.sizeAtPrice(640_015)).toBe(3)
    // The market falls through the bids: once fewer than MIN_KNOWN_LEVELS are known, a new snapshot.
    const deletions = Array.from({ length: 101 - MIN_KNOWN_LEVELS + 1 }, (_, i) => ({ side: BID, price: 640_000 - i * 10, size: 0, seq: 504 + i }) as const)
    h.frame(encodeL2Update(BTC, 504, 504 + deletions.length - 1, 0, deletions))
    expect(h.feed.book("BTC/USDT")).toBeUndefined()
    expect(h.invalid).toEqual(["known depth exhausted"])
    expect(h.feed.stats.gaps).toBe(0)
  })

  it("delivers matches with the taker side and exact ids", () => {
    const h = harness()
    h.frame(`{"topic":"/market/match:BTC-USDT","type":"message","subject":"trade.l3match","data":{"makerOrderId":"476999776659865600","price":"64024.4","sequence":"23898084682776576","side":"sell","size":"0.003","symbol":"BTC-USDT","takerOrderId":"476999819110465538","time":"1786538821105000000","tradeId":"23898084682776576","type":"match"}}`)
    expect(h.trades).toEqual([expect.objectContaining({ price: 640_244, size: 300_000, takerSide: ASK, id: "23898084682776576", exchangeUs: 1_786_538_821_105_000 })])
  })

  it("pings every ping interval from onTick, reconnects when the pong is late or an ack missing", () => {
    const h = harness()
    h.frame(`{"id":"1","type":"ack"}`)
    h.frame(`{"id":"2","type":"ack"}`)
    h.tick(17_000_000)
    expect(h.sent.filter((m) => m["type"] === "ping")).toHaveLength(0)
    h.tick(1_500_000)
    expect(h.sent.at(-1)).toEqual({ id: "3", type: "ping" })
    h.frame(`{"id":"3","type":"pong"}`)
    h.tick(18_500_000)
    expect(h.sent.at(-1)).toEqual({ id: "4", type: "ping" })
    h.tick(11_000_000)
    expect(h.reconnects).toEqual(["no pong within the venue's ping timeout"])
    const g = harness()
    g.tick(11_000_000)
    expect(g.reconnects).toEqual(["subscription not acknowledged"])
  })

  it("fetches a new token when the venue rejects the connection", () => {
    const h = harness()
    h.feed.onClose("closed")
    h.feed.onOpen()
    h.frame(`{"id":"hft1","type":"error","code":401,"data":"token is invalid"}`)
    expect(h.requests.at(-1)).toEqual({ method: "POST", path: "/api/v1/bullet-public" })
    h.rest("/api/v1/bullet-public", TOKEN)
    expect(h.connects).toHaveLength(2)
  })
})
