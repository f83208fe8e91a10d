/**
 * Bitfinex WebSocket v2 simulator protocol: the configuration endpoint, the `info`
 * event on connect, `conf` flags, `book` (P0, len 25) and `trades` subscriptions with
 * `subscribed`/`unsubscribed` events, and data frames in the venue's layout — numbers
 * rendered as Bitfinex renders them, a per-connection sequence number on every data
 * frame (`SEQ_ALL`), `cs` checksums after each batch (`OB_CHECKSUM`), `hb` on idle
 * channels, `te` followed by `tu` for each trade.
 *
 * Like the venue, it streams a 25-level window of the book: each batch is the difference
 * between the window last published and the book's top 25 now (deletions first), so a
 * level that enters the window from deeper in the book is announced, and one pushed out
 * is deleted.
 *
 * @module
 */
import { type Instrument, ASK, BID, type Side, OrderBook } from "@hft/core"
import {
  type LevelChange,
  type SimClient,
  type SimTrade,
  type SimulatorHandle,
  type SimulatorOptions,
  type SimulatorProtocol,
  SimulatorServer
} from "../simulator/simulator-server.ts"
import { LevelTexts } from "../level-texts.ts"
import { BITFINEX_BOOK_DEPTH, bitfinexChecksum } from "./checksum.ts"
import {
  type BitfinexLevel,
  type BitfinexTrade,
  bitfinexNumber,
  encodeBookSnapshot,
  encodeBookUpdate,
  encodeChecksum,
  encodeHeartbeat,
  encodeTrade,
  encodeTradeSnapshot
} from "./codec.ts"
import { BITFINEX, BITFINEX_CONF_PATH, BITFINEX_SIM_INSTRUMENTS, renderBitfinexConf } from "./instruments.ts"

/** Options of the Bitfinex simulator. */
export interface BitfinexSimulatorOptions extends SimulatorOptions {
  /** A channel that sent nothing for this long gets an `hb` (ms); Bitfinex uses 15 000. */
  readonly heartbeatMs?: number
}

const FLAG_SEQ_ALL = 65536
const FLAG_CHECKSUM = 131072
/** Trades kept for the snapshot sent on subscribing. */
const TRADE_HISTORY = 30

interface Subscription {
  readonly chanId: number
  readonly kind: "book" | "trades"
  readonly instrument: Instrument
  lastSentMs: number
}

/** What the simulator knows of one connection. */
interface Connection {
  flags: number
  seq: number
  /** Subscriptions by `kind:venueSymbol`. */
  readonly subscriptions: Map<string, Subscription>
}

/** The 25-level window of one instrument as last published. */
interface Window {
  readonly book: OrderBook
  readonly texts: LevelTexts
  readonly trades: Array<BitfinexTrade>
  corruptNext: boolean
}

const CONNECTION = "bitfinex"

const connectionOf = (client: SimClient): Connection => {
  let c = client.state.get(CONNECTION) as Connection | undefined
  if (c === undefined) {
    c = { flags: 0, seq: 0, subscriptions: new Map() }
    client.state.set(CONNECTION, c)
  }
  return c
}

/** A plausible order count for a level (the simulator does not track orders). */
const orderCount = (size: number): number => 1 + (size % 7)

/** A level as the venue sends it; a deleted level (size 0) has COUNT 0 and AMOUNT ±1. */
const levelOf = (instrument: Instrument, side: Side, price: number, size: number): BitfinexLevel => {
  const amount = size === 0 ? 10 ** instrument.sizeScale : size
  return { price, count: size === 0 ? 0 : orderCount(size), amount: side === BID ? amount : -amount }
}

class BitfinexSimulatorProtocol implements SimulatorProtocol {
  private readonly windows = new Map<string, Window>()
  private readonly heartbeatMs: number
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private nextChanId = 17_000

  constructor(heartbeatMs: number) {
    this.heartbeatMs = heartbeatMs
  }

  private window(instrument: Instrument): Window {
    let w = this.windows.get(instrument.symbol)
    if (w === undefined) {
      w = { book: new OrderBook(64), texts: new LevelTexts(), trades: [], corruptNext: false }
      this.windows.set(instrument.symbol, w)
    }
    return w
  }

