/**
 * Maker and taker fee rates of the paper venue, in parts per million of the notional;
 * the amount of a fill is core's `feeFor` (exact, rounded up against the trader).
 *
 * @module
 */

/** Fee rates in ppm (0.10 % = 1000); structurally a subset of the venues' `FeeSchedule`. A negative maker rate is a rebate. */
export interface PaperFees {
  /** Rate when our resting order was hit. */
  readonly makerPpm: number
  /** Rate when our order took liquidity. */
  readonly takerPpm: number
}

/** Binance spot base tier: 0.10 % maker, 0.10 % taker. */
export const BINANCE_BASE_FEES: PaperFees = { makerPpm: 1000, takerPpm: 1000 }
