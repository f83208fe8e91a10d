/**
 * The single-node cluster serving the Strategy and Account entities from the real
 * TradingNode, end to end: real `Sharding` and entity managers, real message storage
 * (in memory, and SQL over `node:sqlite`), calls through the entity clients with remote
 * serialization simulated, strategies defined with `defineStrategy` and run by the
 * node against the Binance simulator on loopback (driven by the market model), orders
 * filled by the paper venue.
 *
 * No test clock (`excludeTestServices: true`, `it.live`): cluster internals sleep.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import type { AnyStrategy } from "@hft/core"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ClusterSchema, DeliverAt, Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { SqlClient } from "effect/sql"
import * as AccountEntity from "../src/account-entity.ts"
import { AccountError } from "../src/account-host.ts"
import * as ClusterNode from "../src/cluster-node.ts"
import { MarketHub } from "../src/market-hub.ts"
import { nodeLayer, singleNodeLayer } from "../src/node-layer.ts"
import * as SqliteClient from "../src/sqlite-client.ts"
import * as StrategyEntity from "../src/strategy-entity.ts"
import { StrategyError } from "../src/strategy-host.ts"
import { TradingNode } from "../src/trading-node.ts"
import { type InitControl, Probes, SYMBOL, VENUE, nodeConfig, residentEntities, restingBid, waitFor, withSimMarket } from "./harness.ts"

const { Strategy } = StrategyEntity
const { Account } = AccountEntity

const probes = new Probes()
const initControl: InitControl = { failuresLeft: 0 }
const strategies = new Map<string, AnyStrategy>([
  ["resting-bid", restingBid("resting-bid", probes)],
  ["init-fails", restingBid("init-fails", probes, initControl)]
])
const accounts = ["main", "desk-1", "desk-2"]

const restingSpec = (account: string, depthBps = "100") => ({ kind: "resting-bid", params: { account, depthBps } })

const openingBalances = [
  { venue: VENUE, asset: "USDT", amount: "100000" },
  { venue: VENUE, asset: "BTC", amount: "1" }
]

/** The open orders of a strategy once its resting bid has been accepted by the paper venue. */
const restingAccepted = (node: TradingNode["Service"], accountId: string, strategyId: string) =>
  waitFor(`${strategyId}'s resting bid accepted`, () => {
    const open = node.account(accountId)!.orders.openOrders(strategyId)
    return open.length === 1 && open[0]!.status === "accepted" ? open : undefined
  })

// ---------------------------------------------------------------------------