  http(server: SimulatorServer, method: string, url: URL): { status: number; body: string } | undefined {
    if (method === "GET" && url.pathname === BITFINEX_CONF_PATH) return { status: 200, body: renderBitfinexConf(server.instruments) }
    return undefined
  }

  onConnect(server: SimulatorServer, client: SimClient): void {
    client.send(JSON.stringify({ event: "info", version: 2, serverId: "5b73a436-19ca-4a06-8472-2a4f4a33d6e5", platform: { status: 1 } }))
    if (this.heartbeat === undefined && this.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.beat(server), Math.max(10, this.heartbeatMs >> 2))
      this.heartbeat.unref()
    }
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: Record<string, unknown>
    try {
      request = JSON.parse(text) as Record<string, unknown>
    } catch {
      return client.send(JSON.stringify({ event: "error", msg: "invalid JSON", code: 10000 }))
    }
    const connection = connectionOf(client)
    switch (request["event"]) {
      case "conf": {
        connection.flags = typeof request["flags"] === "number" ? request["flags"] : 0
        return client.send(JSON.stringify({ event: "conf", status: "OK", flags: connection.flags }))
      }
      case "subscribe":
        return this.subscribe(server, client, connection, request)
      case "unsubscribe": {
        const chanId = request["chanId"]
        for (const [key, sub] of connection.subscriptions) {
          if (sub.chanId !== chanId) continue
          connection.subscriptions.delete(key)
          return client.send(JSON.stringify({ event: "unsubscribed", status: "OK", chanId }))
        }
        return client.send(JSON.stringify({ event: "error", msg: "unsubscribe: invalid", code: 10400, chanId }))
      }
      case "ping":
        return client.send(JSON.stringify({ event: "pong", ts: Date.now(), cid: request["cid"] }))
      default:
        return client.send(JSON.stringify({ event: "error", msg: "unknown event", code: 10000 }))
    }
  }

  private subscribe(server: SimulatorServer, client: SimClient, connection: Connection, request: Record<string, unknown>): void {
    const channel = request["channel"]
    const symbol = typeof request["symbol"] === "string" ? request["symbol"] : ""
    const instrument = server.byVenueSymbol(symbol)
    const fail = (msg: string, code: number) =>
      client.send(JSON.stringify({ event: "error", msg, code, channel, symbol, pair: symbol.slice(1) }))
    if (channel !== "book" && channel !== "trades") return fail("subscribe: unknown channel", 10300)
    if (instrument === undefined) return fail("symbol: invalid", 10300)
    if (channel === "book" && ((request["prec"] ?? "P0") !== "P0" || String(request["len"] ?? "25") !== String(BITFINEX_BOOK_DEPTH))) {
      return fail("subscribe: this simulator serves P0 books of 25 levels", 10300)
    }
    const key = `${channel}:${symbol}`
    if (connection.subscriptions.has(key)) return fail("subscribe: dup", 10301)
    const sub: Subscription = { chanId: this.nextChanId++, kind: channel, instrument, lastSentMs: Date.now() }
    connection.subscriptions.set(key, sub)
    const pair = symbol.slice(1)
    const w = this.window(instrument)
    if (channel === "book") {
      client.send(JSON.stringify({ event: "subscribed", channel, chanId: sub.chanId, symbol, prec: "P0", freq: "F0", len: "25", pair }))
      const levels: Array<BitfinexLevel> = []
      for (const side of [BID, ASK] as const) {
        const s = w.book.side(side)
        for (let i = 0; i < s.count; i++) levels.push(levelOf(instrument, side, s.priceAt(i), s.sizeAt(i)))
      }
      this.sendData(client, connection, sub, (seq) => encodeBookSnapshot(sub.chanId, instrument, levels, seq))
    } else {
      client.send(JSON.stringify({ event: "subscribed", channel, chanId: sub.chanId, symbol, pair }))
      this.sendData(client, connection, sub, (seq) => encodeTradeSnapshot(sub.chanId, instrument, w.trades, seq))
    }
  }

  /** Sends one data frame of `sub`, numbered when the connection asked for `SEQ_ALL`. */
  private sendData(client: SimClient, connection: Connection, sub: Subscription, encode: (seq: number) => string): void {
    const frame = encode(++connection.seq)
    sub.lastSentMs = Date.now()
    client.send((connection.flags & FLAG_SEQ_ALL) !== 0 ? frame : frame.replace(/,\d+\]$/, "]"))
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, _changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const w = this.window(instrument)
    const truth = server.book(instrument.symbol)
    const updates: Array<BitfinexLevel> = []
    for (const side of [BID, ASK] as const) {
      const shown = w.book.side(side)
      const now = truth.top(side, BITFINEX_BOOK_DEPTH)
      const kept = new Set(now.map(([price]) => price))
      for (let i = 0; i < shown.count; i++) if (!kept.has(shown.priceAt(i))) updates.push(levelOf(instrument, side, shown.priceAt(i), 0))
      for (const [price, size] of now) if (shown.sizeAtPrice(price) !== size) updates.push(levelOf(instrument, side, price, size))
    }
    // Deletions first: a level may move from one side to the other without the book ever crossing.
    updates.sort((a, b) => (a.count === 0 ? 0 : 1) - (b.count === 0 ? 0 : 1))
    for (const u of updates) {
      const side = u.amount > 0 ? BID : ASK
      if (u.count === 0) {
        w.book.setLevel(side, u.price, 0)
        w.texts.side(side).delete(u.price)
      } else {
        w.book.setLevel(side, u.price, Math.abs(u.amount))
        w.texts.side(side).set(u.price, bitfinexNumber(u.price, instrument.priceScale), bitfinexNumber(u.amount, instrument.sizeScale))
      }
    }
    let checksum = bitfinexChecksum(w.book, w.texts)!
    if (w.corruptNext) {
      checksum = (checksum + 1) | 0
      w.corruptNext = false
    }
    const key = `book:${instrument.venueSymbol}`
    for (const client of server.subscribers((c) => connectionOf(c).subscriptions.has(key))) {
      const connection = connectionOf(client)
      const sub = connection.subscriptions.get(key)!
      const withChecksum = (connection.flags & FLAG_CHECKSUM) !== 0
      if (withheld) {
        connection.seq += updates.length + (withChecksum ? 1 : 0)
        continue
      }
      for (const u of updates) this.sendData(client, connection, sub, (seq) => encodeBookUpdate(sub.chanId, instrument, u, seq))
      if (withChecksum) this.sendData(client, connection, sub, (seq) => encodeChecksum(sub.chanId, checksum, seq))
    }
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const instrument = trade.instrument
    const t: BitfinexTrade = {
      id: trade.id,
      ms: Math.floor(trade.tsUs / 1000),
      amount: trade.takerSide === BID ? trade.size : -trade.size,
      price: trade.price
    }
    const w = this.window(instrument)
    w.trades.unshift(t)
    if (w.trades.length > TRADE_HISTORY) w.trades.pop()
    const key = `trades:${instrument.venueSymbol}`
    for (const client of server.subscribers((c) => connectionOf(c).subscriptions.has(key))) {
      const connection = connectionOf(client)
      const sub = connection.subscriptions.get(key)!
      this.sendData(client, connection, sub, (seq) => encodeTrade(sub.chanId, "te", instrument, t, seq))
      this.sendData(client, connection, sub, (seq) => encodeTrade(sub.chanId, "tu", instrument, t, seq))
    }
  }

  corruptNextChecksum(instrument: Instrument): void {
    this.window(instrument).corruptNext = true
  }

  /** Sends `hb` on every channel idle for a heartbeat interval; stops when nobody is connected. */
  private beat(server: SimulatorServer): void {
    if (server.clientCount() === 0) {
      clearInterval(this.heartbeat)
      this.heartbeat = undefined
      return
    }
    const now = Date.now()
    for (const client of server.clients) {
      const connection = connectionOf(client)
      for (const sub of connection.subscriptions.values()) {
        if (now - sub.lastSentMs >= this.heartbeatMs) this.sendData(client, connection, sub, (seq) => encodeHeartbeat(sub.chanId, seq))
      }
    }
  }
}

/** Starts a Bitfinex simulator on loopback. */
export const startBitfinexSimulator = (options: BitfinexSimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(BITFINEX, new BitfinexSimulatorProtocol(options.heartbeatMs ?? 15_000), options.instruments ?? BITFINEX_SIM_INSTRUMENTS, options).listen(
    options.port ?? 0
  )
