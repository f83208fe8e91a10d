/**
 * A trading account on this node: balances and positions across venues, risk limits
 * per instrument, and the account-wide trading state (ACTIVE / REDUCING / HALTED) that
 * every pre-trade check consults.
 *
 * @module
 */
import {
  type Instrument,
  type RiskLimits,
  type TradingState,
  Portfolio,
  PreTradeRisk,
  VenueSymbolMap,
  parseAmount,
  toLedger
} from "@hft/core"

/** An opening balance, as decimal text. */
export interface OpeningBalance {
  readonly venue: string
  readonly asset: string
  readonly amount: string
}

/** How an account is set up. */
export interface TradingAccountConfig {
  /** Account id (the Account entity id). */
  readonly id: string
  /** Balances credited at creation. */
  readonly balances: ReadonlyArray<OpeningBalance>
  /** Risk limits for an instrument. */
  readonly limits: (instrument: Instrument) => RiskLimits
}

/** Decimal places accepted in opening balances. */
const BALANCE_SCALE = 18

/** Balances, positions, limits and trading state of one account. */
export class TradingAccount {
  /** Account id. */
  readonly id: string
  /** Balances and positions. */
  readonly portfolio = new Portfolio()
  /** Why the trading state last changed. */
  stateReason = "opened"
  private state: TradingState = "ACTIVE"
  private readonly risks = new VenueSymbolMap<PreTradeRisk>()
  private readonly limits: (instrument: Instrument) => RiskLimits

  constructor(config: TradingAccountConfig) {
    this.id = config.id
    this.limits = config.limits
    for (const b of config.balances) this.portfolio.adjust(b.venue, b.asset, toLedger(parseAmount(b.amount, BALANCE_SCALE), BALANCE_SCALE))
  }

  /** The pre-trade checker of an instrument (created with the account's limits on first use). */
  risk(instrument: Instrument): PreTradeRisk {
    let risk = this.risks.get(instrument.venue, instrument.symbol)
    if (risk === undefined) {
      risk = new PreTradeRisk(this.limits(instrument))
      risk.state = this.state
      this.risks.set(instrument.venue, instrument.symbol, risk)
    }
    return risk
  }

  /** Current trading state. */
  tradingState(): TradingState {
    return this.state
  }

  /** Changes the trading state for every instrument at once. */
  setTradingState(state: TradingState, reason: string): void {
    this.state = state
    this.stateReason = reason
    for (const risk of this.risks.values()) risk.state = state
  }
}
