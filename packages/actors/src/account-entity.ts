/**
 * The `Account` cluster entity: one per account, placed by the cluster. It orders the
 * commands on an account — read its state, halt it (the kill switch), change its
 * trading state — and applies them through the node's {@link AccountHost}.
 *
 * Halt and SetTradingState are persisted messages (at-least-once, redelivered after a
 * failover); both are idempotent. Every command for an account the node does not hold
 * fails with `AccountError`. Accounts never go idle: a passivated account would
 * lose nothing (the host holds the state), but reactivation costs a round trip on the
 * kill-switch path.
 *
 * @module
 */
import { Duration, Effect, type Layer, Schema } from "effect"
import { ClusterSchema, Entity, type Sharding } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { AccountError, AccountHost, AccountSnapshot, TradingStateSchema } from "./account-host.ts"

/** Reads the account: trading state, balances, positions and PnL. */
export const GetState = Rpc.make("GetState", { success: AccountSnapshot, error: AccountError })

/** Halts trading and cancels every open order. Persisted, idempotent. */
export const Halt = Rpc.make("Halt", {
  payload: { reason: Schema.String },
  success: AccountSnapshot,
  error: AccountError
}).annotate(ClusterSchema.Persisted, true)

/** Sets the trading state (e.g. back to ACTIVE after a halt). Persisted, idempotent. */
export const SetTradingState = Rpc.make("SetTradingState", {
  payload: { state: TradingStateSchema, reason: Schema.String },
  success: AccountSnapshot,
  error: AccountError
}).annotate(ClusterSchema.Persisted, true)

/**
 * The `Account` entity type. Get a client with `const accounts = yield* Account.client`,
 * then `accounts(id).Halt({ reason })`.
 */
export const Account = Entity.make("Account", [GetState, Halt, SetTradingState])

/** The entity's build effect: handlers that delegate to the node's account host. */
export const build = Effect.gen(function*() {
  const address = yield* Entity.CurrentAddress
  const host = yield* AccountHost
  const id = address.entityId
  return Account.of({
    GetState: () => host.snapshot(id),
    Halt: ({ payload }) => host.setTradingState(id, "HALTED", payload.reason),
    SetTradingState: ({ payload }) => host.setTradingState(id, payload.state, payload.reason)
  })
})

/** Registers the `Account` entity with the node's `Sharding`. */
export const layer: Layer.Layer<never, never, Sharding.Sharding | AccountHost> = Account.toLayer(build, {
  maxIdleTime: Duration.infinity
})
