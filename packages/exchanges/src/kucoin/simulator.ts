/**
 * KuCoin spot simulator protocol: `GET /api/v2/symbols`, `POST /api/v1/bullet-public`
 * (a token and this simulator's own WebSocket address as the instance server),
 * `GET /api/v1/market/orderbook/level2_100` (best 100 levels and the sequence), and the
 * WebSocket: token check and `welcome` on connect, `subscribe`/`unsubscribe` with acks,
 * `ping`/`pong`, `trade.l2update` pushes numbering every change, `trade.l3match` pushes.
 *
 * Each trade also takes a book sequence number, pushed as a price-"0" change (a change
 * that moves the sequence but no level), which KuCoin's own streams contain and clients
 * must skip.
 *
 * @module
 */
import { type Instrument, ASK, BID } from "@hft/core"
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
import {
  KUCOIN_BULLET_PATH,
  KUCOIN_SNAPSHOT_DEPTH,
  KUCOIN_SNAPSHOT_PATH,
  type KucoinChange,
  encodeKucoinSnapshot,
  encodeL2Update,
  encodeMatch
} from "./codec.ts"
import { KUCOIN, KUCOIN_OK, KUCOIN_SIM_INSTRUMENTS, KUCOIN_SYMBOLS_PATH, renderKucoinSymbols } from "./instruments.ts"

/** Options of the KuCoin simulator. */
export interface KucoinSimulatorOptions extends SimulatorOptions {
  /** `pingInterval` the token answer tells clients (ms); KuCoin says 18 000. */
  readonly clientPingIntervalMs?: number
}

/** Where the book sequences start, like a live symbol's. */
const FIRST_SEQUENCE = 35_487_584_851
/** Trade ids start beyond 2^53, like live ones. */
const TRADE_ID_BASE = 23_898_084_682_776_576n

const TOPICS = "topics"

const topicsOf = (client: SimClient): Set<string> => {
  let topics = client.state.get(TOPICS) as Set<string> | undefined
  if (topics === undefined) {
    topics = new Set()
    client.state.set(TOPICS, topics)
  }
  return topics
}

class KucoinSimulatorProtocol implements SimulatorProtocol {
  private readonly sequences = new Map<string, number>()
  private readonly tokens = new Set<string>()
  private readonly pingIntervalMs: number

  constructor(pingIntervalMs: number) {
    this.pingIntervalMs = pingIntervalMs
  }

  private sequence(instrument: Instrument): number {
    return this.sequences.get(instrument.venueSymbol) ?? FIRST_SEQUENCE
  }

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method === "GET" && url.pathname === KUCOIN_SYMBOLS_PATH) return { status: 200, body: renderKucoinSymbols(server.instruments) }
    if (method === "POST" && url.pathname === KUCOIN_BULLET_PATH) {
      const token = `sim${this.tokens.size + 1}-${Math.random().toString(36).slice(2)}==`
      this.tokens.add(token)
      const instance = { endpoint: `${server.wsUrl}/`, encrypt: false, protocol: "websocket", pingInterval: this.pingIntervalMs, pingTimeout: 10_000 }
      return { status: 200, body: JSON.stringify({ code: KUCOIN_OK, data: { token, instanceServers: [instance] } }) }
    }
    if (method === "GET" && url.pathname === KUCOIN_SNAPSHOT_PATH) {
      const instrument = server.byVenueSymbol(url.searchParams.get("symbol") ?? "")
      if (instrument === undefined) return { status: 200, body: `{"code":"400100","msg":"This pair is not provided at present"}` }
      const book = server.book(instrument.symbol)
      const body = encodeKucoinSnapshot(instrument, this.sequence(instrument), Date.now(), book.top(BID, KUCOIN_SNAPSHOT_DEPTH), book.top(ASK, KUCOIN_SNAPSHOT_DEPTH))
      return { status: 200, snapshot: true, body }
    }
    return undefined
  }

  onConnect(_server: SimulatorServer, client: SimClient): void {
    const query = new URL(client.url, "ws://127.0.0.1").searchParams
    const connectId = query.get("connectId") ?? ""
    if (!this.tokens.has(query.get("token") ?? "")) {
      client.send(JSON.stringify({ id: connectId, type: "error", code: 401, data: "token is invalid" }))
      return client.close()
    }
    client.send(JSON.stringify({ id: connectId, type: "welcome" }))
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: { id?: unknown; type?: unknown; topic?: unknown; response?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return client.send(JSON.stringify({ id: "", type: "error", code: 400, data: "invalid JSON" }))
    }
    const id = String(request.id ?? "")
    if (request.type === "ping") return client.send(JSON.stringify({ id, type: "pong" }))
    if ((request.type === "subscribe" || request.type === "unsubscribe") && typeof request.topic === "string") {
      const colon = request.topic.lastIndexOf(":")
      const channel = request.topic.slice(0, colon)
      const symbols = request.topic.slice(colon + 1).split(",")
      if ((channel !== "/market/level2" && channel !== "/market/match") || symbols.some((s) => server.byVenueSymbol(s) === undefined)) {
        return client.send(JSON.stringify({ id, type: "error", code: 404, data: `topic ${request.topic} is not found` }))
      }
      for (const symbol of symbols) {
        if (request.type === "subscribe") topicsOf(client).add(`${channel}:${symbol}`)
        else topicsOf(client).delete(`${channel}:${symbol}`)
      }
      if (request.response === true) client.send(JSON.stringify({ id, type: "ack" }))
      return
    }
    client.send(JSON.stringify({ id, type: "error", code: 400, data: "unknown message type" }))
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    let seq = this.sequence(instrument)
    const numbered: Array<KucoinChange> = changes.map((c) => ({ side: c.side, price: c.price, size: c.size, seq: ++seq }))
    this.push(server, instrument, numbered, withheld)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const instrument = trade.instrument
    // The match takes a book sequence number that changes no level: a price-"0" change.
    const seq = this.sequence(instrument) + 1
    this.push(server, instrument, [{ side: trade.takerSide === BID ? ASK : BID, price: 0, size: 0, seq }], false)
    const frame = encodeMatch({
      instrument,
      takerSide: trade.takerSide,
      price: trade.price,
      size: trade.size,
      tradeId: String(TRADE_ID_BASE + BigInt(trade.id)),
      sequence: seq,
      timeUs: trade.tsUs
    })
    const topic = `/market/match:${instrument.venueSymbol}`
    for (const client of server.subscribers((c) => topicsOf(c).has(topic))) client.send(frame)
  }

  /** Sends one `trade.l2update` (or, withheld, only consumes its sequence numbers). */
  private push(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<KucoinChange>, withheld: boolean): void {
    if (changes.length === 0) return
    this.sequences.set(instrument.venueSymbol, changes.at(-1)!.seq)
    if (withheld) return
    const frame = encodeL2Update(instrument, changes[0]!.seq, changes.at(-1)!.seq, Date.now(), changes)
    const topic = `/market/level2:${instrument.venueSymbol}`
    for (const client of server.subscribers((c) => topicsOf(c).has(topic))) client.send(frame)
  }
}

/** Starts a KuCoin simulator on loopback. */
export const startKucoinSimulator = (options: KucoinSimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(KUCOIN, new KucoinSimulatorProtocol(options.clientPingIntervalMs ?? 18_000), options.instruments ?? KUCOIN_SIM_INSTRUMENTS, options).listen(
    options.port ?? 0
  )
