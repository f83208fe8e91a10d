/**
 * The seam between the `Strategy` cluster entity and the code that actually
 * runs a strategy on this node.
 *
 * The entity (`strategy-entity.ts`) owns identity, command ordering and coarse
 * state; a `StrategyHost` does the work: load the strategy definition, ask the
 * node's market hub for data, run its handlers on the hot path, stop it. This
 * module holds only the contract (the service tag and the values that cross
 * it); implementations live elsewhere and are provided as a layer.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * What to run: the strategy definition's name and its parameters. Parameter
 * values are strings (prices and sizes cross process boundaries as decimal
 * strings, never floats).
 *
 * @since 0.1.0
 */
export const StrategySpec = Schema.Struct({
  kind: Schema.String,
  params: Schema.Record(Schema.String, Schema.String)
})

/**
 * The decoded form of {@link StrategySpec}.
 *
 * @since 0.1.0
 */
export type StrategySpec = typeof StrategySpec.Type

/**
 * Where a strategy is in its life on this node: not running, running, or
 * stopped by a failure of its own (its session died, its handler threw ...).
 *
 * @since 0.1.0
 */
export const StrategyPhase = Schema.Literals(["stopped", "running", "failed"])

/**
 * The decoded form of {@link StrategyPhase}.
 *
 * @since 0.1.0
 */
export type StrategyPhase = typeof StrategyPhase.Type

/**
 * A typed refusal or failure of a strategy command, carried back to the
 * caller of the entity. Return this rather than dying: a defect restarts the
 * entity and replays the same command.
 *
 * @since 0.1.0
 */
export class StrategyError extends Schema.TaggedError<StrategyError>()("StrategyError", {
  strategyId: Schema.String,
  reason: Schema.String
}) {}

/**
 * Runs strategies on this node on behalf of the `Strategy` entity. Every
 * method is keyed by the strategy id (the entity id) and must be idempotent:
 * commands can be delivered again after a restart or failover.
 *
 * - `start` begins running `spec` (a second start of the same spec succeeds);
 * - `stop` stops it (stopping a stopped strategy succeeds);
 * - `status` reports the phase as the host sees it.
 *
 * @since 0.1.0
 */
export class StrategyHost extends Context.Service<StrategyHost, {
  readonly start: (strategyId: string, spec: StrategySpec) => Effect.Effect<void, StrategyError>
  readonly stop: (strategyId: string) => Effect.Effect<void, StrategyError>
  readonly status: (strategyId: string) => Effect.Effect<StrategyPhase, StrategyError>
}>()("@hft/actors/StrategyHost") {}
