/**
 * Deribit simulator protocol: `GET /api/v2/public/get_instruments` and the JSON-RPC
 * WebSocket `/ws/api/v2` with `public/set_heartbeat` (then a `test_request` every
 * interval; one left unanswered closes the connection, as Deribit does),
 * `public/test`, `public/subscribe` / `public/unsubscribe` (results list the channels),
 * `book.{instrument}.100ms` notifications — a full snapshot, then changes chained by
 * `change_id`/`prev_change_id` with `new`/`change`/`delete` entries — and
 * `trades.{instrument}.100ms` notifications. Numbers are JSON numbers written exactly,
 * `usIn`/`usOut` are strings, `starbase_timestamp` is ns beyond 2^53.
 *
 * @module
 */
import { type Instrument, ASK, BID } from "@hft/core"
import { type RawJson, RawNumber } from "../json-raw.ts"
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
import { type LevelEntry, TEST_REQUEST, encodeBookNotification, encodeError, encodeResult, encodeTradeNotification, parseRequest } from "./codec.ts"
import { DERIBIT, DERIBIT_SIM_INSTRUMENTS, renderDeribitInstruments } from "./instruments.ts"

/** Options of the Deribit simulator. */
export interface DeribitSimulatorOptions extends SimulatorOptions {
  /** Interval of `test_request`s (ms) instead of the one the client asks for, so tests need not wait 10 s. */
  readonly heartbeatMs?: number
}

/** Control surface of the Deribit simulator. */
export interface DeribitSimulatorHandle extends SimulatorHandle {
  /** `public/test` requests answered so far (replies to `test_request`s, mostly). */
  testResponses(): number
}

const SUBSCRIPTIONS = "subscriptions"
const HEARTBEAT = "heartbeat"
/** First change id, of the order Deribit uses. */
const FIRST_CHANGE_ID = 9_528_167_774

interface HeartbeatState {
  timer: ReturnType<typeof setInterval>
  awaiting: boolean
}