layer(withSimMarket((sim) => singleNodeLayer(nodeConfig(sim, { accounts, strategies }))), { excludeTestServices: true })(
  "single node, in-memory storage, real trading node",
  (it) => {
    it.effect("Start, Status and Stop a Strategy through the entity client; the node runs it", () =>
      Effect.gen(function*() {
        const client = yield* Strategy.client
        const node = yield* TradingNode
        const hub = yield* MarketHub
        const s1 = client("s-1")

        const started = yield* s1.Start(restingSpec("main"))
        assert.strictEqual(started.strategyId, "s-1")
        assert.strictEqual(started.phase, "running")
        assert.strictEqual(started.kind, "resting-bid")
        assert.isNumber(started.startedAt)
        assert.isAtLeast(started.startedAt!, started.activatedAt)

        // The node really runs it: market data from the simulator, an order acked by the paper venue.
        const runner = node.runner("s-1")
        assert.isDefined(runner)
        assert.isTrue(runner!.isRunning())
        assert.strictEqual(node.phase("s-1"), "running")
        const [bid] = yield* restingAccepted(node, "main", "s-1")
        assert.strictEqual(bid!.owner, "s-1")
        assert.isAbove(probes.of("s-1").books, 0)
        const line = hub.stats().find((l) => l.venue === VENUE && l.symbol === SYMBOL)
        assert.isDefined(line)
        assert.isTrue(line!.connected)
        assert.strictEqual(line!.subscribers, 2, "the account's paper venue and the strategy")

        assert.deepStrictEqual(yield* s1.Status(), started)

        // The same start again (parameters in another order) is a no-op: no second runner, no second onStart.
        const again = yield* s1.Start({ kind: "resting-bid", params: { depthBps: "100", account: "main" } })
        assert.deepStrictEqual(again, started)
        assert.strictEqual(node.runner("s-1"), runner)
        assert.strictEqual(probes.of("s-1").starts, 1)

        // A different spec while running is refused with a typed error.
        const refused = yield* Effect.flip(s1.Start({ kind: "init-fails", params: { account: "main" } }))
        assert.instanceOf(refused, StrategyError)
        assert.strictEqual(refused.strategyId, "s-1")
        assert.include(refused.reason, "already running \"resting-bid\"")
        assert.strictEqual(node.runner("s-1"), runner)

        const stopped = yield* s1.Stop()
        assert.strictEqual(stopped.phase, "stopped")
        assert.strictEqual(stopped.kind, "resting-bid")
        assert.strictEqual((yield* s1.Status()).phase, "stopped")
        assert.strictEqual(node.phase("s-1"), "stopped")
        assert.isUndefined(node.runner("s-1"))
        assert.isFalse(runner!.isRunning())
        assert.strictEqual(probes.of("s-1").stops, 1)
        assert.strictEqual(hub.stats().find((l) => l.symbol === SYMBOL)!.subscribers, 1, "only the paper venue is left")

        // Stopping again is a no-op.
        assert.strictEqual((yield* s1.Stop()).phase, "stopped")
        assert.strictEqual(probes.of("s-1").stops, 1)

        // Another id is another actor with its own state.
        const other = yield* client("s-2").Status()
        assert.strictEqual(other.strategyId, "s-2")
        assert.strictEqual(other.phase, "stopped")
        assert.isNull(other.kind)
      }))

    it.effect("refusals are typed StrategyErrors and leave the strategy stopped", () =>
      Effect.gen(function*() {
        const client = yield* Strategy.client
        const node = yield* TradingNode
        const hub = yield* MarketHub

        const refusal = (id: string, spec: { kind: string; params: Record<string, string> }) =>
          Effect.gen(function*() {
            const error = yield* Effect.flip(client(id).Start(spec))
            assert.instanceOf(error, StrategyError)
            assert.strictEqual(error.strategyId, id)
            const status = yield* client(id).Status()
            assert.strictEqual(status.phase, "stopped")
            assert.isNull(status.kind)
            assert.strictEqual(node.phase(id), "stopped")
            assert.isUndefined(node.runner(id))
            return error.reason
          })

        assert.include(yield* refusal("r-kind", { kind: "momentum", params: {} }), "unknown strategy kind 'momentum'")
        assert.include(yield* refusal("r-param", { kind: "resting-bid", params: { depthBps: "wide" } }), "parameter depthBps must be a number")
        assert.include(yield* refusal("r-name", { kind: "resting-bid", params: { colour: "red" } }), "unknown parameter colour")
        assert.include(yield* refusal("r-account", restingSpec("nobody")), "unknown account 'nobody'")
        const noSuchSymbol = yield* refusal("r-symbol", { kind: "resting-bid", params: { account: "desk-2", symbol: "NOPE/USDT" } })
        assert.include(noSuchSymbol, "does not list it")
        // The refused subscription released its session: no line is left running for it.
        assert.isUndefined(hub.stats().find((l) => l.symbol === "NOPE/USDT"))
      }))

    it.effect("an init that throws is refused with a StrategyError (no entity crash loop); the next Start runs", () =>
      Effect.gen(function*() {
        const client = yield* Strategy.client
        const node = yield* TradingNode
        initControl.failuresLeft = 1

        const error = yield* Effect.flip(client("s-init").Start({ kind: "init-fails", params: { account: "desk-2" } }))
        assert.instanceOf(error, StrategyError)
        assert.include(error.reason, "init failed: init-fails: injected init failure")
        assert.strictEqual(initControl.failuresLeft, 0)
        const status = yield* client("s-init").Status()
        assert.strictEqual(status.phase, "stopped")
        assert.isNull(status.kind)
        assert.isUndefined(node.runner("s-init"))
        assert.strictEqual(probes.of("s-init").starts, 0)

        const started = yield* client("s-init").Start({ kind: "init-fails", params: { account: "desk-2" } })
        assert.strictEqual(started.phase, "running")
        assert.strictEqual(started.activatedAt, status.activatedAt, "the entity was not restarted")
        yield* restingAccepted(node, "desk-2", "s-init")
        assert.strictEqual(probes.of("s-init").starts, 1)
        yield* client("s-init").Stop()
      }))

    it.effect("the node's own start is idempotent for the same spec in any parameter order (what a rebuilt entity relies on)", () =>
      Effect.gen(function*() {
        const node = yield* TradingNode
        yield* node.start("direct", { kind: "resting-bid", params: { account: "desk-2", depthBps: "120" } })
        const runner = node.runner("direct")
        assert.isDefined(runner)
        yield* node.start("direct", { kind: "resting-bid", params: { depthBps: "120", account: "desk-2" } })
        assert.strictEqual(node.runner("direct"), runner)
        const error = yield* Effect.flip(node.start("direct", { kind: "resting-bid", params: { account: "desk-2", depthBps: "130" } }))
        assert.include(error.reason, "already running with another spec")
        yield* node.stop("direct")
        assert.strictEqual(node.phase("direct"), "stopped")
        assert.strictEqual(probes.of("direct").starts, 1)
        assert.strictEqual(probes.of("direct").stops, 1)
      }))

    it.effect("Account GetState, Halt and SetTradingState act on the node's account", () =>
      Effect.gen(function*() {
        const client = yield* Account.client
        const node = yield* TradingNode
        const desk = client("desk-1")

        const fresh = yield* desk.GetState()
        assert.deepStrictEqual(fresh, { accountId: "desk-1", tradingState: "ACTIVE", reason: "opened", balances: openingBalances, positions: [] })

        const halted = yield* desk.Halt({ reason: "kill switch drill" })
        assert.deepStrictEqual(halted, { ...fresh, tradingState: "HALTED", reason: "kill switch drill" })
        assert.strictEqual(node.account("desk-1")!.account.tradingState(), "HALTED")
        assert.deepStrictEqual(yield* desk.GetState(), halted)

        // Halting a halted account keeps it halted (redelivery is harmless).
        assert.strictEqual((yield* desk.Halt({ reason: "second press" })).tradingState, "HALTED")

        // Other accounts are untouched.
        assert.strictEqual((yield* client("desk-2").GetState()).tradingState, "ACTIVE")
        assert.strictEqual(node.account("desk-2")!.account.tradingState(), "ACTIVE")

        const reducing = yield* desk.SetTradingState({ state: "REDUCING", reason: "unwind only" })
        assert.strictEqual(reducing.tradingState, "REDUCING")
        assert.strictEqual(reducing.reason, "unwind only")
        assert.strictEqual(node.account("desk-1")!.account.tradingState(), "REDUCING")
        assert.deepStrictEqual(yield* desk.GetState(), reducing)

        const active = yield* desk.SetTradingState({ state: "ACTIVE", reason: "drill over" })
        assert.deepStrictEqual(active, { ...fresh, reason: "drill over" })

        // An account the node does not hold is a typed error, never a success that halted nothing.
        const unknown = yield* Effect.flip(client("nobody").Halt({ reason: "typo" }))
        assert.instanceOf(unknown, AccountError)
        assert.strictEqual(unknown.accountId, "nobody")
        assert.instanceOf(yield* Effect.flip(client("nobody").GetState()), AccountError)
      }))
  }
)

