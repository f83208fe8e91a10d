/**
 * The Bitstamp feed as a state machine, driven frame by frame the way a capture replay
 * drives it: documented and captured frames, the microtimestamp join, the resync
 * triggers, heartbeats.
 */
import { ASK, BID, type TradePrint } from "@hft/core"
import { describe, expect, it } from "vitest"
import { parseTradingPairs } from "../src/bitstamp/instruments.ts"
import { BitstampFeed } from "../src/bitstamp/session.ts"
import type { FeedIncident, FeedTransport, RestRequest } from "../src/feed.ts"

/** trading-pairs-info entries: the long-documented shape, and BTC/USD as listed in 2025-26 (whole-dollar limit prices). */
const PAIRS = JSON.stringify([
  { name: "BTC/USD", url_symbol: "btcusd", base_decimals: 8, counter_decimals: 0, instant_order_counter_decimals: 2, minimum_order: "10 USD", trading: "Enabled", instant_and_market_orders: "Enabled", description: "Bitcoin / U.S. dollar" },
  { name: "USDC/USD", url_symbol: "usdcusd", base_decimals: 5, counter_decimals: 5, instant_order_counter_decimals: 5, minimum_order: "10.00000 USD", trading: "Enabled", instant_and_market_orders: "Enabled", description: "USD Coin / U.S. dollar" },
  { name: "BTC/USD-PERP", url_symbol: "btcusd-perp", base_decimals: 8, counter_decimals: 0, minimum_order: "10 USD", trading: "Enabled", description: "perpetual" },
  { name: "XRP/EUR", url_symbol: "xrpeur", base_decimals: 8, counter_decimals: 5, minimum_order: "10 EUR", trading: "Disabled", description: "XRP / Euro" }
])

/** A live diff (btcusd, 2025-10) as kept in barter-rs' Bitstamp tests. */
const LIVE_DIFF = `{"data":{"timestamp":"1761237030","microtimestamp":"1761237030014407","bids":[["109880","0.50331929"],["109879","0.15000000"],["109878","0.00000000"],["109876","0.09956720"],["109874","0.00000000"],["109871","0.00000000"],["109869","0.22753041"],["109868","0.00000000"],["109866","0.18201045"],["109865","0.04439898"],["109862","0.00000000"],["109861","0.00000000"],["109860","0.39275611"],["109859","0.50000000"],["109855","0.00000000"],["109853","0.00000000"],["109851","0.00000000"],["109846","0.00000000"],["109842","0.93085695"],["109841","0.00000000"],["109831","0.45180000"],["109829","0.00000000"],["109826","0.14721605"],["109806","0.91069027"],["109793","0.00000000"],["109785","0.00154810"],["109778","0.00000000"],["109765","0.02734089"],["109760","0.01238909"],["109643","0.01080000"]],"asks":[["109881","0.80897787"],["109883","0.00000000"],["109886","0.00000000"],["109887","0.45729028"],["109888","0.00000000"],["109891","0.02046562"],["109898","0.91221600"],["109900","0.50000000"],["109902","0.40043846"],["109906","0.18326988"],["109907","0.00000000"],["109913","0.16608551"],["109918","0.00011764"],["109924","0.06858131"],["109925","0.00000000"],["109958","0.00094118"],["109964","0.00000000"],["109982","0.00000000"]]},"channel":"diff_order_book_btcusd","event":"data"}`
/** The trade example in ccxt's bitstamp watcher (event before channel). */
const DOC_TRADE = `{"data":{"buy_order_id":1207733769326592,"amount_str":"0.14406384","timestamp":"1583691851","microtimestamp":"1583691851934000","id":106833903,"amount":0.14406384,"sell_order_id":1207733765476352,"price_str":"8302.92","type":0,"price":8302.92},"event":"trade","channel":"live_trades_btcusd"}`
/** The diff example in ccxt's bitstamp watcher, with [price, amount, order id] entries. */
const DOC_DIFF_3 = `{"data":{"timestamp":"1583656800","microtimestamp":"1583656800237527","bids":[["8732.02","0.00002478","1207590500704256"],["8729.62","0.01600000","1207590502350849"]],"asks":[["8735.67","2.00000000","1207590693249024"]]},"event":"data","channel":"diff_order_book_btcusd"}`
const ACK = `{"event":"bts:subscription_succeeded","channel":"diff_order_book_btcusd","data":{}}`

const T0 = 1_761_237_030_000_000

