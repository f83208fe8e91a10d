/**
 * Shared plumbing of the exchange simulators: an HTTP + WebSocket server on loopback,
 * the true books of every simulated instrument, batching of level changes into diff
 * frames, and fault injection. Each venue plugs in a {@link SimulatorProtocol} that
 * speaks its wire format.
 *
 * @module
 */
import { type Instrument, type Side, BID, OrderBook } from "@hft/core"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { WebSocket, WebSocketServer } from "ws"

/** Options common to every venue simulator. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number
  /** Instruments to serve; the venue's defaults when absent. */
  readonly instruments?: ReadonlyArray<Instrument>
  /** Delay before answering book snapshot requests (ms). */
  readonly snapshotDelayMs?: number
  /** Interval of server-side WebSocket ping frames (ms); 0 disables. */
  readonly pingIntervalMs?: number
}

/** A change to one level since the last flush. */
export interface LevelChange {
  /** 0 = bid, 1 = ask. */
  readonly side: Side
  /** Price in price units. */
  readonly price: number
  /** New absolute size in size units (0 = removed). */
  readonly size: number
}

/** A trade to publish. */
export interface SimTrade {
  /** Instrument traded. */
  readonly instrument: Instrument
  /** Taker side. */
  readonly takerSide: Side
  /** Price units. */
  readonly price: number
  /** Size units. */
  readonly size: number
  /** Exchange time, µs since the epoch. */
  readonly tsUs: number
  /** Venue trade id, increasing per instrument. */
  readonly id: number
}

/** One connected WebSocket client, as a protocol sees it. */
export interface SimClient {
  /** Path and query the client connected to. */
  readonly url: string
  /** Sends a text frame (subject to injected faults). */
  send(text: string): void
  /** Per-connection state a protocol keeps (subscriptions, sequence numbers). */
  readonly state: Map<string, unknown>
  /** Closes the connection. */
  close(): void
}

/** An HTTP answer. */
export interface SimHttpResponse {
  /** Status code. */
  readonly status: number
  /** JSON text. */
  readonly body: string
  /** Whether this is a book snapshot (delayed by `snapshotDelayMs`). */
  readonly snapshot?: boolean
}

/** A venue's wire protocol, plugged into {@link SimulatorServer}. */
export interface SimulatorProtocol {
  /** Answers an HTTP request, or undefined for 404. */
  http(server: SimulatorServer, method: string, url: URL, body: string): SimHttpResponse | undefined
  /** A client connected (send welcome frames here). */
  onConnect(server: SimulatorServer, client: SimClient): void
  /** A client sent a text frame (subscribe, ping, …). */
  onMessage(server: SimulatorServer, client: SimClient, text: string): void
  /**
   * Publishes one batch of changes of one instrument to the subscribed clients.
   * `withheld` is true when a gap is being injected: advance sequence numbers as if
   * the frame was sent, but do not send it.
   */
  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void
  /** Publishes a trade to the subscribed clients. */
  publishTrade(server: SimulatorServer, trade: SimTrade): void
  /** Makes the next checksum sent for `instrument` wrong (venues without checksums ignore it). */
  corruptNextChecksum?(instrument: Instrument): void
}

/** Control surface of a running simulator: market input, truth, fault injection. */
export interface SimulatorHandle {
  /** Venue id. */
  readonly venue: string
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string
  /** `http://127.0.0.1:<port>`. */
  readonly restUrl: string
  /** Instruments served. */
  readonly instruments: ReadonlyArray<Instrument>
  /** Sets the absolute size at a level (0 deletes); published at the next flush. */
  setLevel(symbol: string, side: Side, price: number, size: number): void
  /** Publishes a trade now. */
  trade(symbol: string, takerSide: Side, price: number, size: number, tsUs: number): void
  /** Publishes the pending changes of every instrument as diff frames. */
  flush(): void
  /** The simulator's true book of a canonical symbol. */
  book(symbol: string): OrderBook
  /** Number of connected clients. */
  clientCount(): number
  /** Fault injection. */
  readonly faults: SimulatorFaults
  /** Stops the server and drops every client. */
  close(): Promise<void>
}

/** Faults a test or demo can inject. */
export interface SimulatorFaults {
  /** Drops every WebSocket connection abruptly. */
  dropConnections(): void
  /** The next batch of `symbol` is not sent, but sequence numbers advance: a gap. */
  gap(symbol: string): void
  /** The next frame to each client is cut in half (invalid JSON); its content is lost. */
  malformed(): void
  /** The next checksum sent for `symbol` is wrong (venues with checksums). */
  badChecksum(symbol: string): void
  /** Sets the delay before book snapshots are answered (ms). */
  setSnapshotDelay(ms: number): void
}

interface InstrumentState {
  readonly instrument: Instrument
  readonly book: OrderBook
  readonly pending: Map<number, LevelChange>
  nextTradeId: number
  withholdNext: boolean
}

const pendingKey = (side: Side, price: number): number => (side === BID ? price : -price - 1)

/** The loopback server behind every venue simulator. */
export class SimulatorServer implements SimulatorHandle {
  readonly venue: string
  readonly instruments: ReadonlyArray<Instrument>
  readonly faults: SimulatorFaults
  wsUrl = ""
  restUrl = ""
  /** Connected clients. */
  readonly clients = new Set<SimClient>()
  private readonly states = new Map<string, InstrumentState>()
  private readonly http: Server
  private readonly wss: WebSocketServer
  private readonly protocol: SimulatorProtocol
  private snapshotDelayMs: number
  private malformedPending = new WeakSet<SimClient>()
  private pingTimer: ReturnType<typeof setInterval> | undefined

