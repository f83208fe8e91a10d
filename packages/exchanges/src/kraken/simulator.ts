/**
 * Kraken spot WebSocket v2 simulator protocol: the `status` frame on connect, `ping` /
 * `pong`, the `instrument` channel, `book` at depth 10/25/100/500/1000 with CRC32
 * checksums written at the pairs' precisions, `trade` (with the optional snapshot of
 * recent trades), heartbeats once a second on idle subscribed connections, and one reply
 * per symbol to `subscribe` / `unsubscribe`.
 *
 * The true book is full depth; each book subscription keeps the view its client holds
 * (the top N after every message) and is sent what changed in it, the way Kraken does:
 * a deleted level as `qty: 0`, no message for a level that only fell out of range (the
 * client truncates it), and levels that come back into range sent again. Deletions go
 * first, so a client ends right whether it truncates per message or per level.
 *
 * @module
 */
import { type BookSide, type Instrument, type Level, OrderBook } from "@hft/core"
import { type RawJson, RawNumber, parseRawJson } from "../json-raw.ts"
import {
  type LevelChange,
  type SimClient,
  type SimTrade,
  type SimulatorHandle,
  type SimulatorOptions,
  type SimulatorProtocol,
  SimulatorServer
} from "../simulator/simulator-server.ts"
import { bookChecksum } from "./checksum.ts"
import {
  HEARTBEAT_FRAME,
  KRAKEN_DEPTHS,
  encodeBookFrame,
  encodeErrorReply,
  encodePong,
  encodeReply,
  encodeStatusFrame,
  encodeTradeFrame
} from "./codec.ts"
import { KRAKEN, KRAKEN_SIM_INSTRUMENTS, renderInstrumentFrame } from "./instruments.ts"

/** `connection_id` of the simulator's first connection; later ones count up. Beyond 2^53, as Kraken's are. */
export const KRAKEN_SIM_CONNECTION_ID_BASE = 8_423_536_080_466_634_713n

/** Trades kept per pair for trade snapshots. */
const RECENT_TRADES = 50
/** Heartbeat interval on idle subscribed connections. */
const HEARTBEAT_MS = 1000
/** Makes a checksum wrong (any non-zero mask changes it). */
const CORRUPTION_MASK = 0x5a5a5a5a

/** A book subscription: its depth and the levels its client holds. */
interface BookView {
  readonly depth: number
  readonly view: OrderBook
}

interface Subscriptions {
  instrument: boolean
  readonly books: Map<string, BookView>
  readonly trades: Set<string>
  lastSentMs: number
}

const SUBSCRIPTIONS = "kraken"

