/**
 * Portfolio: balances per venue and asset, positions per venue and instrument, average
 * entry, realized and unrealized PnL, fees — all exact integers.
 *
 * Balances are `bigint`s at {@link LEDGER_SCALE} decimals and change only by cash flows
 * (a fill moves base, quote and fee), so they never drift. Position cost and PnL are
 * kept at the instrument's notional scale (price scale + size scale).
 *
 * @module
 */
import { formatUnits, mulDivCeil, mulDivFloor, pow10 } from "./fixed-point.ts"
import { type Instrument, notionalScale } from "./instrument.ts"
import { BID, type Side } from "./order-book.ts"
import { VenueSymbolMap } from "./venue-symbol-map.ts"

/** Decimal places of every balance. */
export const LEDGER_SCALE = 18

/** Parts per million: fee rates are integers of ppm (0.10 % = 1000 ppm). */
export const PPM = 1_000_000n

/** A position in one instrument on one venue. */
export interface Position {
  /** The instrument. */
  readonly instrument: Instrument
  /** Signed size in size units (+ long, − short). */
  size: number
  /** Signed cost of the open position at notional scale (+ for longs, − for shorts). */
  cost: bigint
  /** Realized PnL at notional scale, before fees. */
  realized: bigint
  /** Fees paid on this instrument at notional scale. */
  fees: bigint
  /** Number of fills. */
  fills: number
}

/** A fill as the portfolio books it. */
export interface FillBooking {
  /** Fee charged, at the instrument's notional scale. */
  readonly fee: bigint
  /** Realized PnL from this fill (before fee), at notional scale. */
  readonly realized: bigint
}

/**
 * Fee of a fill of `size` at `price` at a rate of `ppm`, at the instrument's notional
 * scale, exact and rounded toward +∞ (against the trader; a negative rate is a rebate).
 */
export const feeFor = (price: number, size: number, ppm: number): bigint =>
  mulDivCeil(BigInt(price) * BigInt(size), BigInt(ppm), PPM)

/** Converts an amount at `scale` decimals to ledger units. */
export const toLedger = (amount: bigint, scale: number): bigint => amount * pow10(LEDGER_SCALE - scale)

/** Renders ledger units as decimal text. */
export const formatLedger = (amount: bigint): string => formatUnits(amount, LEDGER_SCALE)

const balanceKey = (venue: string, asset: string): string => `${venue}\u0000${asset}`

/** Balances and positions of one account across venues. */
export class Portfolio {
  private readonly balances = new Map<string, bigint>()
  private readonly positions = new VenueSymbolMap<Position>()

  /** Credits (or with a negative amount debits) a balance, in ledger units. */
  adjust(venue: string, asset: string, amount: bigint): void {
    const key = balanceKey(venue, asset)
    this.balances.set(key, (this.balances.get(key) ?? 0n) + amount)
  }

  /** Balance of `asset` on `venue`, in ledger units. */
  balance(venue: string, asset: string): bigint {
    return this.balances.get(balanceKey(venue, asset)) ?? 0n
  }

  /** Every non-zero balance as `{ venue, asset, amount }` (ledger units). */
  allBalances(): Array<{ venue: string; asset: string; amount: bigint }> {
    const out: Array<{ venue: string; asset: string; amount: bigint }> = []
    for (const [key, amount] of this.balances) {
      const [venue, asset] = key.split("\u0000") as [string, string]
      out.push({ venue, asset, amount })
    }
    return out
  }

  /** The position in `instrument` (created flat on first use). */
  position(instrument: Instrument): Position {
    let position = this.positions.get(instrument.venue, instrument.symbol)
    if (position === undefined) {
      position = { instrument, size: 0, cost: 0n, realized: 0n, fees: 0n, fills: 0 }
      this.positions.set(instrument.venue, instrument.symbol, position)
    }
    return position
  }

  /** Every position ever opened. */
  allPositions(): Array<Position> {
    return [...this.positions.values()]
  }

  /**
   * Books a fill: moves base and quote balances, charges `fee` (at the notional scale,
   * see {@link feeFor}) in the quote asset, and updates position, average cost and
   * realized PnL.
   */
  applyFill(instrument: Instrument, side: Side, price: number, size: number, fee: bigint): FillBooking {
    const notional = BigInt(price) * BigInt(size)
    const ns = notionalScale(instrument)
    const baseLedger = toLedger(BigInt(size), instrument.sizeScale)
    const quoteLedger = toLedger(notional, ns)
    const feeLedger = toLedger(fee, ns)
    if (side === BID) {
      this.adjust(instrument.venue, instrument.base, baseLedger)
      this.adjust(instrument.venue, instrument.quote, -quoteLedger - feeLedger)
    } else {
      this.adjust(instrument.venue, instrument.base, -baseLedger)
      this.adjust(instrument.venue, instrument.quote, quoteLedger - feeLedger)
    }
    const position = this.position(instrument)
    const signed = side === BID ? size : -size
    let realized = 0n
    let rest = signed
    if (position.size !== 0 && Math.sign(position.size) !== Math.sign(signed)) {
      const closing = Math.sign(signed) * Math.min(Math.abs(signed), Math.abs(position.size))
      const costRemoved =
        Math.abs(closing) === Math.abs(position.size)
          ? position.cost
          : mulDivFloor(position.cost, BigInt(Math.abs(closing)), BigInt(Math.abs(position.size)))
      realized = -(BigInt(closing) * BigInt(price)) - costRemoved
      position.size += closing
      position.cost -= costRemoved
      rest = signed - closing
    }
    if (rest !== 0) {
      position.size += rest
      position.cost += BigInt(rest) * BigInt(price)
    }
    position.realized += realized
    position.fees += fee
    position.fills++
    return { fee, realized }
  }

  /** Unrealized PnL of a position marked at `mark` (price units), at notional scale. */
  static unrealized(position: Position, mark: number): bigint {
    if (position.size === 0 || Number.isNaN(mark)) return 0n
    return BigInt(position.size) * BigInt(Math.round(mark)) - position.cost
  }

  /** Average entry price of a position in price units (may be fractional), NaN when flat. */
  static averageEntry(position: Position): number {
    return position.size === 0 ? NaN : Number(position.cost) / position.size
  }
}
