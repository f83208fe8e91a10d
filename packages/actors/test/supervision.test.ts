/**
 * Supervision on a real node: the Binance simulator on loopback driven by the market
 * model, the market hub's sessions, the trading node with its paper venues, order
 * managers and strategy runners, and the Strategy and Account entities of a single-node
 * cluster. Failures are injected through real code paths only: a strategy's handler
 * throws, the simulator drops its sockets, an operator halts an account.
 *
 * Every wait is a bounded poll for a condition; nothing asserts how fast.
 */
import { assert, layer } from "@effect/vitest"
import { type AnyStrategy, type Order, ASK, BID } from "@hft/core"
import { marketMaker } from "@hft/strategies"
import { Effect } from "effect"
import * as AccountEntity from "../src/account-entity.ts"
import { MarketHub } from "../src/market-hub.ts"
import { singleNodeLayer } from "../src/node-layer.ts"
import * as StrategyEntity from "../src/strategy-entity.ts"
import { TradingNode } from "../src/trading-node.ts"
import { type InitControl, Probes, SYMBOL, SimMarket, VENUE, nodeConfig, restingBid, waitFor, withSimMarket } from "./harness.ts"

const { Strategy } = StrategyEntity
const { Account } = AccountEntity

const probes = new Probes()
const initControl: InitControl = { failuresLeft: 0 }
const strategies = new Map<string, AnyStrategy>([
  ["resting-bid", restingBid("resting-bid", probes)],
  ["init-fails", restingBid("init-fails", probes, initControl)],
  [marketMaker.name, marketMaker]
])

const spec = (kind: string, account: string, extra: Record<string, string> = {}) => ({ kind, params: { account, ...extra } })

/** Levels of both sides of a book, for comparing a replica with the truth. */
const levels = (book: { top(side: 0 | 1, n: number): Array<readonly [number, number]> }) => ({
  bids: book.top(BID, 100_000),
  asks: book.top(ASK, 100_000)
})

// ---------------------------------------------------------------------------

