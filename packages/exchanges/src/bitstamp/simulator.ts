/**
 * Bitstamp simulator protocol: `GET /api/v2/trading-pairs-info/`, `GET /api/v2/order_book/{pair}/`
 * (full depth, stamped with the `microtimestamp` of the last diff it contains), and the
 * WebSocket v2 events — `bts:subscribe`/`bts:unsubscribe` with their acks, `bts:heartbeat`
 * replies, `diff_order_book_{pair}` diffs with strictly increasing `microtimestamp`s, and
 * `live_trades_{pair}` trades — the bytes Bitstamp sends.
 *
 * @module
 */
import { type Instrument, type Level, ASK, BID } from "@hft/core"
import {
  type LevelChange,
  type SimClient,
  type SimHttpResponse,
  type SimTrade,
  type SimulatorHandle,
  type SimulatorOptions,
  type SimulatorProtocol,
  SimulatorServer
} from "../simulator/simulator-server.ts"
import { DIFF_CHANNEL, ORDER_BOOK_PATH, TRADES_CHANNEL, diffChannel, encodeDiff, encodeEvent, encodeOrderBook, encodeTrade, tradesChannel } from "./codec.ts"
import { BITSTAMP, BITSTAMP_SIM_INSTRUMENTS, PAIRS_PATH, renderTradingPairs } from "./instruments.ts"

const SUBSCRIPTIONS = "subscriptions"

const subscriptionsOf = (client: SimClient): Set<string> => {
  let subs = client.state.get(SUBSCRIPTIONS) as Set<string> | undefined
  if (subs === undefined) {
    subs = new Set()
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

class BitstampSimulatorProtocol implements SimulatorProtocol {
  /** `microtimestamp` of the last diff per pair: the snapshot's stamp, and the floor for the next diff. */
  private readonly stamps = new Map<string, number>()

  /** A fresh stamp for `instrument`: wall time in µs, strictly after the previous one. */
  private nextStamp(instrument: Instrument): number {
    const stamp = Math.max(Date.now() * 1000, (this.stamps.get(instrument.venueSymbol) ?? 0) + 1)
    this.stamps.set(instrument.venueSymbol, stamp)
    return stamp
  }

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET") return undefined
    if (url.pathname === PAIRS_PATH) return { status: 200, body: renderTradingPairs(server.instruments) }
    if (!url.pathname.startsWith(ORDER_BOOK_PATH)) return undefined
    const instrument = server.byVenueSymbol(url.pathname.slice(ORDER_BOOK_PATH.length).replace(/\/$/, ""))
    if (instrument === undefined) return { status: 404, body: `{"status":"error","reason":"Invalid currency pair"}` }
    const book = server.book(instrument.symbol)
    const stamp = this.stamps.get(instrument.venueSymbol) ?? this.nextStamp(instrument)
    return { status: 200, snapshot: true, body: encodeOrderBook(instrument, stamp, book.top(BID, book.bids.count), book.top(ASK, book.asks.count)) }
  }

  onConnect(): void {}

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: { event?: unknown; data?: { channel?: unknown } }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return client.send(encodeEvent("bts:error", "", `{"code":null,"message":"Bad request."}`))
    }
    const channel = typeof request.data?.channel === "string" ? request.data.channel : ""
    switch (request.event) {
      case "bts:heartbeat":
        return client.send(encodeEvent("bts:heartbeat", "", `{"status":"success"}`))
      case "bts:subscribe":
        if (!this.serves(server, channel)) return client.send(encodeEvent("bts:error", channel, `{"code":null,"message":"Incorrect channel name."}`))
        subscriptionsOf(client).add(channel)
        return client.send(encodeEvent("bts:subscription_succeeded", channel, "{}"))
      case "bts:unsubscribe":
        subscriptionsOf(client).delete(channel)
        return client.send(encodeEvent("bts:unsubscription_succeeded", channel, "{}"))
      default:
        return client.send(encodeEvent("bts:error", "", `{"code":null,"message":"Bad request."}`))
    }
  }

  private serves(server: SimulatorServer, channel: string): boolean {
    const pair = channel.startsWith(DIFF_CHANNEL)
      ? channel.slice(DIFF_CHANNEL.length)
      : channel.startsWith(TRADES_CHANNEL)
        ? channel.slice(TRADES_CHANNEL.length)
        : ""
    return server.byVenueSymbol(pair) !== undefined
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const stamp = this.nextStamp(instrument)
    if (withheld) return
    const bids: Array<Level> = []
    const asks: Array<Level> = []
    for (const c of changes) (c.side === BID ? bids : asks).push([c.price, c.size])
    bids.sort((a, b) => b[0] - a[0])
    asks.sort((a, b) => a[0] - b[0])
    const channel = diffChannel(instrument)
    const frame = encodeDiff(instrument, stamp, bids, asks)
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(channel))) client.send(frame)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const channel = tradesChannel(trade.instrument)
    const frame = encodeTrade(trade)
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(channel))) client.send(frame)
  }
}

/** Starts a Bitstamp simulator on loopback. */
export const startBitstampSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(BITSTAMP, new BitstampSimulatorProtocol(), options.instruments ?? BITSTAMP_SIM_INSTRUMENTS, options).listen(options.port ?? 0)