const harness = () => {
  const sent: Array<string> = []
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
    send: (text) => void sent.push(text),
    reconnect: (reason) => void reconnects.push(reason)
  }
  const feed = new BitstampFeed({
    symbols: ["BTC/USD"],
    transport,
    listener: { onBook: () => void books++, onTrade: (t) => void trades.push({ ...t }), onBookInvalid: (_i, r) => void invalid.push(r) },
    onIncident: (i) => void incidents.push(i)
  })
  feed.start()
  feed.onRest(requests[0]!, 200, PAIRS, T0)
  feed.onOpen()
  const frame = (text: string, at = T0) => feed.onFrame(text, at, 0)
  const snapshotRequests = () => requests.filter((r) => r.path === "/api/v2/order_book/btcusd/")
  const snapshot = (mts: number, bids: string, asks: string, status = 200) =>
    feed.onRest(snapshotRequests().at(-1)!, status, `{"timestamp":"${Math.floor(mts / 1e6)}","microtimestamp":"${mts}","bids":[${bids}],"asks":[${asks}]}`, T0)
  const diff = (mts: number, bids: string, asks: string) =>
    frame(`{"data":{"timestamp":"${Math.floor(mts / 1e6)}","microtimestamp":"${mts}","bids":[${bids}],"asks":[${asks}]},"channel":"diff_order_book_btcusd","event":"data"}`)
  return { feed, sent, requests, reconnects, connects, incidents, invalid, trades, frame, diff, snapshot, snapshotRequests, books: () => books }
}

describe("Bitstamp pairs", () => {
  it("takes canonical symbols from the pair list, keeps prices at the finer of counter and instant decimals, and skips perpetuals and disabled pairs", () => {
    expect(parseTradingPairs(PAIRS)).toEqual([
      { venue: "bitstamp", symbol: "BTC/USD", venueSymbol: "btcusd", base: "BTC", quote: "USD", priceScale: 2, sizeScale: 8, tickSize: 100, lotSize: 1, minSize: 1, minNotional: 10_0000000000n },
      { venue: "bitstamp", symbol: "USDC/USD", venueSymbol: "usdcusd", base: "USDC", quote: "USD", priceScale: 5, sizeScale: 5, tickSize: 1, lotSize: 1, minSize: 1, minNotional: 10_0000000000n }
    ])
  })
})