const subscriptionsOf = (client: SimClient): Set<string> => {
  let subs = client.state.get(SUBSCRIPTIONS) as Set<string> | undefined
  if (subs === undefined) {
    subs = new Set()
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

interface InstrumentState {
  changeId: number
  tradeSeq: number
  /** Levels subscribers know of, per side: decides `new` versus `change`. */
  readonly known: [Set<number>, Set<number>]
}

const nowUs = (): number => Date.now() * 1000

class DeribitSimulatorProtocol implements SimulatorProtocol {
  private readonly heartbeatMs: number | undefined
  private readonly states = new Map<string, InstrumentState>()
  testResponses = 0

  constructor(options: DeribitSimulatorOptions) {
    this.heartbeatMs = options.heartbeatMs
  }

  private state(instrument: Instrument): InstrumentState {
    let state = this.states.get(instrument.venueSymbol)
    if (state === undefined) {
      state = { changeId: FIRST_CHANGE_ID, tradeSeq: 296_152_987, known: [new Set(), new Set()] }
      this.states.set(instrument.venueSymbol, state)
    }
    return state
  }

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET" || url.pathname !== "/api/v2/public/get_instruments") return undefined
    const kind = url.searchParams.get("kind")
    const currency = url.searchParams.get("currency") ?? "any"
    const listed = server.instruments.filter(
      (i) => (kind === null || kind === "spot") && (currency === "any" || currency === i.base || currency === i.quote)
    )
    return { status: 200, body: renderDeribitInstruments(listed, nowUs()) }
  }

  onConnect(): void {}

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    const usIn = nowUs()
    const request = parseRequest(text)
    if (request === undefined) return client.send(encodeError(null, -32700, "parse_error", usIn))
    const { id, method, params } = request
    switch (method) {
      case "public/set_heartbeat": {
        const interval = params["interval"]
        const seconds = interval instanceof RawNumber ? interval.toNumber() : NaN
        if (!(seconds >= 10)) return client.send(encodeError(id, 11029, "invalid_arguments", usIn))
        this.startHeartbeat(server, client, this.heartbeatMs ?? seconds * 1000)
        return client.send(encodeResult(id, `"ok"`, usIn))
      }
      case "public/test": {
        this.testResponses++
        const heartbeat = client.state.get(HEARTBEAT) as HeartbeatState | undefined
        if (heartbeat !== undefined) heartbeat.awaiting = false
        return client.send(encodeResult(id, `{"version":"1.2.26"}`, usIn))
      }
      case "public/subscribe":
      case "public/unsubscribe": {
        const channels = this.channels(params["channels"])
        const granted: Array<string> = []
        for (const channel of channels) {
          const instrument = this.instrumentOf(server, channel)
          if (instrument === undefined) continue
          granted.push(channel)
          if (method === "public/subscribe") subscriptionsOf(client).add(channel)
          else subscriptionsOf(client).delete(channel)
        }
        client.send(encodeResult(id, JSON.stringify(granted), usIn))
        if (method === "public/subscribe") {
          for (const channel of granted) if (channel.startsWith("book.")) this.sendSnapshot(server, client, this.instrumentOf(server, channel)!)
        }
        return
      }
      default:
        return client.send(encodeError(id, -32601, "Method not found", usIn))
    }
  }

  private channels(value: RawJson | undefined): Array<string> {
    return Array.isArray(value) ? value.filter((c): c is string => typeof c === "string") : []
  }

  /** The served instrument a `book.X.100ms` / `trades.X.100ms` channel names, if any. */
  private instrumentOf(server: SimulatorServer, channel: string): Instrument | undefined {
    const m = /^(?:book|trades)\.(.+)\.100ms$/.exec(channel)
    return m === null ? undefined : server.byVenueSymbol(m[1]!)
  }

  private startHeartbeat(server: SimulatorServer, client: SimClient, intervalMs: number): void {
    const previous = client.state.get(HEARTBEAT) as HeartbeatState | undefined
    if (previous !== undefined) clearInterval(previous.timer)
    const state: HeartbeatState = {
      awaiting: false,
      timer: setInterval(() => {
        if (!server.clients.has(client)) return clearInterval(state.timer)
        if (state.awaiting) {
          // Deribit closes the connection when a test_request goes unanswered.
          clearInterval(state.timer)
          return client.close()
        }
        state.awaiting = true
        client.send(TEST_REQUEST)
      }, intervalMs)
    }
    state.timer.unref()
    client.state.set(HEARTBEAT, state)
  }

  private sendSnapshot(server: SimulatorServer, client: SimClient, instrument: Instrument): void {
    const book = server.book(instrument.symbol)
    const entries = (side: 0 | 1): Array<LevelEntry> => book.top(side, 100_000).map(([p, s]) => ["new", p, s] as const)
    const header = { type: "snapshot", changeId: this.state(instrument).changeId, timestampMs: Date.now() } as const
    client.send(encodeBookNotification(instrument, header, entries(BID), entries(ASK)))
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const state = this.state(instrument)
    const prevChangeId = state.changeId
    // Change ids are not contiguous on Deribit either.
    state.changeId += 1 + changes.length
    const bids: Array<LevelEntry> = []
    const asks: Array<LevelEntry> = []
    for (const c of changes) {
      const known = state.known[c.side]
      const wasKnown = known.has(c.price)
      if (c.size !== 0) known.add(c.price)
      else if (wasKnown) known.delete(c.price)
      // Deribit deletes only levels it has: nothing to say about an absent level removed.
      else continue
      ;(c.side === BID ? bids : asks).push([c.size === 0 ? "delete" : wasKnown ? "change" : "new", c.price, c.size])
    }
    if (withheld) return
    const frame = encodeBookNotification(instrument, { type: "change", changeId: state.changeId, prevChangeId, timestampMs: Date.now() }, bids, asks)
    const channel = `book.${instrument.venueSymbol}.100ms`
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(channel))) client.send(frame)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const state = this.state(trade.instrument)
    state.tradeSeq += 1
    const frame = encodeTradeNotification(trade, state.tradeSeq)
    const channel = `trades.${trade.instrument.venueSymbol}.100ms`
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(channel))) client.send(frame)
  }
}

class DeribitSimulator extends SimulatorServer implements DeribitSimulatorHandle {
  private readonly deribit: DeribitSimulatorProtocol

  constructor(protocol: DeribitSimulatorProtocol, options: DeribitSimulatorOptions) {
    super(DERIBIT, protocol, options.instruments ?? DERIBIT_SIM_INSTRUMENTS, options)
    this.deribit = protocol
  }

  testResponses(): number {
    return this.deribit.testResponses
  }
}

/** Starts a Deribit simulator on loopback. */
export const startDeribitSimulator = (options: DeribitSimulatorOptions): Promise<DeribitSimulatorHandle> =>
  new DeribitSimulator(new DeribitSimulatorProtocol(options), options).listen(options.port ?? 0)
