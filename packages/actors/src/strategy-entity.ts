/**
 * The `Strategy` cluster entity: one actor per strategy id, placed by the
 * cluster, that accepts `Start`, `Stop` and `Status` commands.
 *
 * The entity serialises commands for its id (one handler at a time) and keeps
 * coarse state (what it was told to run, since when). The work itself is done
 * by the injected {@link StrategyHost}, so wiring real strategy execution is a
 * matter of providing a different `StrategyHost` layer.
 *
 * Lifetime: a running strategy holds `Entity.keepAlive`, so it is never
 * passivated while it runs; a stopped one is passivated after `maxIdleTime`.
 * The build effect is the actor's start: it runs on first activation and
 * again after a restart (a defect in a handler) or a move to another runner,
 * so it is where state is rebuilt (from the journal, once there is one).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Entity } from "effect/cluster"
import type { Sharding } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { StrategyError, StrategyHost, StrategyPhase, StrategySpec } from "./strategy-host.ts"

/**
 * A strategy's status as the `Status` command reports it.
 *
 * - `phase`: as the host sees it right now;
 * - `kind`: the definition of the last accepted `Start`, or `null`;
 * - `startedAt`: when that `Start` was accepted (epoch ms), or `null`;
 * - `activatedAt`: when this activation of the entity was built (epoch ms);
 *   it changes when the entity restarts, moves or is reactivated.
 *
 * @since 0.1.0
 */
export const StrategyStatus = Schema.Struct({
  strategyId: Schema.String,
  phase: StrategyPhase,
  kind: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Schema.Number),
  activatedAt: Schema.Number
})

/**
 * The decoded form of {@link StrategyStatus}.
 *
 * @since 0.1.0
 */
export type StrategyStatus = typeof StrategyStatus.Type

/**
 * Start running a strategy. Starting the spec that is already running is a
 * no-op (redelivery is safe); starting a different spec while one runs fails
 * with `StrategyError`.
 *
 * @since 0.1.0
 */
export const Start = Rpc.make("Start", {
  payload: StrategySpec,
  success: StrategyStatus,
  error: StrategyError
})

/**
 * Stop the strategy. Stopping a stopped strategy is a no-op.
 *
 * @since 0.1.0
 */
export const Stop = Rpc.make("Stop", {
  success: StrategyStatus,
  error: StrategyError
})

/**
 * Report the strategy's {@link StrategyStatus}.
 *
 * @since 0.1.0
 */
export const Status = Rpc.make("Status", {
  success: StrategyStatus,
  error: StrategyError
})

/**
 * The `Strategy` entity type. Get a client with
 * `const strategies = yield* Strategy.client` then `strategies(id).Start(spec)`.
 *
 * @since 0.1.0
 */
export const Strategy = Entity.make("Strategy", [Start, Stop, Status])

interface State {
  readonly spec: StrategySpec | null
  readonly running: boolean
  readonly startedAt: number | null
}

const sameSpec = (a: StrategySpec, b: StrategySpec): boolean => {
  if (a.kind !== b.kind) return false
  const keys = Object.keys(a.params)
  if (keys.length !== Object.keys(b.params).length) return false
  for (const key of keys) {
    if (a.params[key] !== b.params[key]) return false
  }
  return true
}

/**
 * The entity's build effect: runs once per activation with the entity's
 * address in context and returns the handlers.
 *
 * @since 0.1.0
 */
export const build = Effect.gen(function*() {
  const host = yield* StrategyHost
  const address = yield* Entity.CurrentAddress
  const strategyId: string = address.entityId
  const activatedAt = yield* Clock.currentTimeMillis

  // Crash-only start: the host may still be running this strategy from before
  // a restart. The spec itself will come from the journal.
  const recovered = yield* host.status(strategyId).pipe(
    Effect.catch(() => Effect.succeed<StrategyPhase>("stopped"))
  )
  const state = yield* Ref.make<State>({ spec: null, running: recovered === "running", startedAt: null })

  const keepAlive = (enabled: boolean) =>
    Entity.keepAlive(enabled).pipe(Effect.provideService(Entity.CurrentAddress, address))
  if (recovered === "running") yield* keepAlive(true)

  const status = Effect.gen(function*() {
    const phase = yield* host.status(strategyId)
    const current = yield* Ref.get(state)
    return {
      strategyId,
      phase,
      kind: current.spec === null ? null : current.spec.kind,
      startedAt: current.startedAt,
      activatedAt
    } satisfies StrategyStatus
  })

  return Strategy.of({
    Start: ({ payload: spec }) =>
      Effect.gen(function*() {
        const current = yield* Ref.get(state)
        if (current.running && current.spec !== null) {
          if (sameSpec(current.spec, spec)) return yield* status
          return yield* new StrategyError({
            strategyId,
            reason: `already running "${current.spec.kind}"; stop it first`
          })
        }
        yield* host.start(strategyId, spec)
        const now = yield* Clock.currentTimeMillis
        yield* Ref.set(state, { spec, running: true, startedAt: now })
        if (!current.running) yield* keepAlive(true)
        return yield* status
      }),
    Stop: () =>
      Effect.gen(function*() {
        yield* host.stop(strategyId)
        const current = yield* Ref.getAndUpdate(state, (s) => ({ ...s, running: false }))
        if (current.running) yield* keepAlive(false)
        return yield* status
      }),
    Status: () => status
  })
})

/**
 * Options for {@link layer}.
 *
 * @since 0.1.0
 */
export interface StrategyEntityOptions {
  /** Passivate a stopped strategy after this long without messages. Default 5 minutes. */
  readonly maxIdleTime?: Duration.Input | undefined
  /** Backoff between restarts after a defect (the cluster's default: 500 ms × 1.5, capped at 10 s). */
  readonly defectRetryPolicy?: Schedule.Schedule<any, unknown> | undefined
}

/**
 * Registers the `Strategy` entity with the node's `Sharding`. Needs a
 * `StrategyHost`.
 *
 * @since 0.1.0
 */
export const layer = (
  options?: StrategyEntityOptions
): Layer.Layer<never, never, StrategyHost | Sharding.Sharding> =>
  Strategy.toLayer(build, {
    maxIdleTime: options?.maxIdleTime ?? "5 minutes",
    defectRetryPolicy: options?.defectRetryPolicy
  })