// ---------------------------------------------------------------------------

layer(
  withSimMarket((sim) => singleNodeLayer(nodeConfig(sim, { accounts, strategies, strategyIdle: "1 second" }))),
  { excludeTestServices: true }
)("entity lifetime", (it) => {
  it.effect("a running strategy stays resident (keepAlive), an idle stopped one is passivated, accounts never are", () =>
    Effect.gen(function*() {
      const client = yield* Strategy.client
      const accountClient = yield* Account.client
      const node = yield* TradingNode

      const idle = yield* client("s-idle").Status()
      const live = yield* client("s-live").Start(restingSpec("main"))
      const runner = node.runner("s-live")
      yield* accountClient("desk-1").Halt({ reason: "overnight" })
      assert.strictEqual(yield* residentEntities("Strategy"), 2)
      assert.strictEqual(yield* residentEntities("Account"), 1)

      // The reaper looks every 5 s (its floor) for entities idle longer than maxIdleTime.
      // Wait for the idle strategy to go; nothing may touch it meanwhile.
      const waitResident = (n: number) =>
        Effect.gen(function*() {
          const deadline = Date.now() + 15_000
          while ((yield* residentEntities("Strategy")) !== n) {
            if (Date.now() > deadline) return yield* Effect.die(new Error(`still not ${n} resident strategies`))
            yield* Effect.sleep("100 millis")
          }
        })
      yield* waitResident(1)
      assert.strictEqual(yield* residentEntities("Account"), 1, "the account was not passivated")

      const liveNow = yield* client("s-live").Status()
      assert.strictEqual(liveNow.activatedAt, live.activatedAt, "the running strategy was kept alive")
      assert.strictEqual(liveNow.phase, "running")
      assert.strictEqual(liveNow.kind, "resting-bid")
      assert.strictEqual(node.runner("s-live"), runner)
      assert.strictEqual(probes.of("s-live").starts, 1)

      const idleNow = yield* client("s-idle").Status()
      assert.isAbove(idleNow.activatedAt, idle.activatedAt, "the idle strategy was passivated and rebuilt")
      assert.strictEqual(yield* residentEntities("Strategy"), 2)
      assert.strictEqual((yield* accountClient("desk-1").GetState()).tradingState, "HALTED")
      yield* client("s-live").Stop()
    }))
})

// ---------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "hft-cluster-node-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