const subscriptionsOf = (client: SimClient): Subscriptions => {
  let subs = client.state.get(SUBSCRIPTIONS) as Subscriptions | undefined
  if (subs === undefined) {
    subs = { instrument: false, books: new Map(), trades: new Set(), lastSentMs: 0 }
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

const send = (client: SimClient, frame: string): void => {
  subscriptionsOf(client).lastSentMs = Date.now()
  client.send(frame)
}

type JsonObject = { readonly [key: string]: RawJson }

const isObject = (v: RawJson | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RawNumber)

const topLevels = (side: BookSide, n: number): Array<Level> => {
  const out: Array<Level> = []
  for (let i = 0; i < n && i < side.count; i++) out.push([side.priceAt(i), side.sizeAt(i)])
  return out
}

/**
 * What one side of a subscriber's view needs so that, applied and truncated to the
 * depth, it equals the top of the truth; the view is moved there.
 */
const advanceSide = (view: BookSide, truth: BookSide, depth: number): Array<Level> => {
  const out: Array<Level> = []
  for (let i = 0; i < view.count; i++) {
    const price = view.priceAt(i)
    if (truth.sizeAtPrice(price) === 0) out.push([price, 0])
  }
  const top = topLevels(truth, depth)
  for (const [price, size] of top) if (view.sizeAtPrice(price) !== size) out.push([price, size])
  view.clear()
  for (const [price, size] of top) view.set(price, size)
  return out
}

const nowUs = (): number => Date.now() * 1000

class KrakenSimulatorProtocol implements SimulatorProtocol {
  private connections = 0n
  private readonly corrupt = new Set<string>()
  private readonly recentTrades = new Map<string, Array<SimTrade>>()
  private heartbeat: ReturnType<typeof setInterval> | undefined

  http(): undefined {
    return undefined
  }

  onConnect(server: SimulatorServer, client: SimClient): void {
    send(client, encodeStatusFrame(KRAKEN_SIM_CONNECTION_ID_BASE + this.connections++, "online"))
    this.heartbeat ??= setInterval(() => this.beat(server), HEARTBEAT_MS).unref()
  }

  /** Heartbeats to subscribed clients that were sent nothing for a while; stops with the last client. */
  private beat(server: SimulatorServer): void {
    if (server.clients.size === 0) {
      clearInterval(this.heartbeat)
      this.heartbeat = undefined
      return
    }
    const quietSince = Date.now() - HEARTBEAT_MS
    for (const client of server.clients) {
      const subs = subscriptionsOf(client)
      const subscribed = subs.instrument || subs.books.size > 0 || subs.trades.size > 0
      if (subscribed && subs.lastSentMs <= quietSince) send(client, HEARTBEAT_FRAME)
    }
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: RawJson
    try {
      request = parseRawJson(text)
    } catch {
      return send(client, encodeErrorReply("", "Malformed request", undefined, undefined, nowUs()))
    }
    if (!isObject(request) || typeof request["method"] !== "string") {
      return send(client, encodeErrorReply("", "Malformed request", undefined, undefined, nowUs()))
    }
    const method = request["method"]
    const reqId = request["req_id"] instanceof RawNumber ? request["req_id"].text : undefined
    const params = isObject(request["params"]) ? request["params"] : {}
    if (method === "ping") return send(client, encodePong(reqId, nowUs()))
    if (method !== "subscribe" && method !== "unsubscribe") {
      return send(client, encodeErrorReply(method, "Method not found", undefined, reqId, nowUs()))
    }
    const channel = params["channel"]
    if (channel === "instrument") return this.instrumentRequest(server, client, method, params, reqId)
    if (channel !== "book" && channel !== "trade") {
      return send(client, encodeErrorReply(method, "Channel not found", undefined, reqId, nowUs()))
    }
    const symbols = params["symbol"]
    if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== "string")) {
      return send(client, encodeErrorReply(method, "symbol must be a list of pairs", undefined, reqId, nowUs()))
    }
    const depthParam = params["depth"]
    const depth = depthParam instanceof RawNumber ? Number(depthParam.text) : KRAKEN_DEPTHS[0]!
    if (channel === "book" && !KRAKEN_DEPTHS.includes(depth)) {
      return send(client, encodeErrorReply(method, `depth must be one of ${KRAKEN_DEPTHS.join(", ")}`, undefined, reqId, nowUs()))
    }
    const snapshot = params["snapshot"] !== false
    for (const symbol of symbols as ReadonlyArray<string>) {
      const instrument = server.byVenueSymbol(symbol)
      if (instrument === undefined) {
        send(client, encodeErrorReply(method, "Currency pair not supported", symbol, reqId, nowUs()))
      } else if (channel === "book") {
        if (method === "subscribe") this.subscribeBook(server, client, instrument, depth, snapshot, reqId)
        else this.unsubscribeBook(client, instrument, reqId)
      } else if (method === "subscribe") {
        this.subscribeTrades(client, instrument, snapshot, reqId)
      } else {
        this.unsubscribeTrades(client, instrument, reqId)
      }
    }
  }

  private instrumentRequest(server: SimulatorServer, client: SimClient, method: string, params: JsonObject, reqId: string | undefined): void {
    const subs = subscriptionsOf(client)
    if (method === "unsubscribe") {
      subs.instrument = false
      return send(client, encodeReply(method, `{"channel":"instrument"}`, reqId, nowUs()))
    }
    const snapshot = params["snapshot"] !== false
    subs.instrument = true
    send(client, encodeReply(method, `{"channel":"instrument","snapshot":${snapshot},"warnings":["tick_size is deprecated, use price_increment"]}`, reqId, nowUs()))
    if (snapshot) send(client, renderInstrumentFrame(server.instruments, "snapshot"))
  }

  private subscribeBook(server: SimulatorServer, client: SimClient, instrument: Instrument, depth: number, snapshot: boolean, reqId: string | undefined): void {
    const books = subscriptionsOf(client).books
    const symbol = instrument.venueSymbol
    if (books.has(symbol)) return send(client, encodeErrorReply("subscribe", "Already subscribed", symbol, reqId, nowUs()))
    const truth = server.book(instrument.symbol)
    const view = new OrderBook(depth + 1)
    const bids = topLevels(truth.bids, depth)
    const asks = topLevels(truth.asks, depth)
    for (const [price, size] of bids) view.bids.set(price, size)
    for (const [price, size] of asks) view.asks.set(price, size)
    books.set(symbol, { depth, view })
    send(client, encodeReply("subscribe", `{"channel":"book","depth":${depth},"snapshot":${snapshot},"symbol":"${symbol}"}`, reqId, nowUs()))
    if (snapshot) send(client, encodeBookFrame(instrument, "snapshot", bids, asks, this.checksum(instrument, truth), nowUs()))
  }

  private unsubscribeBook(client: SimClient, instrument: Instrument, reqId: string | undefined): void {
    const books = subscriptionsOf(client).books
    const symbol = instrument.venueSymbol
    const sub = books.get(symbol)
    if (sub === undefined) return send(client, encodeErrorReply("unsubscribe", "Subscription Not Found", symbol, reqId, nowUs()))
    books.delete(symbol)
    send(client, encodeReply("unsubscribe", `{"channel":"book","depth":${sub.depth},"symbol":"${symbol}"}`, reqId, nowUs()))
  }

  private subscribeTrades(client: SimClient, instrument: Instrument, snapshot: boolean, reqId: string | undefined): void {
    const trades = subscriptionsOf(client).trades
    const symbol = instrument.venueSymbol
    if (trades.has(symbol)) return send(client, encodeErrorReply("subscribe", "Already subscribed", symbol, reqId, nowUs()))
    trades.add(symbol)
    send(client, encodeReply("subscribe", `{"channel":"trade","snapshot":${snapshot},"symbol":"${symbol}"}`, reqId, nowUs()))
    const recent = this.recentTrades.get(symbol)
    if (snapshot && recent !== undefined) send(client, encodeTradeFrame("snapshot", recent))
  }

  private unsubscribeTrades(client: SimClient, instrument: Instrument, reqId: string | undefined): void {
    const trades = subscriptionsOf(client).trades
    const symbol = instrument.venueSymbol
    if (!trades.delete(symbol)) return send(client, encodeErrorReply("unsubscribe", "Subscription Not Found", symbol, reqId, nowUs()))
    send(client, encodeReply("unsubscribe", `{"channel":"trade","symbol":"${symbol}"}`, reqId, nowUs()))
  }

  /** The checksum of the true top 10, wrong once after {@link corruptNextChecksum}. */
  private checksum(instrument: Instrument, truth: OrderBook): number {
    const checksum = bookChecksum(truth)
    return this.corrupt.delete(instrument.venueSymbol) ? (checksum ^ CORRUPTION_MASK) >>> 0 : checksum
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, _changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const symbol = instrument.venueSymbol
    const truth = server.book(instrument.symbol)
    const tsUs = nowUs()
    let checksum: number | undefined
    for (const client of server.subscribers((c) => subscriptionsOf(c).books.has(symbol))) {
      const { depth, view } = subscriptionsOf(client).books.get(symbol)!
      const asks = advanceSide(view.asks, truth.asks, depth)
      const bids = advanceSide(view.bids, truth.bids, depth)
      // Nothing in this client's range changed: Kraken sends nothing. A withheld batch moves the view all the same.
      if ((bids.length === 0 && asks.length === 0) || withheld) continue
      checksum ??= this.checksum(instrument, truth)
      send(client, encodeBookFrame(instrument, "update", bids, asks, checksum, tsUs))
    }
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const symbol = trade.instrument.venueSymbol
    const recent = this.recentTrades.get(symbol) ?? []
    recent.push(trade)
    if (recent.length > RECENT_TRADES) recent.shift()
    this.recentTrades.set(symbol, recent)
    const frame = encodeTradeFrame("update", [trade])
    for (const client of server.subscribers((c) => subscriptionsOf(c).trades.has(symbol))) send(client, frame)
  }

  corruptNextChecksum(instrument: Instrument): void {
    this.corrupt.add(instrument.venueSymbol)
  }
}

/** Starts a Kraken simulator on loopback (WebSocket at any path, e.g. `/v2`). */
export const startKrakenSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(KRAKEN, new KrakenSimulatorProtocol(), options.instruments ?? KRAKEN_SIM_INSTRUMENTS, options).listen(options.port ?? 0)
