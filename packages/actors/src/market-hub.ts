/**
 * The node's market hub: one supervised exchange session per (venue, symbol), shared by
 * every consumer on this node and reference-counted — the session starts with its
 * first subscriber and stops with its last.
 *
 * Market data reaches consumers synchronously from the socket callback (the hot path):
 * latency-critical listeners (strategies) first, then the others (paper venues) in the
 * order they subscribed.
 *
 * @module
 */
import { type BookUpdate, type Instrument, type MarketListener, type OrderBook, type TradePrint, VenueSymbolMap } from "@hft/core"
import { type FeedIncident, type FeedSession, type VenueEndpoints, runSession, venueById } from "@hft/exchanges"
import { Context, Data, Duration, Effect, Exit, Layer, Scope } from "effect"

/** A venue or symbol that cannot be served. */
export class MarketDataError extends Data.TaggedError("MarketDataError")<{
  readonly venue: string
  readonly symbol: string
  readonly reason: string
}> {}

/** One running session and the consumers of its data. */
interface Line {
  readonly venue: string
  readonly symbol: string
  readonly listeners: Array<MarketListener>
  readonly scope: Scope.Closeable
  readonly session: FeedSession
  refs: number
  /** How many listeners at the front of `listeners` are latency-critical. */
  criticalCount: number
  /** Book updates and trades delivered. */
  readonly counter: { messages: number }
}

/** Counters of one line, for status output. */
export interface LineStats {
  readonly venue: string
  readonly symbol: string
  readonly connected: boolean
  /** Consumers holding the line open (paper venues and strategies). */
  readonly subscribers: number
  readonly connects: number
  readonly messages: number
  readonly resyncs: number
  readonly gaps: number
  readonly checksumFailures: number
  readonly malformed: number
}

/** How a consumer subscribes. */
export interface SubscribeOptions {
  /**
   * Called before the other listeners of the line (strategies): their decision latency
   * is what tick-to-trade measures, while a paper venue's bookkeeping of the same update
   * can wait the microseconds — an order reaches it only after its entry latency.
   */
  readonly latencyCritical?: boolean
}

/** How the hub reaches venues. */
export interface MarketHubConfig {
  /** Endpoints per venue id (simulators); venues not listed use their public endpoints. */
  readonly endpoints: ReadonlyMap<string, VenueEndpoints>
  /** Told about every incident of every session. */
  readonly onIncident?: (venue: string, incident: FeedIncident) => void
  /** Longest wait for a venue's instrument list. */
  readonly metadataTimeout?: Duration.Duration
}

/** The node's market hub. */
export class MarketHub extends Context.Service<
  MarketHub,
  {
    /**
     * Adds a listener for one symbol on one venue for the life of the current scope,
     * starting the session if it is the first; resolves once the venue's instrument
     * is known. When it fails (the venue does not list the symbol, no instrument list
     * in time) the listener is removed at once, and the session stops if it was the last.
     */
    readonly subscribe: (
      venue: string,
      symbol: string,
      listener: MarketListener,
      options?: SubscribeOptions
    ) => Effect.Effect<Instrument, MarketDataError, Scope.Scope>
    /** The synchronised book, or undefined while it is not in sync or not followed. */
    readonly book: (venue: string, symbol: string) => OrderBook | undefined
    /** Counters of every running line. */
    readonly stats: () => ReadonlyArray<LineStats>
  }
