/**
 * OKX v5 simulator protocol: `GET /api/v5/public/instruments`, `GET /api/v5/market/books`
 * (with `seqId`), and `/ws/v5/public` with `subscribe`/`unsubscribe` ops and their event
 * acks or `error` events, text `ping` → `pong`, `books` pushes carrying
 * `seqId`/`prevSeqId` (non-contiguous ids, idle updates, sequence resets) and `trades`
 * pushes — the same bytes OKX sends. Snapshot mode and checksums are options: by default
 * a WS snapshot follows the subscribe ack and the checksum is 0, as on OKX today.
 *
 * @module
 */
import type { Instrument } from "@hft/core"
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
import { LevelTexts } from "../level-texts.ts"
import { CHECKSUM_DEPTH, okxChecksum } from "./checksum.ts"
import { OKX_BOOK_DEPTH, encodeBook, encodeRestBook, encodeTrade, okxPrice, okxSize, sortedChanges } from "./codec.ts"
import { OKX, OKX_SIM_INSTRUMENTS, renderOkxInstruments } from "./instruments.ts"

/** Options of the OKX simulator. */
export interface OkxSimulatorOptions extends SimulatorOptions {
  /**
   * `ws` (default): a `snapshot` push follows the `books` subscribe ack. `rest`: no WS
   * snapshot (OKX's announced change); the book comes from `GET /api/v5/market/books`.
   */
  readonly snapshotMode?: "ws" | "rest"
  /** Send real checksums instead of 0 (OKX's value since the field's deprecation). */
  readonly checksums?: boolean
}

/** Control surface of the OKX simulator. */
export interface OkxSimulatorHandle extends SimulatorHandle {
  /** Pushes the idle update OKX sends after ~60 s without changes: no levels, `prevSeqId == seqId`. */
  idleUpdate(symbol: string): void
  /** Makes the next update reset the sequence lower, as after maintenance (`seqId < prevSeqId`). */
  resetSequence(symbol: string): void
}

const SUBSCRIPTIONS = "subscriptions"
const CONN_ID = "connId"
/** First sequence id, of the order OKX uses. */
const FIRST_SEQ_ID = 79_706_765_242
/** Where the sequence restarts after a simulated maintenance. */
const RESET_SEQ_ID = 3

const subscriptionsOf = (client: SimClient): Set<string> => {
  let subs = client.state.get(SUBSCRIPTIONS) as Set<string> | undefined
  if (subs === undefined) {
    subs = new Set()
    client.state.set(SUBSCRIPTIONS, subs)
  }
  return subs
}

const connIdOf = (client: SimClient): string => {
  let id = client.state.get(CONN_ID) as string | undefined
  if (id === undefined) {
    id = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0")
    client.state.set(CONN_ID, id)
  }
  return id
}

interface InstrumentSeq {
  seqId: number
  tradeSeqId: number
  resetPending: boolean
  corruptNext: boolean
}

class OkxSimulatorProtocol implements SimulatorProtocol {
  private readonly mode: "ws" | "rest"
  private readonly checksums: boolean
  private readonly seqs = new Map<string, InstrumentSeq>()

  constructor(options: OkxSimulatorOptions) {
    this.mode = options.snapshotMode ?? "ws"
    this.checksums = options.checksums ?? false
  }

  private seq(instrument: Instrument): InstrumentSeq {
    let seq = this.seqs.get(instrument.venueSymbol)
    if (seq === undefined) {
      seq = { seqId: FIRST_SEQ_ID, tradeSeqId: FIRST_SEQ_ID, resetPending: false, corruptNext: false }
      this.seqs.set(instrument.venueSymbol, seq)
    }
    return seq
  }

  http(server: SimulatorServer, method: string, url: URL): SimHttpResponse | undefined {
    if (method !== "GET") return undefined
    if (url.pathname === "/api/v5/public/instruments") {
      if (url.searchParams.get("instType") !== "SPOT") return { status: 200, body: `{"code":"51000","msg":"Parameter instType error","data":[]}` }
      return { status: 200, body: renderOkxInstruments(server.instruments) }
    }
    if (url.pathname === "/api/v5/market/books") {
      const instrument = server.byVenueSymbol(url.searchParams.get("instId") ?? "")
      if (instrument === undefined) return { status: 200, body: `{"code":"51001","msg":"Instrument ID doesn't exist.","data":[]}` }
      const sz = Math.min(OKX_BOOK_DEPTH, Number(url.searchParams.get("sz") ?? "1"))
      const book = server.book(instrument.symbol)
      return { status: 200, snapshot: true, body: encodeRestBook(instrument, this.seq(instrument).seqId, Date.now(), book.top(0, sz), book.top(1, sz)) }
    }
    return undefined
  }

  onConnect(): void {}

