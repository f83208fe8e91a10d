/**
 * The seam between the `Account` cluster entity and the node that holds the account's
 * balances, positions and risk state. The entity orders the commands; the host applies
 * them (a halt also cancels every open order: the kill switch).
 *
 * @module
 */
import { Context, type Effect, Schema } from "effect"

/** ACTIVE trades freely, REDUCING only shrinks positions, HALTED sends nothing. */
export const TradingStateSchema = Schema.Literals(["ACTIVE", "REDUCING", "HALTED"])

/** A balance as decimal text. */
export const BalanceView = Schema.Struct({ venue: Schema.String, asset: Schema.String, amount: Schema.String })

/** A position and its PnL as decimal text (quote asset). */
export const PositionView = Schema.Struct({
  venue: Schema.String,
  symbol: Schema.String,
  size: Schema.String,
  realized: Schema.String,
  unrealized: Schema.String,
  fees: Schema.String
})

/** What the Account entity reports. */
export const AccountSnapshot = Schema.Struct({
  accountId: Schema.String,
  tradingState: TradingStateSchema,
  reason: Schema.String,
  balances: Schema.Array(BalanceView),
  positions: Schema.Array(PositionView)
})

/** The decoded form of {@link AccountSnapshot}. */
export type AccountSnapshot = typeof AccountSnapshot.Type

/**
 * A command for an account this node does not hold. Typed, so that a halt sent to a
 * mistyped account id is refused rather than answered with a success that halted nothing.
 */
export class AccountError extends Schema.TaggedError<AccountError>()("AccountError", {
  accountId: Schema.String,
  reason: Schema.String
}) {}

/** Holds accounts on behalf of the `Account` entity; every method is idempotent. */
export class AccountHost extends Context.Service<AccountHost, {
  /** The account as it is now. */
  readonly snapshot: (accountId: string) => Effect.Effect<AccountSnapshot, AccountError>
  /** Sets the trading state; HALTED also cancels every open order. */
  readonly setTradingState: (
    accountId: string,
    state: typeof TradingStateSchema.Type,
    reason: string
  ) => Effect.Effect<AccountSnapshot, AccountError>
}>()("@hft/actors/AccountHost") {}
