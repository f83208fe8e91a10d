/**
 * The live exchange session: runs a {@link VenueFeed} over a real WebSocket and HTTP.
 *
 * Frames go from the socket to the feed synchronously (the hot path has no Effect in
 * it); the Effect side owns the lifecycle: connect, reconnect with capped exponential
 * backoff and jitter, stale-feed detection, rotation before the venue's connection age
 * limit, logging of incidents, and clean shutdown when the scope closes.
 *
 * @module
 */
import { type MarketListener, WallClock, monoNs } from "@hft/core"
import { Deferred, Duration, Effect, type Scope } from "effect"
import { WebSocket } from "ws"
import type { FeedIncident, FeedTransport, RestRequest, VenueFeed } from "./feed.ts"
import type { Venue, VenueEndpoints } from "./venue.ts"

/** What a session is started with. */
export interface SessionOptions {
  /** The venue. */
  readonly venue: Venue
  /** Canonical symbols to follow. */
  readonly symbols: ReadonlyArray<string>
  /** Hot-path receiver of book updates and trades. */
  readonly listener: MarketListener
  /** Endpoints to use instead of the venue's public ones (a simulator's). */
  readonly endpoints?: VenueEndpoints
  /** Book depth to request where the venue lets us choose. */
  readonly depth?: number
  /** Also told about incidents (they are always logged). */
  readonly onIncident?: (incident: FeedIncident) => void
  /** First reconnect delay (ms); doubles per failed attempt up to `maxBackoffMs`. */
  readonly minBackoffMs?: number
  /** Longest reconnect delay (ms). */
  readonly maxBackoffMs?: number
}

/** A running session. */
export interface FeedSession {
  /** The protocol state machine (books, instruments, counters). */
  readonly feed: VenueFeed
  /** Connections opened so far. */
  connects(): number
  /** Whether the socket is open now. */
  isConnected(): boolean
  /** Drops the connection; it reconnects after backoff. */
  reconnect(reason: string): void
}

/** A connection that stayed up this long resets the backoff. */
const HEALTHY_AFTER_MS = 30_000

const resolveUrl = (base: string, url: string): string => (/^wss?:\/\//.test(url) ? url : base.replace(/\/$/, "") + url)

/** Backoff before reconnect attempt `attempt` (0-based): exponential, capped, ±20 % jitter. */
export const backoffMs = (attempt: number, minMs: number, maxMs: number): number => {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  return Math.round(base * (0.8 + 0.4 * Math.random()))
}

/**
 * Starts a session in the current scope and returns at once; it keeps reconnecting
 * until the scope closes.
 */
export const runSession = Effect.fnUntraced(function*(options: SessionOptions) {
  const { venue } = options
  const endpoints = options.endpoints ?? venue.endpoints
  const clock = new WallClock()
  const context = yield* Effect.context<never>()
  const log = Effect.runForkWith(context)
  const urlKnown = Deferred.makeUnsafe<string>()
  let desiredUrl: string | undefined
  let socket: WebSocket | undefined
  let connects = 0
  let connectedAtMs = 0
  let lastFrameMs = 0
  let closed = false

  const annotate = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.annotateLogs(effect, { venue: venue.id })

  const transport: FeedTransport = {
    request(request: RestRequest) {
      const init: RequestInit = { method: request.method }
      if (request.body !== undefined) init.body = request.body
      fetch(endpoints.rest.replace(/\/$/, "") + request.path, init)
        .then(async (res) => [res.status, await res.text()] as const)
        .catch((error: unknown) => [0, String(error)] as const)
        .then(([status, body]) => {
          if (!closed) feed.onRest(request, status, body, clock.nowUs())
        })
    },
    connect(url) {
      desiredUrl = url
      if (!Deferred.isDoneUnsafe(urlKnown)) Deferred.doneUnsafe(urlKnown, Effect.succeed(url))
      else socket?.terminate()
    },
    send(text) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(text)
    },
    reconnect(reason) {
      log(annotate(Effect.logWarning(`reconnecting: ${reason}`)))
      socket?.terminate()
    }
  }

  const onIncident = (incident: FeedIncident) => {
    const symbol = incident.symbol === undefined ? "" : ` ${incident.symbol}`
    log(annotate(Effect.logWarning(`${incident.kind}${symbol}: ${incident.detail}`)))
    options.onIncident?.(incident)
  }

  const feed: VenueFeed = venue.makeFeed({
    symbols: options.symbols,
    listener: options.listener,
    transport,
    onIncident,
    ...(options.depth === undefined ? {} : { depth: options.depth })
  })

  /** Opens one connection and resolves with the close reason when it ends. */
  const connectOnce = (url: string) =>
    Effect.callback<string>((resume) => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      socket = ws
      let opened = false
      ws.on("open", () => {
        opened = true
        connects++
        connectedAtMs = Date.now()
        lastFrameMs = connectedAtMs
        log(annotate(Effect.logInfo(`connected to ${url}`)))
        feed.onOpen()
      })
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) return
        lastFrameMs = Date.now()
        feed.onFrame(data.toString(), clock.nowUs(), monoNs())
      })
      ws.on("error", (error) => {
        if (!opened) resume(Effect.succeed(`connect failed: ${error.message}`))
      })
      ws.on("close", (code, reason) => {
        if (socket === ws) socket = undefined
        resume(Effect.succeed(opened ? `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ""})` : "connect failed"))
      })
      return Effect.sync(() => ws.terminate())
    })

  const connectionLoop = Effect.gen(function*() {
    yield* Deferred.await(urlKnown)
    let attempt = 0
    while (true) {
      const reason = yield* connectOnce(resolveUrl(endpoints.ws, desiredUrl!))
      const wasUp = connectedAtMs > 0 && Date.now() - connectedAtMs >= HEALTHY_AFTER_MS
      connectedAtMs = 0
      feed.onClose(reason)
      onIncident({ kind: "disconnect", detail: reason })
      if (wasUp) attempt = 0
      const delay = backoffMs(attempt++, options.minBackoffMs ?? 100, options.maxBackoffMs ?? 10_000)
      yield* Effect.sleep(Duration.millis(delay))
    }
  })

  const ticker = Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.seconds(1))
      const now = Date.now()
      feed.onTick(clock.nowUs())
      if (socket === undefined || connectedAtMs === 0) continue
      if (now - lastFrameMs > venue.capabilities.staleAfterMs) {
        onIncident({ kind: "stale", detail: `no frame for ${now - lastFrameMs} ms` })
        socket.terminate()
      } else if (venue.capabilities.maxConnectionAgeMs !== undefined && now - connectedAtMs > venue.capabilities.maxConnectionAgeMs - 60_000) {
        onIncident({ kind: "info", detail: "rotating connection before the venue's age limit" })
        socket.close(1000, "rotation")
      }
    }
  })

  yield* Effect.forkScoped(annotate(connectionLoop))
  yield* Effect.forkScoped(ticker)
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      closed = true
      socket?.terminate()
    })
  )
  feed.start()
  return {
    feed,
    connects: () => connects,
    isConnected: () => socket?.readyState === WebSocket.OPEN,
    reconnect: (reason: string) => transport.reconnect(reason)
  } satisfies FeedSession
}) as (options: SessionOptions) => Effect.Effect<FeedSession, never, Scope.Scope>
