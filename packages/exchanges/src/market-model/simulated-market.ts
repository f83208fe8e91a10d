/**
 * A simulated market on loopback: one exchange simulator per venue, all driven by one
 * seeded {@link MarketModel} on the wall clock, so the venues share a fair price and
 * cross-venue differences appear and close. Used by `hft demo` and `hft capture`.
 *
 * @module
 */
import { type Instrument, WallClock } from "@hft/core"
import { venueById } from "../registry.ts"
import type { SimulatorHandle } from "../simulator/simulator-server.ts"
import type { VenueEndpoints } from "../venue.ts"
import { MarketModel, type MarketModelConfig, type MarketModelVenue } from "./market-model.ts"

/** What to simulate. */
export interface SimulatedMarketOptions {
  /** Venue ids. */
  readonly venues: ReadonlyArray<string>
  /** Canonical symbol each venue trades (the venue's own form of it, e.g. BTC/USD where USDT is not listed). */
  readonly symbolFor: (venue: string) => string
  /** Seed of the market model. */
  readonly seed: number
  /** Simulated time between diff frames, µs. */
  readonly batchUs?: number
  /** Per-venue overrides of the model (spreads, rates). */
  readonly tune?: (venue: string) => Partial<MarketModelVenue>
  /** Overrides of the fair-price process (volatility, jumps). */
  readonly model?: Partial<Omit<MarketModelConfig, "seed" | "venues" | "batchUs">>
}

/** A running simulated market. */
export interface SimulatedMarket {
  /** Simulators by venue id. */
  readonly simulators: ReadonlyMap<string, SimulatorHandle>
  /** Endpoints for the market hub, by venue id. */
  readonly endpoints: ReadonlyMap<string, VenueEndpoints>
  /** The model driving them. */
  readonly model: MarketModel
  /** The simulated instrument of each venue. */
  readonly instruments: ReadonlyMap<string, Instrument>
  /** Stops the model and the simulators. */
  close(): Promise<void>
}

/** Starts the simulators and the model. */
export const startSimulatedMarket = async (options: SimulatedMarketOptions): Promise<SimulatedMarket> => {
  const simulators = new Map<string, SimulatorHandle>()
  const endpoints = new Map<string, VenueEndpoints>()
  const instruments = new Map<string, Instrument>()
  const venues: Array<MarketModelVenue> = []
  try {
    for (const id of options.venues) {
      const venue = venueById(id)
      const sim = await venue.startSimulator({})
      simulators.set(id, sim)
      endpoints.set(id, { ws: sim.wsUrl, rest: sim.restUrl })
      const symbol = options.symbolFor(id)
      const instrument = sim.instruments.find((i) => i.symbol === symbol)
      if (instrument === undefined) throw new Error(`the ${id} simulator does not serve ${symbol}`)
      instruments.set(id, instrument)
      venues.push({ instrument, sink: sim, ...options.tune?.(id) })
    }
  } catch (error) {
    await Promise.all([...simulators.values()].map((s) => s.close()))
    throw error
  }
  const model = new MarketModel(new WallClock(), {
    ...options.model,
    seed: options.seed,
    venues,
    ...(options.batchUs === undefined ? {} : { batchUs: options.batchUs })
  })
  model.start()
  return {
    simulators,
    endpoints,
    model,
    instruments,
    async close() {
      model.stop()
      await Promise.all([...simulators.values()].map((s) => s.close()))
    }
  }
}
