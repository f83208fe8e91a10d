/**
 * The `Venue` interface: everything the runtime, the CLI and the benchmarks need to know
 * about one exchange. A new venue is a new folder exporting one of these, added to the
 * registry — never a `switch` spread through other files.
 *
 * @module
 */
import type { Instrument, VenueId } from "@hft/core"
import type { FeedOptions, VenueFeed } from "./feed.ts"
import type { SimulatorHandle, SimulatorOptions } from "./simulator/simulator-server.ts"

/** Maker and taker fee rates in parts per million (0.10 % = 1000). */
export interface FeeSchedule {
  /** Fee when our order rested and was hit. */
  readonly makerPpm: number
  /** Fee when our order took liquidity. */
  readonly takerPpm: number
  /** Which tier these rates are (for `hft venues`). */
  readonly tier: string
}

/** How a venue keeps its book consistent: shown by `hft venues`. */
export interface VenueCapabilities {
  /** The sequencing rule in a few words, e.g. `U/u with lastUpdateId`. */
  readonly sequencing: string
  /** The checksum, or `none`. */
  readonly checksum: string
  /** Where the initial book comes from, e.g. `REST /api/v3/depth`. */
  readonly snapshotSource: string
  /** Longest a connection may live before the venue drops it (ms), if it has such a limit. */
  readonly maxConnectionAgeMs?: number
  /** Reconnect when no frame arrived for this long (ms). */
  readonly staleAfterMs: number
}

/** Public endpoints of a venue. */
export interface VenueEndpoints {
  /** WebSocket base URL, e.g. `wss://stream.binance.com:9443`. */
  readonly ws: string
  /** REST base URL, e.g. `https://api.binance.com`. */
  readonly rest: string
}

/** One exchange: identity, fees, protocol, simulator. */
export interface Venue {
  /** Identifier used everywhere (`binance`). */
  readonly id: VenueId
  /** Display name (`Binance`). */
  readonly name: string
  /** Fees the paper venue charges. */
  readonly fees: FeeSchedule
  /** Protocol facts. */
  readonly capabilities: VenueCapabilities
  /** Live endpoints. */
  readonly endpoints: VenueEndpoints
  /** Creates the market-data protocol state machine. */
  makeFeed(options: FeedOptions): VenueFeed
  /** Starts a loopback simulator speaking this venue's wire protocol. */
  startSimulator(options: SimulatorOptions): Promise<SimulatorHandle>
  /** Default instruments its simulator serves. */
  readonly simulatedInstruments: ReadonlyArray<Instrument>
}
