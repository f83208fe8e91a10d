/**
 * The single-node cluster with the Strategy and Account entities, end to end:
 * real `Sharding`, real entity managers, real message storage (in memory, and
 * SQL over `node:sqlite`), calls through the entity clients with remote
 * serialization simulated. The only stand-in is the `StrategyHost`, whose
 * real implementation does not exist yet: an in-memory host that records its
 * calls.
 *
 * No test clock (`excludeTestServices: true`): cluster internals sleep.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ClusterSchema, DeliverAt, Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { SqlClient } from "effect/sql"
import * as AccountEntity from "../src/account-entity.ts"
import * as ClusterNode from "../src/cluster-node.ts"
import * as SqliteClient from "../src/sqlite-client.ts"
import * as StrategyEntity from "../src/strategy-entity.ts"
import { StrategyError, StrategyHost, type StrategyPhase } from "../src/strategy-host.ts"

const { Strategy } = StrategyEntity
const { Account } = AccountEntity

// ---------------------------------------------------------------------------
// An in-memory StrategyHost that records calls. `kind: "crash-once"` dies on
// its first start for an id (a defect, as a bug in a handler would be);
// `kind: "refuse"` fails with a typed StrategyError.
// ---------------------------------------------------------------------------

class HostProbe extends Context.Service<HostProbe, {
  readonly startCalls: (strategyId: string) => number
}>()("test/HostProbe") {}

const InMemoryHost = Layer.effectContext(Effect.sync(() => {
  const phases = new Map<string, StrategyPhase>()
  const starts = new Map<string, number>()
  const crashed = new Set<string>()
  const host = StrategyHost.of({
    start: (strategyId, spec) =>
      Effect.suspend(() => {
        starts.set(strategyId, (starts.get(strategyId) ?? 0) + 1)
        if (spec.kind === "crash-once" && !crashed.has(strategyId)) {
          crashed.add(strategyId)
          return Effect.die(new Error(`host crashed starting ${strategyId}`))
        }
        if (spec.kind === "refuse") {
          return Effect.fail(new StrategyError({ strategyId, reason: "refused by host" }))
        }
        phases.set(strategyId, "running")
        return Effect.void
      }),
    stop: (strategyId) => Effect.sync(() => void phases.set(strategyId, "stopped")),
    status: (strategyId) => Effect.sync(() => phases.get(strategyId) ?? "stopped")
  })
  return Context.make(StrategyHost, host).pipe(
    Context.add(HostProbe, { startCalls: (strategyId) => starts.get(strategyId) ?? 0 })
  )
}))

const entities = (strategyOptions?: StrategyEntity.StrategyEntityOptions) =>
  Layer.mergeAll(StrategyEntity.layer(strategyOptions), AccountEntity.layer)

const memoryNode = (strategyOptions?: StrategyEntity.StrategyEntityOptions) =>
  entities(strategyOptions).pipe(
    Layer.provideMerge(ClusterNode.layer()),
    Layer.provideMerge(InMemoryHost)
  )

const marketMaker = { kind: "market-maker", params: { spread: "0.0005", size: "0.01" } }

// ---------------------------------------------------------------------------

layer(memoryNode(), { excludeTestServices: true })("single node, in-memory storage", (it) => {
  it.effect("Start, Status and Stop a Strategy through the entity client", () =>
    Effect.gen(function*() {
      const strategies = yield* Strategy.client
      const probe = yield* HostProbe
      const s1 = strategies("s-1")

      const started = yield* s1.Start(marketMaker)
      assert.strictEqual(started.strategyId, "s-1")
      assert.strictEqual(started.phase, "running")
      assert.strictEqual(started.kind, "market-maker")
      assert.isNumber(started.startedAt)
      assert.isAtLeast(started.startedAt!, started.activatedAt)

      const status = yield* s1.Status()
      assert.deepStrictEqual(status, started)

      // The same start again is a no-op: the host is not asked twice.
      const again = yield* s1.Start({ kind: "market-maker", params: { size: "0.01", spread: "0.0005" } })
      assert.deepStrictEqual(again, started)
      assert.strictEqual(probe.startCalls("s-1"), 1)

      // A different spec while running is refused with a typed error.
      const refused = yield* Effect.flip(s1.Start({ kind: "momentum", params: {} }))
      assert.instanceOf(refused, StrategyError)
      assert.strictEqual((refused as StrategyError).strategyId, "s-1")
      assert.include((refused as StrategyError).reason, "already running \"market-maker\"")

      const stopped = yield* s1.Stop()
      assert.strictEqual(stopped.phase, "stopped")
      assert.strictEqual(stopped.kind, "market-maker")
      assert.strictEqual((yield* s1.Status()).phase, "stopped")

      // Another id is another actor with its own state.
      const other = yield* strategies("s-2").Status()
      assert.strictEqual(other.strategyId, "s-2")
      assert.strictEqual(other.phase, "stopped")
      assert.isNull(other.kind)
    }))

  it.effect("a typed failure from the host reaches the caller and leaves the strategy stopped", () =>
    Effect.gen(function*() {
      const strategies = yield* Strategy.client
      const error = yield* Effect.flip(strategies("s-refused").Start({ kind: "refuse", params: {} }))
      assert.instanceOf(error, StrategyError)
      assert.strictEqual((error as StrategyError).reason, "refused by host")
      const status = yield* strategies("s-refused").Status()
      assert.strictEqual(status.phase, "stopped")
      assert.isNull(status.kind)
    }))

  it.effect("Halt an Account, read the state back, resume it", () =>
    Effect.gen(function*() {
      const accounts = yield* Account.client
      const acct = accounts("acct-1")

      const fresh = yield* acct.GetState()
      assert.deepStrictEqual(fresh, { accountId: "acct-1", tradingState: "ACTIVE", reason: null, changedAt: null })

      const halted = yield* acct.Halt({ reason: "kill switch drill" })
      assert.strictEqual(halted.tradingState, "HALTED")
      assert.strictEqual(halted.reason, "kill switch drill")
      assert.isNumber(halted.changedAt)
      assert.deepStrictEqual(yield* acct.GetState(), halted)

      // Halting a halted account changes nothing (redelivery is harmless).
      assert.deepStrictEqual(yield* acct.Halt({ reason: "second press" }), halted)

      // Other accounts are untouched.
      assert.strictEqual((yield* accounts("acct-2").GetState()).tradingState, "ACTIVE")

      const resumed = yield* acct.SetTradingState({ state: "REDUCING", reason: "unwind only" })
      assert.strictEqual(resumed.tradingState, "REDUCING")
      assert.strictEqual(resumed.reason, "unwind only")
      assert.deepStrictEqual(yield* acct.GetState(), resumed)
    }))

  it.effect("a defect in a handler restarts that entity (its build re-runs) and the runner stays up", () =>
    Effect.gen(function*() {
      const strategies = yield* Strategy.client
      const accounts = yield* Account.client
      const probe = yield* HostProbe

      const bystander = yield* strategies("s-bystander").Start(marketMaker)
      const before = yield* strategies("s-crash").Status()

      // The host dies on the first start: the entity is restarted with backoff
      // (500 ms first), its build runs again, and the same Start is replayed
      // to the new handlers, which succeed. The caller just sees the reply.
      const after = yield* strategies("s-crash").Start({ kind: "crash-once", params: {} }).pipe(
        Effect.timeout("15 seconds")
      )
      assert.strictEqual(probe.startCalls("s-crash"), 2)
      assert.strictEqual(after.phase, "running")
      assert.strictEqual(after.kind, "crash-once")
      assert.isAbove(after.activatedAt, before.activatedAt, "build ran again")
      assert.isAtLeast(after.activatedAt - before.activatedAt, 400, "after the restart backoff")

      // Only that entity restarted; the runner and the other actors carry on.
      const bystanderNow = yield* strategies("s-bystander").Status()
      assert.strictEqual(bystanderNow.activatedAt, bystander.activatedAt)
      assert.strictEqual(bystanderNow.phase, "running")
      assert.strictEqual((yield* accounts("acct-after-crash").GetState()).tradingState, "ACTIVE")
      assert.deepStrictEqual(yield* strategies("s-crash").Status(), after)
    }))
})

layer(memoryNode({ maxIdleTime: "1 second" }), { excludeTestServices: true })("entity lifetime", (it) => {
  it.effect("a running strategy stays resident (keepAlive), an idle stopped one is passivated, accounts never are", () =>
    Effect.gen(function*() {
      const strategies = yield* Strategy.client
      const accounts = yield* Account.client

      const idle = yield* strategies("s-idle").Status()
      const live = yield* strategies("s-live").Start(marketMaker)
      const halted = yield* accounts("acct-long").Halt({ reason: "overnight" })

      // The reaper looks every 5 s (its floor) for entities idle > maxIdleTime,
      // so an entity idle since now is passivated within 6 s.
      yield* Effect.sleep("7 seconds")

      const idleNow = yield* strategies("s-idle").Status()
      assert.isAbove(idleNow.activatedAt, idle.activatedAt, "the idle strategy was passivated and rebuilt")

      const liveNow = yield* strategies("s-live").Status()
      assert.strictEqual(liveNow.activatedAt, live.activatedAt, "the running strategy was kept alive")
      assert.strictEqual(liveNow.phase, "running")
      assert.strictEqual(liveNow.kind, "market-maker")

      assert.deepStrictEqual(yield* accounts("acct-long").GetState(), halted)
    }))
})

// ---------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "hft-cluster-node-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sqlNode = entities().pipe(
  Layer.provideMerge(ClusterNode.layerSql()),
  Layer.provideMerge(SqliteClient.layer({ filename: join(dir, "cluster.db") })),
  Layer.provideMerge(InMemoryHost)
)

layer(sqlNode, { excludeTestServices: true })("single node, SQL storage on node:sqlite", (it) => {
  it.effect("persisted Halt goes through the cluster tables; volatile calls work alongside", () =>
    Effect.gen(function*() {
      const accounts = yield* Account.client
      const strategies = yield* Strategy.client
      const sql = yield* SqlClient.SqlClient

      const halted = yield* accounts("acct-sql").Halt({ reason: "stored" })
      assert.strictEqual(halted.tradingState, "HALTED")
      assert.deepStrictEqual(yield* accounts("acct-sql").GetState(), halted)

      const messages = yield* sql<{ tag: string; entity_id: string; processed: number }>`
        SELECT tag, entity_id, processed FROM cluster_messages
        WHERE entity_type = 'Account' AND entity_id = 'acct-sql'
      `
      assert.deepStrictEqual(messages.map((m) => m.tag), ["Halt"])
      const replies = yield* sql<{ payload: string }>`
        SELECT r.payload FROM cluster_replies r
        JOIN cluster_messages m ON m.request_id = r.request_id
        WHERE m.entity_id = 'acct-sql' AND r.kind = 0
      `
      assert.strictEqual(replies.length, 1)
      assert.include(replies[0].payload, "HALTED")

      // GetState is volatile: it is never written to storage.
      const getStates = yield* sql<{ n: number }>`SELECT count(*) AS n FROM cluster_messages WHERE tag = 'GetState'`
      assert.strictEqual(getStates[0].n, 0)

      const started = yield* strategies("s-sql").Start(marketMaker)
      assert.strictEqual(started.phase, "running")
      assert.deepStrictEqual(yield* strategies("s-sql").Status(), started)
    }))
})

// A persisted message scheduled for later is stored in SQLite by one node,
// which then shuts down; a new node on the same database file delivers it.

class Reminder extends Schema.Class<Reminder>("test/Reminder")({
  note: Schema.String,
  at: Schema.Number
}) {
  [DeliverAt.symbol]() {
    return DateTime.makeUnsafe(this.at)
  }
}

const Remind = Rpc.make("Remind", { payload: Reminder }).annotate(ClusterSchema.Persisted, true)
const Alarm = Entity.make("Alarm", [Remind])

describe("single node, SQL storage on node:sqlite, across a restart", () => {
  it.live("a stored message is delivered by the next node on the same database file", () =>
    Effect.gen(function*() {
      const delivered: Array<{ readonly note: string; readonly node: string }> = []
      const node = (name: string) =>
        Alarm.toLayer(Alarm.of({
          Remind: ({ payload }) => Effect.sync(() => void delivered.push({ note: payload.note, node: name }))
        })).pipe(
          Layer.provideMerge(ClusterNode.layerSql()),
          Layer.provide(SqliteClient.layer({ filename: join(dir, "restart.db") }))
        )

      const due = Date.now() + 1500
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(node("first"))
        const alarms = yield* Alarm.client.pipe(Effect.provideContext(context))
        yield* alarms("wake-up").Remind(new Reminder({ note: "rebalance", at: due }), { discard: true })
      }))
      assert.deepStrictEqual(delivered, [], "not due before the first node stopped")

      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(node("second"))
        for (let i = 0; i < 100 && delivered.length === 0; i++) yield* Effect.sleep("100 millis")
      }))
      assert.deepStrictEqual(delivered, [{ note: "rebalance", node: "second" }])
      assert.isAtLeast(Date.now(), due)
    }))
})