  onMessage(server: SimulatorServer, client: SimClient, text: string): void {
    if (text === "ping") return client.send("pong")
    let request: { id?: unknown; op?: unknown; args?: unknown }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return client.send(this.error(client, undefined, "60012", `Invalid request: ${text.slice(0, 100)}`))
    }
    const id = typeof request.id === "string" ? request.id : undefined
    if ((request.op !== "subscribe" && request.op !== "unsubscribe") || !Array.isArray(request.args)) {
      return client.send(this.error(client, id, "60012", `Invalid request: ${text.slice(0, 100)}`))
    }
    for (const arg of request.args as ReadonlyArray<{ channel?: unknown; instId?: unknown }>) {
      const instrument = typeof arg.instId === "string" ? server.byVenueSymbol(arg.instId) : undefined
      if ((arg.channel !== "books" && arg.channel !== "trades") || instrument === undefined) {
        client.send(
          this.error(client, id, "60018", `Wrong URL or channel:${String(arg.channel)},instId:${String(arg.instId)} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`)
        )
        continue
      }
      const key = `${arg.channel}:${instrument.venueSymbol}`
      if (request.op === "subscribe") subscriptionsOf(client).add(key)
      else subscriptionsOf(client).delete(key)
      const idPart = id === undefined ? "" : `"id":"${id}",`
      client.send(`{${idPart}"event":"${request.op}","arg":{"channel":"${arg.channel}","instId":"${instrument.venueSymbol}"},"connId":"${connIdOf(client)}"}`)
      if (request.op === "subscribe" && arg.channel === "books" && this.mode === "ws") this.sendSnapshot(server, client, instrument)
    }
  }

  private error(client: SimClient, id: string | undefined, code: string, msg: string): string {
    return JSON.stringify({ ...(id === undefined ? {} : { id }), event: "error", code, msg, connId: connIdOf(client) })
  }

  private sendSnapshot(server: SimulatorServer, client: SimClient, instrument: Instrument): void {
    const book = server.book(instrument.symbol)
    const header = { action: "snapshot", seqId: this.seq(instrument).seqId, prevSeqId: -1, checksum: this.checksum(server, instrument), tsMs: Date.now() } as const
    client.send(encodeBook(instrument, header, book.top(0, OKX_BOOK_DEPTH), book.top(1, OKX_BOOK_DEPTH)))
  }

  /** The checksum of the true book as this simulator renders it (0 when checksums are off). */
  private checksum(server: SimulatorServer, instrument: Instrument): number {
    if (!this.checksums) return 0
    const book = server.book(instrument.symbol)
    const texts = new LevelTexts()
    for (const side of [0, 1] as const) {
      for (const [price, size] of book.top(side, CHECKSUM_DEPTH)) texts.set(side, price, size, okxPrice(instrument, price), okxSize(instrument, size))
    }
    const value = okxChecksum(book, texts)!
    const seq = this.seq(instrument)
    if (!seq.corruptNext) return value
    seq.corruptNext = false
    return value ^ 1
  }

  private subscribers(server: SimulatorServer, key: string): Iterable<SimClient> {
    return server.subscribers((c) => subscriptionsOf(c).has(key))
  }

  publishChanges(server: SimulatorServer, instrument: Instrument, changes: ReadonlyArray<LevelChange>, withheld: boolean): void {
    const seq = this.seq(instrument)
    const prevSeqId = seq.seqId
    // Ids are not contiguous on OKX: step by a few.
    seq.seqId = seq.resetPending ? RESET_SEQ_ID : prevSeqId + 1 + (changes.length % 4)
    seq.resetPending = false
    if (withheld) return
    const { bids, asks } = sortedChanges(changes)
    const header = { action: "update", seqId: seq.seqId, prevSeqId, checksum: this.checksum(server, instrument), tsMs: Date.now() } as const
    const frame = encodeBook(instrument, header, bids, asks)
    for (const client of this.subscribers(server, `books:${instrument.venueSymbol}`)) client.send(frame)
  }

  /** Pushes an update without levels whose `prevSeqId` equals its `seqId`. */
  idleUpdate(server: SimulatorServer, instrument: Instrument): void {
    const seqId = this.seq(instrument).seqId
    const header = { action: "update", seqId, prevSeqId: seqId, checksum: this.checksum(server, instrument), tsMs: Date.now() } as const
    const frame = encodeBook(instrument, header, [], [])
    for (const client of this.subscribers(server, `books:${instrument.venueSymbol}`)) client.send(frame)
  }

  resetSequence(instrument: Instrument): void {
    this.seq(instrument).resetPending = true
  }

  publishTrade(server: SimulatorServer, trade: SimTrade): void {
    const seq = this.seq(trade.instrument)
    seq.tradeSeqId += 1
    const frame = encodeTrade(trade, seq.tradeSeqId)
    for (const client of this.subscribers(server, `trades:${trade.instrument.venueSymbol}`)) client.send(frame)
  }

  corruptNextChecksum(instrument: Instrument): void {
    this.seq(instrument).corruptNext = true
  }
}

class OkxSimulator extends SimulatorServer implements OkxSimulatorHandle {
  private readonly okx: OkxSimulatorProtocol

  constructor(protocol: OkxSimulatorProtocol, options: OkxSimulatorOptions) {
    super(OKX, protocol, options.instruments ?? OKX_SIM_INSTRUMENTS, options)
    this.okx = protocol
  }

  private instrumentOf(symbol: string): Instrument {
    const instrument = this.instruments.find((i) => i.symbol === symbol)
    if (instrument === undefined) throw new Error(`okx simulator does not serve ${symbol}`)
    return instrument
  }

  idleUpdate(symbol: string): void {
    this.okx.idleUpdate(this, this.instrumentOf(symbol))
  }

  resetSequence(symbol: string): void {
    this.okx.resetSequence(this.instrumentOf(symbol))
  }
}

/** Starts an OKX simulator on loopback. */
export const startOkxSimulator = (options: OkxSimulatorOptions): Promise<OkxSimulatorHandle> =>
  new OkxSimulator(new OkxSimulatorProtocol(options), options).listen(options.port ?? 0)
