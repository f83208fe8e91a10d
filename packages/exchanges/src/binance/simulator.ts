/**
 * Binance spot simulator protocol: `/api/v3/exchangeInfo`, `/api/v3/depth` and the raw
 * `/ws` stream with `SUBSCRIBE` requests, `<sym>@depth@100ms` diff events carrying
 * `U`/`u` update ids, and `<sym>@trade` events — the same bytes Binance sends.
 *
 * @module
 */
import type { Instrument } from "@hft/core"
import {
  type LevelChange,
  type SimClient,
  type SimTrade,
  type SimulatorHandle,
  type SimulatorOptions,
  type SimulatorProtocol,
  SimulatorServer
} from "../simulator/simulator-server.ts"
import { encodeDepthSnapshot, encodeDepthUpdate, encodeTrade } from "./codec.ts"
import { BINANCE, BINANCE_SIM_INSTRUMENTS, renderExchangeInfo } from "./instruments.ts"

const SUBSCRIPTIONS = "subscriptions"

const subscriptionsOf = (client: SimClient): Set<string> => {
  let subs = client.state.get(SUBSCRIPTIONS) as Set<string> | undefined
  if (subs === undefined) {
    subs = new Set()
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

class BinanceSimulatorProtocol implements SimulatorProtocol {
  /** Last update id published per venue symbol; starts high like the real venue. */
  private readonly updateIds = new Map<string, number>()

  private lastId(instrument: Instrument): number {
    return this.updateIds.get(instrument.venueSymbol) ?? 1_000_000
  }

  http(server: SimulatorServer, method: string, url: URL): { status: number; body: string; snapshot?: boolean } | undefined {
    if (method !== "GET") return undefined
    if (url.pathname === "/api/v3/exchangeInfo") {
      const wanted = url.searchParams.get("symbols")
      const names = wanted === null ? undefined : new Set(JSON.parse(wanted) as Array<string>)
      return { status: 200, body: renderExchangeInfo(server.instruments.filter((i) => names === undefined || names.has(i.venueSymbol))) }
    }
    if (url.pathname === "/api/v3/depth") {
      const instrument = server.byVenueSymbol(url.searchParams.get("symbol") ?? "")
      if (instrument === undefined) return { status: 400, body: `{"code":-1121,"msg":"Invalid symbol."}` }
      const limit = Math.min(5000, Number(url.searchParams.get("limit") ?? "100"))
      const book = server.book(instrument.symbol)
      return {
        status: 200,
        snapshot: true,
        body: encodeDepthSnapshot(instrument, this.lastId(instrument), book.top(0, limit), book.top(1, limit))
      }
    }
    return undefined
  }

  onConnect(): void {}

  onMessage(_server: SimulatorServer, client: SimClient, text: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      client.send(`{"code":2,"msg":"Invalid JSON"}`)
      return
    }
    const id = JSON.stringify(request.id ?? null)
    if (request.method === "SUBSCRIBE" && Array.isArray(request.params)) {
      for (const stream of request.params) subscriptionsOf(client).add(String(stream))
      client.send(`{"result":null,"id":${id}}`)
    } else if (request.method === "UNSUBSCRIBE" && Array.isArray(request.params)) {
      for (const stream of request.params) subscriptionsOf(client).delete(String(stream))
      client.send(`{"result":null,"id":${id}}`)
    } else {
      client.send(`{"code":2,"msg":"Invalid request","id":${id}}`)
    }
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const first = this.lastId(instrument) + 1
    const last = first + changes.length - 1
    this.updateIds.set(instrument.venueSymbol, last)
    if (withheld) return
    const stream = `${instrument.venueSymbol.toLowerCase()}@depth@100ms`
    const frame = encodeDepthUpdate(instrument, first, last, Date.now(), changes)
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(stream))) client.send(frame)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const stream = `${trade.instrument.venueSymbol.toLowerCase()}@trade`
    const frame = encodeTrade(trade)
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(stream))) client.send(frame)
  }
}

/** Starts a Binance simulator on loopback. */
export const startBinanceSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(BINANCE, new BinanceSimulatorProtocol(), options.instruments ?? BINANCE_SIM_INSTRUMENTS, options).listen(
    options.port ?? 0
  )