layer(
  withSimMarket((sim) =>
    nodeLayer(nodeConfig(sim, { accounts, strategies })).pipe(
      Layer.provideMerge(ClusterNode.layerSql()),
      Layer.provideMerge(SqliteClient.layer({ filename: join(dir, "cluster.db") }))
    )
  ),
  { excludeTestServices: true }
)("single node, SQL storage on node:sqlite, real trading node", (it) => {
  it.effect("persisted Halt and SetTradingState go through the cluster tables; volatile calls work alongside", () =>
    Effect.gen(function*() {
      const accountClient = yield* Account.client
      const client = yield* Strategy.client
      const node = yield* TradingNode
      const sql = yield* SqlClient.SqlClient

      const halted = yield* accountClient("desk-1").Halt({ reason: "stored" })
      assert.strictEqual(halted.tradingState, "HALTED")
      assert.strictEqual(node.account("desk-1")!.account.tradingState(), "HALTED")
      assert.deepStrictEqual(yield* accountClient("desk-1").GetState(), halted)
      yield* accountClient("desk-1").SetTradingState({ state: "ACTIVE", reason: "resumed" })

      const messages = yield* sql<{ tag: string; processed: number }>`
        SELECT tag, processed FROM cluster_messages
        WHERE entity_type = 'Account' AND entity_id = 'desk-1' ORDER BY rowid
      `
      assert.deepStrictEqual(messages.map((m) => m.tag), ["Halt", "SetTradingState"])
      const replies = yield* sql<{ payload: string }>`
        SELECT r.payload FROM cluster_replies r
        JOIN cluster_messages m ON m.request_id = r.request_id
        WHERE m.entity_id = 'desk-1' AND r.kind = 0 ORDER BY m.rowid
      `
      assert.strictEqual(replies.length, 2)
      assert.include(replies[0]!.payload, "HALTED")
      assert.include(replies[0]!.payload, "\"stored\"")
      assert.include(replies[1]!.payload, "\"resumed\"")

      // GetState is volatile: it is never written to storage.
      const getStates = yield* sql<{ n: number }>`SELECT count(*) AS n FROM cluster_messages WHERE tag = 'GetState'`
      assert.strictEqual(getStates[0]!.n, 0)

      const started = yield* client("s-sql").Start(restingSpec("main"))
      assert.strictEqual(started.phase, "running")
      yield* restingAccepted(node, "main", "s-sql")
      assert.deepStrictEqual(yield* client("s-sql").Status(), started)
      yield* client("s-sql").Stop()
    }))
})

// A persisted message scheduled for later is stored in SQLite by one node, which then
// shuts down; a new node on the same database file delivers it. The message is a
// scheduled kill switch: its handler halts an account through the Account entity.

class ScheduledHalt extends Schema.Class<ScheduledHalt>("test/ScheduledHalt")({
  account: Schema.String,
  reason: Schema.String,
  at: Schema.Number
}) {
  [DeliverAt.symbol]() {
    return DateTime.makeUnsafe(this.at)
  }
}

const HaltAt = Rpc.make("HaltAt", { payload: ScheduledHalt }).annotate(ClusterSchema.Persisted, true)
const Scheduler = Entity.make("Scheduler", [HaltAt])

describe("single node, SQL storage on node:sqlite, across a restart", () => {
  it.live("a stored message is delivered by the next node on the same database file", () =>
    Effect.gen(function*() {
      const delivered: Array<{ readonly reason: string; readonly node: string }> = []
      const node = (name: string) =>
        Scheduler.toLayer(Effect.gen(function*() {
          const accountClient = yield* Account.client
          return Scheduler.of({
            HaltAt: ({ payload }) =>
              accountClient(payload.account).Halt({ reason: payload.reason }).pipe(
                Effect.andThen(Effect.sync(() => void delivered.push({ reason: payload.reason, node: name }))),
                Effect.orDie
              )
          })
        })).pipe(
          Layer.provideMerge(nodeLayer(nodeConfig(undefined, { accounts, strategies }))),
          Layer.provideMerge(ClusterNode.layerSql()),
          Layer.provide(SqliteClient.layer({ filename: join(dir, "restart.db") }))
        )

      const due = Date.now() + 1500
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(node("first"))
        const scheduler = yield* Scheduler.client.pipe(Effect.provideContext(context))
        yield* scheduler("nightly").HaltAt(new ScheduledHalt({ account: "desk-1", reason: "end of day", at: due }), { discard: true })
      }))
      assert.deepStrictEqual(delivered, [], "not due before the first node stopped")

      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(node("second"))
        const accountClient = yield* Account.client.pipe(Effect.provideContext(context))
        yield* waitFor("the stored halt delivered", () => delivered.length > 0)
        const state = yield* accountClient("desk-1").GetState()
        assert.strictEqual(state.tradingState, "HALTED")
        assert.strictEqual(state.reason, "end of day")
      }))
      assert.deepStrictEqual(delivered, [{ reason: "end of day", node: "second" }])
      assert.isAtLeast(Date.now(), due)
    }))
})