describe("Bitstamp feed", () => {
  it("subscribes diffs and trades, buffers diffs, and joins the REST snapshot at its microtimestamp", () => {
    const h = harness()
    expect(h.connects).toEqual(["/"])
    expect(h.sent.map((s) => JSON.parse(s))).toEqual([
      { event: "bts:subscribe", data: { channel: "diff_order_book_btcusd" } },
      { event: "bts:subscribe", data: { channel: "live_trades_btcusd" } }
    ])
    h.frame(ACK)
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    expect(h.snapshotRequests()).toHaveLength(1)
    h.diff(T0 + 20, `["109879","2.00000000"]`, "")
    h.diff(T0 + 30, "", `["109890","3.00000000"]`)
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    // The snapshot already holds the first two diffs (microtimestamp T0 + 20): only the third applies.
    h.snapshot(T0 + 20, `["109880","1.00000000"],["109879","2.50000000"]`, `["109895","1.00000000"]`)
    const book = h.feed.book("BTC/USD")!
    expect(book.top(BID, 5)).toEqual([[10_988_000, 100_000_000], [10_987_900, 250_000_000]])
    expect(book.top(ASK, 5)).toEqual([[10_989_000, 300_000_000], [10_989_500, 100_000_000]])
    expect(h.books()).toBe(1)
  })

  it("fetches the snapshot again when it is older than the first buffered diff (REST lags the stream)", () => {
    const h = harness()
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    h.snapshot(T0 + 5, `["109870","1.00000000"]`, `["109890","1.00000000"]`)
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    expect(h.incidents.at(-1)?.detail).toMatch(/older than the first buffered diff/)
    h.feed.onTick(T0 + 1_000_000)
    expect(h.snapshotRequests()).toHaveLength(2)
    h.snapshot(T0 + 10, `["109880","1.00000000"]`, `["109890","1.00000000"]`)
    expect(h.feed.book("BTC/USD")?.top(BID, 1)).toEqual([[10_988_000, 100_000_000]])
  })

  it("applies the live diff to a synced book: zero amounts delete, whole-dollar prices parse at the pair's scale", () => {
    const h = harness()
    h.diff(T0, `["109878","5.00000000"]`, `["109883","5.00000000"]`)
    h.snapshot(T0, `["109878","5.00000000"],["109000","1.00000000"]`, `["109883","5.00000000"],["110000","1.00000000"]`)
    h.frame(LIVE_DIFF, T0 + 1)
    const book = h.feed.book("BTC/USD")!
    expect(book.bids.sizeAtPrice(10_987_800)).toBe(0)
    expect(book.asks.sizeAtPrice(10_988_300)).toBe(0)
    expect(book.top(BID, 2)).toEqual([[10_988_000, 50_331_929], [10_987_900, 15_000_000]])
    expect(book.top(ASK, 1)).toEqual([[10_988_100, 80_897_787]])
    expect(book.bids.count).toBe(17) // 16 non-zero bids in the diff + 109000 from the snapshot
    expect(book.asks.count).toBe(12) // 11 non-zero asks in the diff + 110000 from the snapshot
  })

  it("ignores a diff that is not newer than the book", () => {
    const h = harness()
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    h.snapshot(T0 + 10, `["109880","1.00000000"]`, `["109890","1.00000000"]`)
    h.diff(T0 + 10, `["109880","9.00000000"]`, "")
    h.diff(T0 + 9, `["109880","8.00000000"]`, "")
    expect(h.feed.book("BTC/USD")!.top(BID, 1)).toEqual([[10_988_000, 100_000_000]])
  })

  it("accepts [price, amount, order id] entries, as in ccxt's documented diff", () => {
    const h = harness()
    h.frame(DOC_DIFF_3)
    h.snapshot(1583656800237527, `["8732.02","0.00002478"]`, `["8735.67","2.00000000"]`)
    expect(h.feed.book("BTC/USD")!.top(BID, 1)).toEqual([[873_202, 2_478]])
  })

  it("resynchronises every book after a malformed frame: its content is lost and no sequence number would tell", () => {
    const h = harness()
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    h.snapshot(T0 + 10, `["109880","1.00000000"]`, `["109890","1.00000000"]`)
    h.frame(LIVE_DIFF.slice(0, LIVE_DIFF.length >> 1))
    expect(h.feed.stats).toMatchObject({ malformed: 1, resyncs: 1 })
    expect(h.invalid).toEqual(["malformed frame: a diff may be lost"])
    expect(h.feed.book("BTC/USD")).toBeUndefined()
    h.diff(T0 + 30, `["109881","1.00000000"]`, "")
    expect(h.snapshotRequests()).toHaveLength(2)
  })

  it("never publishes a crossed book: it starts over with a new snapshot", () => {
    const h = harness()
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    h.snapshot(T0 + 10, `["109880","1.00000000"]`, `["109890","1.00000000"]`)
    const published = h.books()
    h.diff(T0 + 20, `["109895","1.00000000"]`, "")
    expect(h.books()).toBe(published)
    expect(h.invalid).toEqual(["crossed book"])
    expect(h.feed.book("BTC/USD")).toBeUndefined()
  })

  it("reconnects on bts:request_reconnect, whether its data is {} or an empty string", () => {
    for (const data of [`{}`, `""`]) {
      const h = harness()
      h.frame(`{"event":"bts:request_reconnect","channel":"","data":${data}}`)
      expect(h.reconnects).toEqual(["bts:request_reconnect"])
    }
  })

  it("sends bts:heartbeat every 10 s, takes the reply quietly, and fetches the snapshot of a quiet book 5 s after the ack", () => {
    const h = harness()
    h.feed.onTick(T0)
    h.frame(ACK, T0)
    const beats = () => h.sent.filter((s) => s === `{"event":"bts:heartbeat"}`).length
    const first = beats()
    h.feed.onTick(T0 + 4_000_000)
    expect(h.snapshotRequests()).toHaveLength(0)
    h.feed.onTick(T0 + 6_000_000)
    expect(h.snapshotRequests()).toHaveLength(1)
    h.feed.onTick(T0 + 11_000_000)
    expect(beats()).toBe(first + 1)
    h.frame(`{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}`)
    h.snapshot(T0 + 1, `["109880","1.00000000"]`, `["109890","1.00000000"]`)
    expect(h.feed.book("BTC/USD")).toBeDefined()
    expect(h.incidents).toEqual([])
  })

  it("retries a failed snapshot at the next tick", () => {
    const h = harness()
    h.diff(T0 + 10, `["109880","1.00000000"]`, "")
    h.snapshot(T0 + 10, "", "", 503)
    expect(h.incidents.at(-1)).toMatchObject({ kind: "rejected" })
    h.feed.onTick(T0 + 1_000_000)
    expect(h.snapshotRequests()).toHaveLength(2)
  })

  it("delivers the documented trade with the taker side from type and the id's exact text", () => {
    const h = harness()
    h.frame(DOC_TRADE)
    h.frame(DOC_TRADE.replace(`"type":0`, `"type":1`).replace(`"id":106833903`, `"id":9007199254740993`))
    expect(h.trades).toHaveLength(2)
    expect(h.trades[0]).toMatchObject({ price: 830_292, size: 14_406_384, takerSide: BID, id: "106833903", exchangeUs: 1_583_691_851_934_000 })
    expect(h.trades[1]).toMatchObject({ takerSide: ASK, id: "9007199254740993" })
  })

  it("reports a bts:error as a rejection", () => {
    const h = harness()
    h.frame(`{"event":"bts:error","channel":"","data":{"code":null,"message":"Incorrect channel name."}}`)
    expect(h.incidents).toEqual([{ kind: "rejected", detail: "bts:error Incorrect channel name." }])
  })
})