>()("@hft/actors/MarketHub") {
  /** The hub, with its sessions in the layer's scope. */
  static readonly layer = (config: MarketHubConfig) =>
    Layer.effect(
      MarketHub,
      Effect.gen(function*() {
        const lines = new VenueSymbolMap<Line>()
        yield* Effect.addFinalizer(() =>
          Effect.forEach([...lines.values()], (line) => Scope.close(line.scope, Exit.void), { discard: true })
        )

        const open = Effect.fnUntraced(function*(venueId: string, symbol: string) {
          const venue = yield* Effect.try({
            try: () => venueById(venueId),
            catch: (error) => new MarketDataError({ venue: venueId, symbol, reason: (error as Error).message })
          })
          const listeners: Array<MarketListener> = []
          const counter = { messages: 0 }
          const dispatcher: MarketListener = {
            onBook(update: BookUpdate) {
              counter.messages++
              for (let i = 0; i < listeners.length; i++) listeners[i]!.onBook(update)
            },
            onTrade(trade: TradePrint) {
              counter.messages++
              for (let i = 0; i < listeners.length; i++) listeners[i]!.onTrade(trade)
            },
            onBookInvalid(instrument, reason) {
              for (let i = 0; i < listeners.length; i++) listeners[i]!.onBookInvalid?.(instrument, reason)
            }
          }
          const scope = yield* Scope.make()
          const endpoints = config.endpoints.get(venueId)
          const session = yield* Scope.provide(scope)(
            runSession({
              venue,
              symbols: [symbol],
              listener: dispatcher,
              ...(endpoints === undefined ? {} : { endpoints }),
              ...(config.onIncident === undefined ? {} : { onIncident: (i: FeedIncident) => config.onIncident!(venueId, i) })
            })
          )
          const line: Line = {
            venue: venueId,
            symbol,
            listeners,
            scope,
            session,
            refs: 0,
            criticalCount: 0,
            counter
          }
          lines.set(venueId, symbol, line)
          return line
        })

        const awaitInstrument = (line: Line) =>
          Effect.gen(function*() {
            while (true) {
              const instrument = line.session.feed.instrument(line.symbol)
              if (instrument !== undefined) return instrument
              const table = line.session.feed.instruments()
              if (table !== undefined && table.fromSymbol(line.symbol) === undefined) {
                return yield* new MarketDataError({ venue: line.venue, symbol: line.symbol, reason: "the venue does not list it" })
              }
              yield* Effect.sleep(Duration.millis(20))
            }
          }).pipe(
            Effect.timeoutOrElse({
              duration: config.metadataTimeout ?? Duration.seconds(30),
              orElse: () =>
                Effect.fail(new MarketDataError({ venue: line.venue, symbol: line.symbol, reason: "no instrument list from the venue in time" }))
            })
          )

        const release = (line: Line, listener: MarketListener) =>
          Effect.gen(function*() {
            const at = line.listeners.indexOf(listener)
            if (at >= 0) line.listeners.splice(at, 1)
            if (at >= 0 && at < line.criticalCount) line.criticalCount--
            line.refs--
            if (line.refs === 0) {
              lines.delete(line.venue, line.symbol)
              yield* Scope.close(line.scope, Exit.void)
            }
          })

        return MarketHub.of({
          subscribe: (venue, symbol, listener, options) =>
            Effect.gen(function*() {
              const line = lines.get(venue, symbol) ?? (yield* open(venue, symbol))
              line.refs++
              if (options?.latencyCritical === true) line.listeners.splice(line.criticalCount++, 0, listener)
              else line.listeners.push(listener)
              // Released once: when the scope closes, or at once when the instrument never
              // comes — a failed subscription must not keep its session running.
              let released = false
              const releaseOnce = Effect.suspend(() => {
                if (released) return Effect.void
                released = true
                return release(line, listener)
              })
              yield* Effect.addFinalizer(() => releaseOnce)
              return yield* awaitInstrument(line).pipe(Effect.onError(() => releaseOnce))
            }),
          book: (venue, symbol) => lines.get(venue, symbol)?.session.feed.book(symbol),
          stats: () =>
            [...lines.values()].map((line) => ({
              venue: line.venue,
              symbol: line.symbol,
              connected: line.session.isConnected(),
              subscribers: line.refs,
              connects: line.session.connects(),
              messages: line.counter.messages,
              resyncs: line.session.feed.stats.resyncs,
              gaps: line.session.feed.stats.gaps,
              checksumFailures: line.session.feed.stats.checksumFailures,
              malformed: line.session.feed.stats.malformed
            }))
        })
      })
    )
}
