/**
 * Coinbase Advanced Trade simulator protocol: the public products list (with the
 * `-USDC` aliases) and the market-data WebSocket — one channel per subscribe message,
 * `subscriptions` acks, `level2` snapshot then `l2_data` updates, `market_trades`
 * batches newest first, `heartbeats` every second, a connection-wide `sequence_num`
 * across all channels, and disconnection of clients that do not subscribe within 5 s.
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
import { encodeError, encodeHeartbeat, encodeLevel2, encodeSubscriptions, encodeTrades } from "./codec.ts"
import { COINBASE, COINBASE_SIM_INSTRUMENTS, PRODUCTS_PATH, USD_ALIAS_QUOTE, renderProducts } from "./instruments.ts"

/** Coinbase closes connections that have not subscribed within this long. */
const SUBSCRIBE_DEADLINE_MS = 5_000
/** Trades kept per product for the `market_trades` snapshot. */
const RECENT_TRADES = 50

const CHANNELS = ["level2", "market_trades", "heartbeats"] as const
type Channel = (typeof CHANNELS)[number]

/** Per-connection state. */
interface Connection {
  nextSequence: number
  heartbeatCounter: number
  readonly subscriptions: Map<Channel, Set<string>>
}

const STATE = "coinbase"

const connectionOf = (client: SimClient): Connection => {
  let c = client.state.get(STATE) as Connection | undefined
  if (c === undefined) {
    c = { nextSequence: 0, heartbeatCounter: 0, subscriptions: new Map(CHANNELS.map((ch) => [ch, new Set<string>()])) }
    client.state.set(STATE, c)
  }
  return c
}

const nowUs = (): number => Date.now() * 1000

class CoinbaseSimulatorProtocol implements SimulatorProtocol {
  private readonly recentTrades = new Map<string, Array<SimTrade>>()
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET" || url.pathname !== PRODUCTS_PATH) return undefined
    return { status: 200, body: renderProducts(server.instruments) }
  }

  onConnect(server: SimulatorServer, client: SimClient): void {
    connectionOf(client)
    setTimeout(() => {
      const subscribed = [...connectionOf(client).subscriptions.values()].some((s) => s.size > 0)
      if (!subscribed && server.clients.has(client)) client.close()
    }, SUBSCRIBE_DEADLINE_MS).unref()
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(server), 1000)
    this.heartbeatTimer.unref()
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: { type?: unknown; channel?: unknown; product_ids?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return client.send(encodeError("failed to parse request"))
    }
    const channel = request.channel as Channel
    if ((request.type !== "subscribe" && request.type !== "unsubscribe") || !CHANNELS.includes(channel)) {
      return client.send(encodeError(`unsupported request: ${text.slice(0, 100)}`))
    }
    const connection = connectionOf(client)
    const set = connection.subscriptions.get(channel)!
    if (channel === "heartbeats") {
      if (request.type === "subscribe") set.add("heartbeats")
      else set.clear()
      return this.ack(client, connection)
    }
    const ids = Array.isArray(request.product_ids) ? (request.product_ids as Array<unknown>) : []
    const instruments: Array<Instrument> = []
    for (const id of ids) {
      const instrument = this.streamInstrument(server, String(id))
      if (instrument === undefined) return client.send(encodeError(`unknown product id ${String(id)}`))
      instruments.push(instrument)
    }
    if (request.type === "unsubscribe") {
      if (ids.length === 0) set.clear()
      for (const i of instruments) set.delete(i.venueSymbol)
      return this.ack(client, connection)
    }
    for (const i of instruments) {
      set.add(i.venueSymbol)
      // The data snapshot goes out before the acknowledgement, as seen live.
      if (channel === "level2") this.sendBookSnapshot(server, client, connection, i)
      else this.send(client, connection, (seq) => encodeTrades(i.venueSymbol, seq, nowUs(), true, this.recentTrades.get(i.venueSymbol) ?? []))
    }
    this.ack(client, connection)
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    for (const client of this.subscribers(server, "level2", instrument.venueSymbol)) {
      const connection = connectionOf(client)
      // A withheld frame still uses up its sequence number: the gap the client must see.
      if (withheld) connection.nextSequence++
      else this.send(client, connection, (seq) => encodeLevel2(instrument.venueSymbol, instrument, seq, nowUs(), false, changes))
    }
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const product = trade.instrument.venueSymbol
    const recent = this.recentTrades.get(product) ?? []
    recent.unshift(trade)
    recent.length = Math.min(recent.length, RECENT_TRADES)
    this.recentTrades.set(product, recent)
    for (const client of this.subscribers(server, "market_trades", product)) {
      this.send(client, connectionOf(client), (seq) => encodeTrades(product, seq, nowUs(), false, [trade]))
    }
  }

  /** The instrument whose stream serves a product id: itself, or the USD book a `-USDC` id is an alias of. */
  private streamInstrument(server: SimulatorServer, productId: string): Instrument | undefined {
    const own = server.byVenueSymbol(productId)
    if (own !== undefined) return own
    const aliased = server.instruments.find((i) => i.quote === "USD" && `${i.base}-${USD_ALIAS_QUOTE}` === productId)
    return aliased
  }

  private sendBookSnapshot(server: SimulatorServer, client: SimClient, connection: Connection, instrument: Instrument): void {
    const book = server.book(instrument.symbol)
    const levels = [
      ...book.top(BID, book.bids.count).map(([price, size]) => ({ side: BID, price, size })),
      ...book.top(ASK, book.asks.count).map(([price, size]) => ({ side: ASK, price, size }))
    ]
    this.send(client, connection, (seq) => encodeLevel2(instrument.venueSymbol, instrument, seq, nowUs(), true, levels))
  }

  private ack(client: SimClient, connection: Connection): void {
    const listed: Record<string, Array<string>> = {}
    for (const [channel, set] of connection.subscriptions) if (set.size > 0) listed[channel] = [...set]
    this.send(client, connection, (seq) => encodeSubscriptions(seq, nowUs(), listed))
  }

  private heartbeat(server: SimulatorServer): void {
    if (server.clients.size === 0 && this.heartbeatTimer !== undefined) {
      clearInterval(this.heartbeatTimer)
      this.heartbeatTimer = undefined
      return
    }
    for (const client of this.subscribers(server, "heartbeats", "heartbeats")) {
      const connection = connectionOf(client)
      this.send(client, connection, (seq) => encodeHeartbeat(seq, nowUs(), connection.heartbeatCounter++))
    }
  }

  /** Sends a frame stamped with the connection's next sequence number. */
  private send(client: SimClient, connection: Connection, frame: (sequence: number) => string): void {
    client.send(frame(connection.nextSequence++))
  }

  private subscribers(server: SimulatorServer, channel: Channel, product: string): Iterable<SimClient> {
    return server.subscribers((c) => connectionOf(c).subscriptions.get(channel)!.has(product))
  }
}

/** Starts a Coinbase Advanced Trade simulator on loopback. */
export const startCoinbaseSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(COINBASE, new CoinbaseSimulatorProtocol(), options.instruments ?? COINBASE_SIM_INSTRUMENTS, options).listen(
    options.port ?? 0
  )
