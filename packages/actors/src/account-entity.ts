/**
 * The `Account` cluster entity: one actor per account, placed by the cluster,
 * holding the account's trading state (ACTIVE / REDUCING / HALTED) — the kill
 * switch. Balances, positions, PnL and risk limits join it later.
 *
 * `Halt` and `SetTradingState` are persisted messages: they go through the
 * cluster's message storage and are delivered at least once (again after a
 * restart or failover). Both are idempotent: asking for the state the
 * account is already in changes nothing.
 *
 * Lifetime: the account never passivates (`maxIdleTime` infinite). Its state
 * lives in memory until it is rebuilt from the journal, and a passivated
 * HALTED account would otherwise come back ACTIVE.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { ClusterSchema, Entity } from "effect/cluster"
import type { Sharding } from "effect/cluster"
import { Rpc } from "effect/rpc"

/**
 * Whether an account may trade: ACTIVE (normal), REDUCING (only orders that
 * reduce exposure), HALTED (no new orders).
 *
 * @since 0.1.0
 */
export const TradingState = Schema.Literals(["ACTIVE", "REDUCING", "HALTED"])

/**
 * The decoded form of {@link TradingState}.
 *
 * @since 0.1.0
 */
export type TradingState = typeof TradingState.Type

/**
 * The account's coarse state: its trading state, why it was last changed,
 * and when (epoch ms; `null` while it has never changed).
 *
 * @since 0.1.0
 */
export const AccountState = Schema.Struct({
  accountId: Schema.String,
  tradingState: TradingState,
  reason: Schema.NullOr(Schema.String),
  changedAt: Schema.NullOr(Schema.Number)
})

/**
 * The decoded form of {@link AccountState}.
 *
 * @since 0.1.0
 */
export type AccountState = typeof AccountState.Type

/**
 * Read the account's state.
 *
 * @since 0.1.0
 */
export const GetState = Rpc.make("GetState", { success: AccountState })

/**
 * The kill switch: set the account HALTED with a reason. Persisted.
 *
 * @since 0.1.0
 */
export const Halt = Rpc.make("Halt", {
  payload: { reason: Schema.String },
  success: AccountState
}).annotate(ClusterSchema.Persisted, true)

/**
 * Set any trading state (e.g. resume to ACTIVE after a halt). Persisted.
 *
 * @since 0.1.0
 */
export const SetTradingState = Rpc.make("SetTradingState", {
  payload: { state: TradingState, reason: Schema.String },
  success: AccountState
}).annotate(ClusterSchema.Persisted, true)

/**
 * The `Account` entity type. Get a client with
 * `const accounts = yield* Account.client` then `accounts(id).Halt({ reason })`.
 *
 * @since 0.1.0
 */
export const Account = Entity.make("Account", [GetState, Halt, SetTradingState])

/**
 * The entity's build effect: runs once per activation with the entity's
 * address in context and returns the handlers. A fresh account is ACTIVE.
 *
 * @since 0.1.0
 */
export const build = Effect.gen(function*() {
  const address = yield* Entity.CurrentAddress
  const state = yield* Ref.make<AccountState>({
    accountId: address.entityId,
    tradingState: "ACTIVE",
    reason: null,
    changedAt: null
  })

  const transition = (next: TradingState, reason: string) =>
    Effect.gen(function*() {
      const current = yield* Ref.get(state)
      if (current.tradingState === next) return current
      const changedAt = yield* Clock.currentTimeMillis
      const updated: AccountState = { ...current, tradingState: next, reason, changedAt }
      yield* Ref.set(state, updated)
      return updated
    })

  return Account.of({
    GetState: () => Ref.get(state),
    Halt: ({ payload }) => transition("HALTED", payload.reason),
    SetTradingState: ({ payload }) => transition(payload.state, payload.reason)
  })
})

/**
 * Registers the `Account` entity with the node's `Sharding`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<never, never, Sharding.Sharding> = Account.toLayer(build, {
  maxIdleTime: Duration.infinity
})
