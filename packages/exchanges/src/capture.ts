/**
 * Capture format v1 — recording and replaying what a venue feed received.
 *
 * NDJSON, one record per line:
 * `{"ts": <receive time, integer µs since the epoch>, "kind": "ws" | "rest", "url": "<stream or REST path>", "body": "<raw payload text>"}`.
 * A `ws` record with an empty body marks a (re)connection to `url`: real frames are
 * never empty, and a replay must tell the feed that a new connection opened (some
 * venues number messages per connection).
 *
 * Recording wraps a venue's feed, so a capture holds everything the connector received,
 * metadata included (instrument lists, tokens, snapshots), and replays without a network.
 *
 * @module
 */
import { type MarketListener, WallClock } from "@hft/core"
import type { FeedOptions, FeedTransport, RestRequest, VenueFeed } from "./feed.ts"
import type { Venue } from "./venue.ts"

/** One capture record. */
export interface CaptureRecord {
  /** Receive time, integer µs since the epoch. */
  readonly ts: number
  /** WebSocket frame or REST response. */
  readonly kind: "ws" | "rest"
  /** WebSocket URL, or REST path with query. */
  readonly url: string
  /** Raw payload text ("" for a `ws` connection marker). */
  readonly body: string
}

/** A capture line that is not a valid v1 record. */
export class CaptureFormatError extends Error {
  readonly _tag = "CaptureFormatError"
  readonly line: number
  constructor(line: number, reason: string) {
    super(`capture line ${line}: ${reason}`)
    this.line = line
  }
}

/** Renders a record as one NDJSON line (without the newline). */
export const encodeCaptureRecord = (record: CaptureRecord): string => JSON.stringify(record)

/** Parses a whole capture; blank lines are skipped. @throws CaptureFormatError */
export const parseCapture = (text: string): Array<CaptureRecord> => {
  const out: Array<CaptureRecord> = []
  const lines = text.split("\n")
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!
    if (line.trim() === "") continue
    let value: Partial<CaptureRecord>
    try {
      value = JSON.parse(line) as Partial<CaptureRecord>
    } catch (error) {
      throw new CaptureFormatError(n + 1, `invalid JSON (${(error as Error).message})`)
    }
    if (!Number.isSafeInteger(value.ts)) throw new CaptureFormatError(n + 1, "ts must be integer microseconds")
    if (value.kind !== "ws" && value.kind !== "rest") throw new CaptureFormatError(n + 1, `kind must be "ws" or "rest"`)
    if (typeof value.url !== "string" || typeof value.body !== "string") {
      throw new CaptureFormatError(n + 1, "url and body must be strings")
    }
    out.push({ ts: value.ts!, kind: value.kind, url: value.url, body: value.body })
  }
  return out
}

/**
 * A venue whose feeds write every frame and REST response they receive to `write`
 * (one encoded line per call), in receive order.
 */
export const recordingVenue = (venue: Venue, write: (line: string) => void): Venue => ({
  ...venue,
  makeFeed(options: FeedOptions): VenueFeed {
    const clock = new WallClock()
    let url = ""
    const transport: FeedTransport = {
      ...options.transport,
      connect(target) {
        url = target
        options.transport.connect(target)
      }
    }
    const feed = venue.makeFeed({ ...options, transport })
    const record = (kind: "ws" | "rest", target: string, body: string, ts: number) =>
      write(encodeCaptureRecord({ ts: Math.floor(ts), kind, url: target, body }))
    return {
      stats: feed.stats,
      start: () => feed.start(),
      onOpen() {
        record("ws", url, "", clock.nowUs())
        feed.onOpen()
      },
      onFrame(text, recvUs, recvMonoNs) {
        record("ws", url, text, recvUs)
        feed.onFrame(text, recvUs, recvMonoNs)
      },
      onRest(request, status, body, recvUs) {
        if (status === 200) record("rest", request.path, body, recvUs)
        feed.onRest(request, status, body, recvUs)
      },
      onClose: (reason) => feed.onClose(reason),
      onTick: (nowUs) => feed.onTick(nowUs),
      instruments: () => feed.instruments(),
      book: (symbol) => feed.book(symbol),
      instrument: (symbol) => feed.instrument(symbol)
    }
  }
})

/** A transport that does nothing: on replay the capture already holds every answer. */
const REPLAY_TRANSPORT: FeedTransport = {
  request() {},
  connect() {},
  send() {},
  reconnect() {}
}

/** Creates a feed ready for {@link replayRecord}: started, with a transport that ignores requests. */
export const makeReplayFeed = (venue: Venue, symbols: ReadonlyArray<string>, listener: MarketListener): VenueFeed => {
  const feed = venue.makeFeed({ symbols, listener, transport: REPLAY_TRANSPORT })
  feed.start()
  return feed
}

/** Replay state: whether a connection is open. */
export interface ReplayCursor {
  /** A `ws` connection marker was seen. */
  connected: boolean
}

/** The capture's receive time as the monotonic clock (ns): the default on replay. */
const captureMonoNs = (record: CaptureRecord): number => record.ts * 1000

/**
 * Feeds one record to a replay feed, as the live session would have. `recvMonoNs` gives
 * a frame's monotonic receive time: by default the capture's own time; a benchmark that
 * measures latency through the feed passes the live monotonic clock.
 */
export const replayRecord = (
  feed: VenueFeed,
  record: CaptureRecord,
  cursor: ReplayCursor,
  recvMonoNs: (record: CaptureRecord) => number = captureMonoNs
): void => {
  if (record.kind === "rest") {
    const request: RestRequest = { method: "GET", path: record.url }
    feed.onRest(request, 200, record.body, record.ts)
  } else if (record.body === "") {
    if (cursor.connected) feed.onClose("capture: reconnect")
    cursor.connected = true
    feed.onOpen()
  } else {
    feed.onFrame(record.body, record.ts, recvMonoNs(record))
  }
}
