/**
 * Gemini market data v2 simulator protocol: `GET /v1/symbols`, `GET /v1/symbols/details/{symbol}`,
 * and `/v2/marketdata` — `l2` subscriptions answered with the whole book plus recent
 * trades, then change frames and trade frames, and heartbeats. Like the real v2 feed it
 * has no sequence numbers, so an injected gap is invisible to clients.
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
import { encodeChanges, encodeError, encodeHeartbeat, encodeInitial, encodeTrade } from "./codec.ts"
import { GEMINI, GEMINI_SIM_INSTRUMENTS, renderSymbolDetails, renderSymbols } from "./instruments.ts"

/** Trades kept per symbol for the first frame of a subscription (Gemini sends its last 50). */
const RECENT_TRADES = 50
/** Interval of heartbeats (v2's interval is not documented; v1 sends them every 5 s). */
const HEARTBEAT_MS = 5_000

const SUBSCRIBED = "gemini-l2"

const subscribedOf = (client: SimClient): Set<string> => {
  let set = client.state.get(SUBSCRIBED) as Set<string> | undefined
  if (set === undefined) {
    set = new Set()
    client.state.set(SUBSCRIBED, set)
  }
  return set
}

const symbolsOf = (request: { subscriptions?: unknown }): Array<string> | undefined => {
  if (!Array.isArray(request.subscriptions)) return undefined
  const out: Array<string> = []
  for (const sub of request.subscriptions as Array<{ name?: unknown; symbols?: unknown }>) {
    if (sub?.name !== "l2" || !Array.isArray(sub.symbols)) return undefined
    for (const s of sub.symbols) out.push(String(s))
  }
  return out
}

class GeminiSimulatorProtocol implements SimulatorProtocol {
  private readonly recentTrades = new Map<string, Array<SimTrade>>()
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET") return undefined
    if (url.pathname === "/v1/symbols") return { status: 200, body: renderSymbols(server.instruments) }
    const details = /^\/v1\/symbols\/details\/([^/]+)$/.exec(url.pathname)
    if (details === null) return undefined
    const instrument = server.byVenueSymbol(details[1]!.toUpperCase())
    if (instrument === undefined) return { status: 400, body: encodeError("InvalidSymbol", `Supplied value '${details[1]}' is not a valid symbol`) }
    return { status: 200, body: renderSymbolDetails(instrument) }
  }

  onConnect(server: SimulatorServer, client: SimClient): void {
    if (!client.url.startsWith("/v2/marketdata")) {
      client.send(encodeError("InvalidEndpoint", `no market data at ${client.url}`))
      return client.close()
    }
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(server), HEARTBEAT_MS)
    this.heartbeatTimer.unref()
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    let request: { type?: unknown; subscriptions?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return client.send(encodeError("InvalidJson", "could not parse the request"))
    }
    const symbols = symbolsOf(request)
    if ((request.type !== "subscribe" && request.type !== "unsubscribe") || symbols === undefined) {
      return client.send(encodeError("InvalidRequest", `unsupported request: ${text.slice(0, 100)}`))
    }
    const instruments: Array<Instrument> = []
    for (const symbol of symbols) {
      const instrument = server.byVenueSymbol(symbol.toUpperCase())
      if (instrument === undefined) return client.send(encodeError("NoValidTradingPairs", `no valid trading pair in ${symbols.join(",")}`))
      instruments.push(instrument)
    }
    const subscribed = subscribedOf(client)
    for (const instrument of instruments) {
      if (request.type === "unsubscribe") {
        subscribed.delete(instrument.venueSymbol)
        continue
      }
      subscribed.add(instrument.venueSymbol)
      const book = server.book(instrument.symbol)
      const levels: Array<LevelChange> = [
        ...book.top(BID, book.bids.count).map(([price, size]) => ({ side: BID, price, size })),
        ...book.top(ASK, book.asks.count).map(([price, size]) => ({ side: ASK, price, size }))
      ]
      client.send(encodeInitial(instrument, levels, this.recentTrades.get(instrument.venueSymbol) ?? []))
    }
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    // No sequence numbers to advance: a withheld frame simply never arrives.
    if (withheld) return
    const frame = encodeChanges(instrument, changes)
    for (const client of server.subscribers((c) => subscribedOf(c).has(instrument.venueSymbol))) client.send(frame)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const symbol = trade.instrument.venueSymbol
    const recent = this.recentTrades.get(symbol) ?? []
    recent.unshift(trade)
    recent.length = Math.min(recent.length, RECENT_TRADES)
    this.recentTrades.set(symbol, recent)
    const frame = encodeTrade(trade)
    for (const client of server.subscribers((c) => subscribedOf(c).has(symbol))) client.send(frame)
  }

  private heartbeat(server: SimulatorServer): void {
    if (server.clients.size === 0 && this.heartbeatTimer !== undefined) {
      clearInterval(this.heartbeatTimer)
      this.heartbeatTimer = undefined
      return
    }
    const frame = encodeHeartbeat(Date.now())
    for (const client of server.subscribers((c) => subscribedOf(c).size > 0)) client.send(frame)
  }
}

/** Starts a Gemini market data v2 simulator on loopback. */
export const startGeminiSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(GEMINI, new GeminiSimulatorProtocol(), options.instruments ?? GEMINI_SIM_INSTRUMENTS, options).listen(options.port ?? 0)
