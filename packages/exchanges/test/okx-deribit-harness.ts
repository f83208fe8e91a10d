/**
 * Connector ⇄ simulator harness over real sockets for the OKX and Deribit tests: starts a
 * simulator, seeds a book, runs the venue's live session against it, and records what the
 * listener and the incident hook saw.
 */
import type { BookUpdate, Instrument, MarketListener, TradePrint } from "@hft/core"
import { Effect, Exit, Scope } from "effect"
import { type FeedSession, runSession } from "../src/connection.ts"
import type { FeedIncident } from "../src/feed.ts"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"
import type { Venue } from "../src/venue.ts"
import { eventually, prng, randomBatch, sameBook, seedBook } from "./sim-driver.ts"

/** A running simulator and a session connected to it. */
export interface Harness<S extends SimulatorHandle> {
  readonly sim: S
  readonly session: FeedSession
  readonly instrument: Instrument
  readonly incidents: Array<FeedIncident>
  readonly trades: Array<TradePrint>
  readonly invalidations: Array<string>
  /** Books published to the listener. */
  readonly books: number
  /** Publishes one random batch around the mid. */
  batch(): void
  /** The session's book is in sync and equal to the simulator's. */
  equal(): boolean
  /** Waits for the first sync, publishing batches meanwhile. */
  synced(): Promise<void>
  /** Waits until the books are equal, publishing batches meanwhile. */
  converged(what: string): Promise<void>
  /** Stops the session and the simulator. */
  close(): Promise<void>
}

/** Starts `startSim()`, seeds `symbol` around `mid` (price units) and connects `venue`'s session. */
export const startHarness = async <S extends SimulatorHandle>(
  venue: Venue,
  startSim: () => Promise<S>,
  symbol: string,
  mid: number,
  seed: number
): Promise<Harness<S>> => {
  const sim = await startSim()
  const instrument = sim.instruments.find((i) => i.symbol === symbol)!
  const random = prng(seed)
  seedBook(sim, instrument, mid, 40, random)
  const scope = Effect.runSync(Scope.make())
  const incidents: Array<FeedIncident> = []
  const trades: Array<TradePrint> = []
  const invalidations: Array<string> = []
  let books = 0
  const listener: MarketListener = {
    onBook: (_u: BookUpdate) => void books++,
    onTrade: (t) => void trades.push({ ...t }),
    onBookInvalid: (_i, reason) => void invalidations.push(reason)
  }
  const session = await Effect.runPromise(
    Scope.provide(scope)(
      runSession({
        venue,
        symbols: [symbol],
        listener,
        endpoints: { ws: sim.wsUrl, rest: sim.restUrl },
        onIncident: (i) => void incidents.push(i),
        minBackoffMs: 20,
        maxBackoffMs: 200
      })
    )
  )
  const batch = () => randomBatch(sim, instrument, mid, 40, random)
  const equal = () => {
    const book = session.feed.book(symbol)
    return book !== undefined && sameBook(book, sim.book(symbol))
  }
  return {
    sim,
    session,
    instrument,
    incidents,
    trades,
    invalidations,
    get books() {
      return books
    },
    batch,
    equal,
    synced: () => eventually("first sync", () => session.feed.book(symbol) !== undefined || (batch(), false)),
    converged: (what) => eventually(what, () => equal() || (batch(), false)),
    close: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await sim.close()
    }
  }
}
