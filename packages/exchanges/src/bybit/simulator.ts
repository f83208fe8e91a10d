/**
 * Bybit spot simulator protocol: `GET /v5/market/instruments-info`, and the public spot
 * stream with `op` requests (subscribe/unsubscribe acks, pongs), `orderbook.{depth}.{symbol}`
 * messages and `publicTrade.{symbol}` batches — the bytes Bybit sends.
 *
 * Each book topic is a view of the top `depth` levels of the true book with its own update
 * id `u`: a flush publishes the difference between the new view and the last one as one
 * delta with `u` + 1 (levels that leave the window are deleted with size "0", levels that
 * enter it are sent), and a subscribe is answered with a snapshot of the view. Depth 1 is
 * snapshot-only, as on Bybit.
 *
 * @module
 */
import { type Instrument, type Level, type OrderBook, ASK, BID } from "@hft/core"
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
import { BOOK_TOPIC, SPOT_DEPTHS, TRADE_TOPIC, encodeBookMessage, encodeReply, encodeTrades, tradeTopic } from "./codec.ts"
import { BYBIT, BYBIT_SIM_INSTRUMENTS, renderInstrumentsInfo } from "./instruments.ts"

const SUBSCRIPTIONS = "subscriptions"
const CONN_ID = "connId"

const subscriptionsOf = (client: SimClient): Set<string> => {
  let subs = client.state.get(SUBSCRIPTIONS) as Set<string> | undefined
  if (subs === undefined) {
    subs = new Set()
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

/** The published top-of-book window of one `orderbook.{depth}.{symbol}` topic. */
interface TopicView {
  readonly instrument: Instrument
  readonly depth: number
  updateId: number
  bids: Array<Level>
  asks: Array<Level>
}

/** Changes that turn `before` into `after`: new or resized levels, then removed ones at size 0. */
const levelChanges = (before: ReadonlyArray<Level>, after: ReadonlyArray<Level>): Array<Level> => {
  const old = new Map(before)
  const kept = new Set<number>()
  const out: Array<Level> = []
  for (const [price, size] of after) {
    kept.add(price)
    if (old.get(price) !== size) out.push([price, size])
  }
  for (const [price] of before) if (!kept.has(price)) out.push([price, 0])
  return out
}

class BybitSimulatorProtocol implements SimulatorProtocol {
  private readonly views = new Map<string, TopicView>()
  private readonly gapsPending = new Set<Instrument>()
  private crossSeq = 7_961_638_724
  private connections = 0

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET" || url.pathname !== "/v5/market/instruments-info") return undefined
    if (url.searchParams.get("category") !== "spot") {
      return { status: 200, body: `{"retCode":10001,"retMsg":"params error: this simulator serves category=spot","result":{},"retExtInfo":{},"time":${Date.now()}}` }
    }
    const symbol = url.searchParams.get("symbol")
    return { status: 200, body: renderInstrumentsInfo(server.instruments.filter((i) => symbol === null || i.venueSymbol === symbol)) }
  }

  onConnect(_server: SimulatorServer, client: SimClient): void {
    client.state.set(CONN_ID, `sim-${++this.connections}`)
  }

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    const connId = client.state.get(CONN_ID) as string
    let request: { op?: unknown; args?: unknown; req_id?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      client.send(encodeReply("", false, "error:request not valid json", connId, ""))
      return
    }
    const reqId = typeof request.req_id === "string" ? request.req_id : ""
    const op = String(request.op)
    if (op === "ping") return client.send(encodeReply("ping", true, "pong", connId, reqId))
    if ((op !== "subscribe" && op !== "unsubscribe") || !Array.isArray(request.args)) {
      return client.send(encodeReply(op, false, `error:handler not found, op:${op}`, connId, reqId))
    }
    const topics = (request.args as ReadonlyArray<unknown>).map(String)
    const subs = subscriptionsOf(client)
    if (op === "unsubscribe") {
      for (const topic of topics) subs.delete(topic)
      return client.send(encodeReply(op, true, "", connId, reqId))
    }
    const unknown = topics.find((t) => this.resolve(server, t) === undefined)
    if (unknown !== undefined) return client.send(encodeReply(op, false, `error:handler not found,topic:${unknown}`, connId, reqId))
    const again = topics.find((t) => subs.has(t))
    if (again !== undefined) return client.send(encodeReply(op, false, `error:already subscribed,topic:${again}`, connId, reqId))
    for (const topic of topics) subs.add(topic)
    client.send(encodeReply(op, true, "subscribe", connId, reqId))
    for (const topic of topics) {
      if (!topic.startsWith(BOOK_TOPIC)) continue
      const view = this.view(server, topic)
      client.send(encodeBookMessage(view.instrument, view.depth, true, view.updateId, this.crossSeq, Date.now(), view.bids, view.asks))
    }
  }

  /** The instrument a topic this simulator serves refers to. */
  private resolve(server: SimulatorServer, topic: string): Instrument | undefined {
    if (topic.startsWith(TRADE_TOPIC)) return server.byVenueSymbol(topic.slice(TRADE_TOPIC.length))
    if (!topic.startsWith(BOOK_TOPIC)) return undefined
    const [depth, symbol] = topic.slice(BOOK_TOPIC.length).split(".")
    return SPOT_DEPTHS.includes(Number(depth)) ? server.byVenueSymbol(symbol ?? "") : undefined
  }

  /** The view of a book topic, created from the true book the first time it is asked for. */
  private view(server: SimulatorServer, topic: string): TopicView {
    let view = this.views.get(topic)
    if (view === undefined) {
      const instrument = this.resolve(server, topic)!
      const depth = Number(topic.slice(BOOK_TOPIC.length).split(".")[0])
      const book = server.book(instrument.symbol)
      view = { instrument, depth, updateId: 18_521_288, bids: book.top(BID, depth), asks: book.top(ASK, depth) }
      this.views.set(topic, view)
    }
    return view
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, _changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    // A gap withholds the next message that exists: a flush that moves no window sends nothing to withhold.
    if (withheld) this.gapsPending.add(instrument)
    const book: OrderBook = server.book(instrument.symbol)
    let published = false
    for (const [topic, view] of this.views) {
      if (view.instrument !== instrument) continue
      const bids = book.top(BID, view.depth)
      const asks = book.top(ASK, view.depth)
      const bidChanges = levelChanges(view.bids, bids)
      const askChanges = levelChanges(view.asks, asks)
      if (bidChanges.length === 0 && askChanges.length === 0) continue
      view.bids = bids
      view.asks = asks
      view.updateId++
      this.crossSeq += 1 + bidChanges.length + askChanges.length
      published = true
      if (this.gapsPending.has(instrument)) continue
      const frame =
        view.depth === 1
          ? encodeBookMessage(instrument, 1, true, view.updateId, this.crossSeq, Date.now(), bids, asks)
          : encodeBookMessage(instrument, view.depth, false, view.updateId, this.crossSeq, Date.now(), bidChanges, askChanges)
      for (const client of server.subscribers((c) => subscriptionsOf(c).has(topic))) client.send(frame)
    }
    if (published) this.gapsPending.delete(instrument)
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const topic = tradeTopic(trade.instrument)
    const frame = encodeTrades(trade.instrument, [trade], ++this.crossSeq, Math.floor(trade.tsUs / 1000))
    for (const client of server.subscribers((c) => subscriptionsOf(c).has(topic))) client.send(frame)
  }
}

/** Starts a Bybit spot simulator on loopback. */
export const startBybitSimulator = (options: SimulatorOptions): Promise<SimulatorHandle> =>
  new SimulatorServer(BYBIT, new BybitSimulatorProtocol(), options.instruments ?? BYBIT_SIM_INSTRUMENTS, options).listen(options.port ?? 0)
