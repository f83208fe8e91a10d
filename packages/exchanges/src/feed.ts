/**
 * The venue feed seam: each venue's market-data protocol as a state machine without
 * I/O. A live session (see `connection.ts`) executes the I/O it asks for; a capture
 * replay feeds it recorded frames and REST responses. One piece of code serves both.
 *
 * The feed owns the books of its instruments, keeps them exact under the venue's
 * sequencing rules, and calls its {@link MarketListener} synchronously on the hot path.
 *
 * @module
 */
import type { Instrument, InstrumentTable, MarketListener, OrderBook } from "@hft/core"

/** An HTTP request a feed needs (snapshots, instrument lists, tokens). */
export interface RestRequest {
  /** HTTP method. */
  readonly method: "GET" | "POST"
  /** Path and query relative to the venue's REST base, e.g. `/api/v3/depth?symbol=BTCUSDT&limit=1000`. */
  readonly path: string
  /** Request body for POST. */
  readonly body?: string
}

/** What a feed asks of whoever runs it. All calls return at once; answers arrive as feed callbacks. */
export interface FeedTransport {
  /** Issue a REST request; the response arrives through {@link VenueFeed.onRest}. */
  request(request: RestRequest): void
  /** Open (or re-open) the WebSocket at this URL (absolute, or a path relative to the venue's WS base). */
  connect(url: string): void
  /** Send a text frame on the open WebSocket. */
  send(text: string): void
  /** Close the socket and reconnect after backoff (the usual repair when a resubscribe is not enough). */
  reconnect(reason: string): void
}

/** Counters a feed keeps; read by the session for logs and metrics. */
export interface FeedStats {
  /** WebSocket frames received. */
  frames: number
  /** Book updates applied. */
  bookUpdates: number
  /** Trades delivered. */
  trades: number
  /** Resynchronisations started (gap, checksum, reconnect, venue reset). */
  resyncs: number
  /** Sequence gaps detected. */
  gaps: number
  /** Checksum mismatches detected. */
  checksumFailures: number
  /** Frames that could not be decoded. */
  malformed: number
}

/** A fresh zeroed {@link FeedStats}. */
export const emptyStats = (): FeedStats => ({
  frames: 0,
  bookUpdates: 0,
  trades: 0,
  resyncs: 0,
  gaps: 0,
  checksumFailures: 0,
  malformed: 0
})

/** Something unusual a feed saw: logged and counted by whoever runs it. */
export interface FeedIncident {
  /** Kind of incident. */
  readonly kind: "gap" | "checksum" | "malformed" | "rejected" | "venue-reset" | "disconnect" | "stale" | "info"
  /** Affected canonical symbol, when one is. */
  readonly symbol?: string
  /** Human-readable detail. */
  readonly detail: string
}

/** What a feed is created with. */
export interface FeedOptions {
  /** Canonical symbols to keep books and trades for (`BTC/USDT`). */
  readonly symbols: ReadonlyArray<string>
  /** Receives book updates and trades synchronously. */
  readonly listener: MarketListener
  /** Executes the feed's I/O. */
  readonly transport: FeedTransport
  /** Told about gaps, checksum failures, malformed frames, resets. */
  readonly onIncident?: (incident: FeedIncident) => void
  /** Book depth to request where the venue lets us choose. */
  readonly depth?: number
}

/** A venue's market-data protocol state machine. */
export interface VenueFeed {
  /** Counters. */
  readonly stats: FeedStats
  /** Begins: requests metadata and opens the socket through the transport. */
  start(): void
  /** The socket is open: subscribe. */
  onOpen(): void
  /** A text frame arrived. `recvUs` is wall time (µs), `recvMonoNs` monotonic ns. */
  onFrame(text: string, recvUs: number, recvMonoNs: number): void
  /** A REST response arrived for a request this feed made. */
  onRest(request: RestRequest, status: number, body: string, recvUs: number): void
  /** The socket closed or failed: books become invalid until resynchronised. */
  onClose(reason: string): void
  /** Called about once a second: application pings, timeouts. */
  onTick(nowUs: number): void
  /** Instruments, once the venue's list is known. */
  instruments(): InstrumentTable | undefined
  /** The synchronised book of a canonical symbol, or undefined while it is not in sync. */
  book(symbol: string): OrderBook | undefined
  /** The instrument of a canonical symbol, once known. */
  instrument(symbol: string): Instrument | undefined
}