layer(
  withSimMarket((sim) => singleNodeLayer(nodeConfig(sim, { accounts: ["main", "other", "spare", "feed"], strategies }))),
  { excludeTestServices: true }
)("strategy and session supervision", (it) => {
  it.effect("a handler that throws is restarted with backoff, keeps its position and open orders, and trades on", () =>
    Effect.gen(function*() {
      const client = yield* Strategy.client
      const accountClient = yield* Account.client
      const node = yield* TradingNode
      const { account, orders } = node.account("main")!
      const flaky = probes.of("flaky")
      flaky.wantMarketBuys = 1

      yield* Effect.all([
        client("flaky").Start(spec("resting-bid", "main")),
        client("mm").Start(spec(marketMaker.name, "other"))
      ], { concurrency: 2 })
      const runner = node.runner("flaky")!
      const mmRunner = node.runner("mm")!

      // Trading: a market buy filled and a resting bid acknowledged.
      yield* waitFor("flaky's first fill and its resting bid", () => {
        const open = orders.openOrders("flaky")
        return orders.fills > 0 && open.length === 1 && open[0]!.status === "accepted"
      })
      const position = account.portfolio.allPositions().find((p) => p.instrument.symbol === SYMBOL)!
      const before = {
        orders: orders.openOrders("flaky"),
        position: { ...position },
        balances: account.portfolio.allBalances()
      }
      assert.isAbove(before.position.size, 0)
      assert.strictEqual(flaky.fills, before.position.fills, "every fill reached the strategy")
      const mmQuotesBefore = mmRunner.tickToTrade.count

      // The next book update throws.
      flaky.throwOnBook = 1
      yield* waitFor("flaky restarted", () => node.restarts("flaky") >= 1 && node.phase("flaky") === "running")
      assert.strictEqual(flaky.thrown, 1)
      assert.strictEqual(runner.failures, 1)
      assert.strictEqual(node.restarts("flaky"), 1)
      assert.strictEqual(node.runner("flaky"), runner, "the same runner, restarted in place")
      assert.strictEqual(flaky.starts, 2, "onStart ran again with fresh state")

      // Positions and open orders are the account's and the order manager's: they carried over.
      const after = orders.openOrders("flaky")
      assert.strictEqual(after.length, before.orders.length)
      after.forEach((order, i) => assert.strictEqual(order, before.orders[i], "the same order object"))
      assert.strictEqual(after[0]!.status, "accepted")
      assert.deepStrictEqual({ ...position }, before.position)
      assert.deepStrictEqual(account.portfolio.allBalances(), before.balances)

      // It adopted its resting bid (no second one) and keeps trading.
      const books = flaky.books
      yield* waitFor("more books after the restart", () => flaky.books >= books + 5)
      assert.deepStrictEqual(orders.openOrders("flaky"), before.orders)
      flaky.wantMarketBuys = 2
      yield* waitFor("a fill after the restart", () => position.size === 2 * before.position.size)
      assert.isAbove(position.fills, before.position.fills)
      assert.strictEqual((yield* client("flaky").Status()).phase, "running")

      // The account's snapshot reports the position built across the restart.
      const snapshot = yield* accountClient("main").GetState()
      assert.deepStrictEqual(snapshot.positions.map((p) => [p.venue, p.symbol, p.size]), [[VENUE, SYMBOL, "0.00200000"]])
      assert.isAbove(Number(snapshot.positions[0]!.fees), 0, "taker fees charged")

      // The node stayed up: the other strategy never stopped quoting.
      yield* waitFor("the market maker quoting after the failure", () => mmRunner.tickToTrade.count > mmQuotesBefore)
      assert.strictEqual(node.phase("mm"), "running")
      assert.strictEqual(node.restarts("mm"), 0)
      assert.strictEqual(mmRunner.failures, 0)
      assert.strictEqual(node.runner("mm"), mmRunner)
      assert.isAbove(node.account("other")!.orders.openCount(), 0)

      yield* client("flaky").Stop()
      yield* client("mm").Stop()
    }))

  it.effect("a restart whose init throws is one more failure, retried with backoff until it runs", () =>
    Effect.gen(function*() {
      const client = yield* Strategy.client
      const node = yield* TradingNode
      const probe = probes.of("fragile")

      yield* client("fragile").Start(spec("init-fails", "spare"))
      yield* waitFor("fragile's resting bid", () => node.account("spare")!.orders.openOrders("fragile")[0]?.status === "accepted")
      const [bid] = node.account("spare")!.orders.openOrders("fragile")

      initControl.failuresLeft = 1
      probe.throwOnBook = 1
      yield* waitFor("fragile running again", () => node.restarts("fragile") >= 2 && node.phase("fragile") === "running")
      assert.strictEqual(initControl.failuresLeft, 0)
      assert.strictEqual(node.runner("fragile")!.failures, 2, "the handler, then init")
      assert.strictEqual(node.restarts("fragile"), 2)
      assert.strictEqual(probe.starts, 2)
      assert.deepStrictEqual(node.account("spare")!.orders.openOrders("fragile"), [bid])
      const books = probe.books
      yield* waitFor("fragile handling books again", () => probe.books > books)
      yield* client("fragile").Stop()
    }))

  it.effect("a session whose socket dies reconnects and resyncs to the simulator's book; strategies keep running", () =>
    Effect.gen(function*() {
      const client = yield* Strategy.client
      const node = yield* TradingNode
      const hub = yield* MarketHub
      const { market, incidents } = yield* SimMarket
      const simulator = market.simulators.get(VENUE)!
      const probe = probes.of("watcher")

      yield* client("watcher").Start(spec("resting-bid", "feed"))
      const [bid] = yield* waitFor("the watcher's resting bid", () => {
        const open = node.account("feed")!.orders.openOrders("watcher")
        return open[0]?.status === "accepted" ? open : undefined
      })
      const line = () => hub.stats().find((l) => l.venue === VENUE && l.symbol === SYMBOL)!
      const before = line()
      assert.isTrue(before.connected)
      const disconnectsBefore = incidents.filter((i) => i.incident.kind === "disconnect").length

      simulator.faults.dropConnections()
      yield* waitFor("the session reconnected", () => line().connects > before.connects && line().connected)
      assert.isAbove(line().resyncs, before.resyncs)
      assert.isAbove(incidents.filter((i) => i.incident.kind === "disconnect").length, disconnectsBefore)

      // Resynchronised: with the model paused and the last batch flushed, the hub's book is the simulator's.
      yield* Effect.acquireUseRelease(
        Effect.sync(() => {
          market.model.stop()
          simulator.flush()
        }),
        () =>
          waitFor("the hub's book equal to the simulator's", () => {
            const book = hub.book(VENUE, SYMBOL)
            if (book === undefined) return undefined
            const replica = JSON.stringify(levels(book))
            return replica === JSON.stringify(levels(simulator.book(SYMBOL))) ? replica : undefined
          }),
        () => Effect.sync(() => market.model.start())
      )
      assert.isAbove(simulator.book(SYMBOL).bids.count, 0)

      // The strategy kept running through it and still sees the market; its order is still there.
      const books = probe.books
      yield* waitFor("the watcher handling books after the resync", () => probe.books > books + 3)
      assert.strictEqual(node.phase("watcher"), "running")
      assert.strictEqual(node.restarts("watcher"), 0)
      assert.strictEqual(node.runner("watcher")!.failures, 0)
      assert.deepStrictEqual(node.account("feed")!.orders.openOrders("watcher"), [bid])
      yield* client("watcher").Stop()
    }))
})