  constructor(venue: string, protocol: SimulatorProtocol, instruments: ReadonlyArray<Instrument>, options: SimulatorOptions) {
    this.venue = venue
    this.protocol = protocol
    this.instruments = instruments
    this.snapshotDelayMs = options.snapshotDelayMs ?? 0
    for (const instrument of instruments) {
      this.states.set(instrument.symbol, {
        instrument,
        book: new OrderBook(),
        pending: new Map(),
        nextTradeId: 1,
        withholdNext: false
      })
    }
    this.http = createServer((req, res) => this.onHttp(req, res))
    this.wss = new WebSocketServer({ server: this.http })
    this.wss.on("connection", (socket, req) => this.onConnection(socket, req))
    const server = this
    this.faults = {
      dropConnections() {
        for (const socket of server.wss.clients) socket.terminate()
      },
      gap(symbol) {
        server.state(symbol).withholdNext = true
      },
      malformed() {
        for (const client of server.clients) server.malformedPending.add(client)
      },
      badChecksum(symbol) {
        server.protocol.corruptNextChecksum?.(server.state(symbol).instrument)
      },
      setSnapshotDelay(ms) {
        server.snapshotDelayMs = ms
      }
    }
    const pingIntervalMs = options.pingIntervalMs ?? 20_000
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => {
        for (const socket of this.wss.clients) if (socket.readyState === WebSocket.OPEN) socket.ping()
      }, pingIntervalMs)
      this.pingTimer.unref()
    }
  }

  /** Starts listening on 127.0.0.1. */
  listen(port: number): Promise<this> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject)
      this.http.listen(port, "127.0.0.1", () => {
        const address = this.http.address() as AddressInfo
        this.wsUrl = `ws://127.0.0.1:${address.port}`
        this.restUrl = `http://127.0.0.1:${address.port}`
        resolve(this)
      })
    })
  }

  private state(symbol: string): InstrumentState {
    const state = this.states.get(symbol)
    if (state === undefined) throw new Error(`${this.venue} simulator does not serve ${symbol}`)
    return state
  }

  /** The instrument with this venue symbol, if served. */
  byVenueSymbol(venueSymbol: string): Instrument | undefined {
    for (const state of this.states.values()) if (state.instrument.venueSymbol === venueSymbol) return state.instrument
    return undefined
  }

  book(symbol: string): OrderBook {
    return this.state(symbol).book
  }

  clientCount(): number {
    return this.clients.size
  }

  setLevel(symbol: string, side: Side, price: number, size: number): void {
    const state = this.state(symbol)
    state.book.setLevel(side, price, size)
    state.pending.set(pendingKey(side, price), { side, price, size })
  }

  trade(symbol: string, takerSide: Side, price: number, size: number, tsUs: number): void {
    const state = this.state(symbol)
    this.protocol.publishTrade(this, { instrument: state.instrument, takerSide, price, size, tsUs, id: state.nextTradeId++ })
  }

  flush(): void {
    for (const state of this.states.values()) {
      if (state.pending.size === 0) continue
      const changes = [...state.pending.values()]
      state.pending.clear()
      const withheld = state.withholdNext
      state.withholdNext = false
      this.protocol.publishChanges(this, state.instrument, changes, withheld)
    }
  }

  /** Clients for which `predicate` holds (e.g. subscribed to a channel). */
  *subscribers(predicate: (client: SimClient) => boolean): Iterable<SimClient> {
    for (const client of this.clients) if (predicate(client)) yield client
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (body += chunk))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      let answer: SimHttpResponse | undefined
      try {
        answer = this.protocol.http(this, req.method ?? "GET", url, body)
      } catch (error) {
        answer = { status: 400, body: JSON.stringify({ error: String(error) }) }
      }
      const reply = answer ?? { status: 404, body: JSON.stringify({ error: "not found" }) }
      const send = () => {
        res.writeHead(reply.status, { "content-type": "application/json" })
        res.end(reply.body)
      }
      if (reply.snapshot === true && this.snapshotDelayMs > 0) setTimeout(send, this.snapshotDelayMs)
      else send()
    })
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const server = this
    const client: SimClient = {
      url: req.url ?? "/",
      state: new Map(),
      send(text) {
        if (socket.readyState !== WebSocket.OPEN) return
        if (server.malformedPending.has(client)) {
          server.malformedPending.delete(client)
          socket.send(text.slice(0, Math.max(1, text.length >> 1)))
          return
        }
        socket.send(text)
      },
      close() {
        socket.close()
      }
    }
    this.clients.add(client)
    socket.on("message", (data) => this.protocol.onMessage(this, client, data.toString()))
    socket.on("close", () => this.clients.delete(client))
    socket.on("error", () => this.clients.delete(client))
    this.protocol.onConnect(this, client)
  }

  close(): Promise<void> {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer)
    for (const socket of this.wss.clients) socket.terminate()
    return new Promise((resolve) => {
      this.wss.close(() => this.http.close(() => resolve()))
      this.http.closeAllConnections()
    })
  }
}
