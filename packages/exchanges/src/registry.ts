/**
 * The venue registry: every venue the runtime knows, by id.
 *
 * @module
 */
import { binance } from "./binance/index.ts"
import { bitfinex } from "./bitfinex/index.ts"
import { bitstamp } from "./bitstamp/index.ts"
import { bybit } from "./bybit/index.ts"
import { coinbase } from "./coinbase/index.ts"
import { deribit } from "./deribit/index.ts"
import { gemini } from "./gemini/index.ts"
import { kraken } from "./kraken/index.ts"
import { kucoin } from "./kucoin/index.ts"
import { okx } from "./okx/index.ts"
import type { Venue } from "./venue.ts"

/** Every supported venue, in display order. */
export const VENUES: ReadonlyArray<Venue> = [binance, coinbase, kraken, bybit, okx, bitfinex, bitstamp, kucoin, gemini, deribit]

/** Thrown for a venue id the registry does not know. */
export class UnknownVenueError extends Error {
  readonly _tag = "UnknownVenueError"
  constructor(id: string) {
    super(`unknown venue '${id}'; known venues: ${VENUES.map((v) => v.id).join(", ")}`)
  }
}

/** The venue with this id. @throws UnknownVenueError */
export const venueById = (id: string): Venue => {
  const venue = VENUES.find((v) => v.id === id)
  if (venue === undefined) throw new UnknownVenueError(id)
  return venue
}
