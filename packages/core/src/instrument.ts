/**
 * Instruments: what a venue trades, in canonical ccxt-style symbols (`BTC/USDT`), with
 * the integer scales that prices and sizes are kept at.
 *
 * Instruments are built from the venue's own instrument list (never by splitting a
 * symbol string); each venue adapter owns that mapping.
 *
 * @module
 */
import { formatUnits, pow10 } from "./fixed-point.ts"

/** A venue's identifier (`"binance"`, `"kraken"`, …). */
export type VenueId = string

/** A tradable instrument on one venue. Prices are integers at `priceScale`, sizes at `sizeScale`. */
export interface Instrument {
  /** Venue identifier. */
  readonly venue: VenueId
  /** Canonical symbol in the ccxt convention: `BTC/USDT`. */
  readonly symbol: string
  /** The venue's own symbol: `BTCUSDT`, `BTC-USD`, `tBTCUSD`, … */
  readonly venueSymbol: string
  /** Canonical base asset (`BTC`). */
  readonly base: string
  /** Canonical quote asset (`USDT`). */
  readonly quote: string
  /** Decimal places of prices; a price of 65000.10 at scale 2 is 6500010. */
  readonly priceScale: number
  /** Decimal places of sizes. */
  readonly sizeScale: number
  /** Minimum price increment, in price units. */
  readonly tickSize: number
  /** Minimum size increment for orders, in size units. */
  readonly lotSize: number
  /** Minimum order size, in size units. */
  readonly minSize: number
  /** Minimum order notional in quote units at `priceScale + sizeScale` decimals. */
  readonly minNotional: bigint
}

/** Decimal places of a notional (price × size) for `instrument`. */
export const notionalScale = (instrument: Instrument): number => instrument.priceScale + instrument.sizeScale

/** Exact notional of `size` at `price`, at {@link notionalScale} decimals. */
export const notionalOf = (price: number, size: number): bigint => BigInt(price) * BigInt(size)

/** Renders a price in units as decimal text. */
export const formatPrice = (instrument: Instrument, price: number): string => formatUnits(price, instrument.priceScale)

/** Renders a size in units as decimal text. */
export const formatSize = (instrument: Instrument, size: number): string => formatUnits(size, instrument.sizeScale)

/** 10^scale of an instrument's notional, handy to convert a notional to whole quote units. */
export const notionalUnit = (instrument: Instrument): bigint => pow10(notionalScale(instrument))

/** A lookup of one venue's instruments by venue symbol and by canonical symbol. */
export class InstrumentTable {
  readonly all: ReadonlyArray<Instrument>
  private readonly byVenueSymbol = new Map<string, Instrument>()
  private readonly bySymbol = new Map<string, Instrument>()

  constructor(instruments: ReadonlyArray<Instrument>) {
    this.all = instruments
    for (const instrument of instruments) {
      this.byVenueSymbol.set(instrument.venueSymbol, instrument)
      this.bySymbol.set(instrument.symbol, instrument)
    }
  }

  /** The instrument with this venue symbol, if the venue lists it. */
  fromVenueSymbol(venueSymbol: string): Instrument | undefined {
    return this.byVenueSymbol.get(venueSymbol)
  }

  /** The instrument with this canonical symbol (`BTC/USDT`), if the venue lists it. */
  fromSymbol(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol)
  }
}