// ---------------------------------------------------------------------------

layer(
  withSimMarket((sim) => singleNodeLayer(nodeConfig(sim, { accounts: ["desk", "other"], strategies }))),
  { excludeTestServices: true }
)("the kill switch", (it) => {
  it.effect("Halt through the Account entity cancels every open order and denies new ones; ACTIVE resumes", () =>
    Effect.gen(function*() {
      const client = yield* Strategy.client
      const accountClient = yield* Account.client
      const node = yield* TradingNode
      const hub = yield* MarketHub
      const desk = node.account("desk")!

      // Two strategies of one account starting together on a line nobody follows yet:
      // they share one paper venue (a second one would leave orders its cancels cannot reach).
      yield* Effect.all([
        client("h-1").Start(spec("resting-bid", "desk")),
        client("h-2").Start(spec("resting-bid", "desk", { depthBps: "150" }))
      ], { concurrency: 2 })
      assert.strictEqual(hub.stats().find((l) => l.symbol === SYMBOL)!.subscribers, 3, "one paper venue and two strategies")
      yield* client("bystander").Start(spec("resting-bid", "other"))

      const accepted = (accountId: string, strategyId: string) => {
        const open = node.account(accountId)!.orders.openOrders(strategyId)
        return open.length === 1 && open[0]!.status === "accepted" ? open[0]! : undefined
      }
      const restingBefore: Array<Order> = yield* waitFor("both desk strategies resting", () => {
        const one = accepted("desk", "h-1")
        const two = accepted("desk", "h-2")
        return one !== undefined && two !== undefined ? [one, two] : undefined
      })
      const bystanderOrder = yield* waitFor("the bystander resting", () => accepted("other", "bystander"))
      const submitted = probes.of("h-1").submits + probes.of("h-2").submits

      const halted = yield* accountClient("desk").Halt({ reason: "drill" })
      assert.strictEqual(halted.tradingState, "HALTED")
      assert.strictEqual(halted.reason, "drill")

      // Every open order is canceled once the cancels crossed the paper venue's latency.
      yield* waitFor("the desk's open orders drained", () => desk.orders.openCount() === 0)
      for (const order of restingBefore) assert.strictEqual(order.status, "canceled")

      // The strategies try to quote again on every book; risk denies it.
      yield* waitFor("denials while halted", () =>
        probes.of("h-1").denials.filter((d) => d === "TRADING_HALTED").length >= 3 &&
        probes.of("h-2").denials.filter((d) => d === "TRADING_HALTED").length >= 3)
      assert.strictEqual(probes.of("h-1").submits + probes.of("h-2").submits, submitted, "nothing was sent while halted")
      assert.strictEqual(desk.orders.openCount(), 0)
      assert.isAtLeast(desk.orders.denials, 6)
      assert.strictEqual(node.phase("h-1"), "running", "halting the account does not stop its strategies")

      // Another account is untouched.
      assert.strictEqual(bystanderOrder.status, "accepted")
      assert.strictEqual((yield* accountClient("other").GetState()).tradingState, "ACTIVE")

      const resumed = yield* accountClient("desk").SetTradingState({ state: "ACTIVE", reason: "drill over" })
      assert.strictEqual(resumed.tradingState, "ACTIVE")
      const restingAfter = yield* waitFor("both desk strategies resting again", () => {
        const one = accepted("desk", "h-1")
        const two = accepted("desk", "h-2")
        return one !== undefined && two !== undefined ? [one, two] : undefined
      })
      assert.notInclude(restingAfter.map((o) => o.id), restingBefore[0]!.id)
      assert.notInclude(restingAfter.map((o) => o.id), restingBefore[1]!.id)

      // A second halt finds the new orders and cancels them too.
      yield* accountClient("desk").Halt({ reason: "second drill" })
      yield* waitFor("the desk's open orders drained again", () => desk.orders.openCount() === 0)
      for (const order of restingAfter) assert.strictEqual(order.status, "canceled")
      for (const id of ["h-1", "h-2", "bystander"]) yield* client(id).Stop()
    }))
})
