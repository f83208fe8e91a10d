/**
 * The trading node: accounts, their order managers and paper venues, and the strategies
 * running here, wired to the node's {@link MarketHub}. It implements the
 * {@link StrategyHost} seam of the Strategy entity and the {@link AccountHost} seam of
 * the Account entity, and supervises strategies: a handler that throws is restarted
 * with exponential backoff, keeping positions and open orders.
 *
 * @module
 */
import {
  type AnyStrategy,
  type BookUpdate,
  type Clock,
  type Instrument,
  type MarketListener,
  type RiskLimits,
  type TradePrint,
  type TradingState,
  Portfolio,
  VenueSymbolMap,
  LEDGER_SCALE,
  formatUnitsTrimmed,
  formatUnits,
  subscriptionsOf
} from "@hft/core"
import { backoffMs, venueById } from "@hft/exchanges"
import { type LatencyLeg, PaperVenue } from "@hft/paper"
import { Context, Duration, Effect, Exit, Layer, Queue, Scope, Semaphore } from "effect"
import { AccountError, AccountHost, type AccountSnapshot } from "./account-host.ts"
import { MarketHub } from "./market-hub.ts"
import { OrderManager } from "./order-manager.ts"
import { StrategyError, StrategyHost, type StrategyPhase, type StrategySpec } from "./strategy-host.ts"
import { StrategyRunner } from "./strategy-runner.ts"
import { type OpeningBalance, TradingAccount } from "./trading-account.ts"

/** How a node trades. */
export interface TradingNodeConfig {
  /** Accounts on this node and their opening balances. */
  readonly accounts: ReadonlyArray<{ readonly id: string; readonly balances: ReadonlyArray<OpeningBalance> }>
  /** Risk limits per instrument. */
  readonly limits: (instrument: Instrument) => RiskLimits
  /** Strategy definitions by name. */
  readonly strategies: ReadonlyMap<string, AnyStrategy>
  /** Time source for strategies and paper venues. */
  readonly clock: Clock
  /** Paper venue latency legs and seed. */
  readonly paper?: { readonly entryLatency?: LatencyLeg; readonly ackLatency?: LatencyLeg; readonly seed?: number }
  /** First restart delay after a strategy failure (ms); doubles per failure up to 10 s. */
  readonly restartBackoffMs?: number
}

/** A strategy on this node. */
interface RunningStrategy {
  readonly spec: StrategySpec
  readonly runner: StrategyRunner
  readonly scope: Scope.Closeable
  phase: StrategyPhase
  restarts: number
}

/** An account on this node with its order manager. */
interface NodeAccount {
  readonly account: TradingAccount
  readonly orders: OrderManager
  /** Paper venues by venue and symbol. */
  readonly venues: Map<string, PaperVenue>
}

/** Forwards market data to a target set once it exists (a paper venue needs its instrument first). */
class ForwardingListener implements MarketListener {
  target: MarketListener | undefined = undefined
  onBook(update: BookUpdate): void {
    this.target?.onBook(update)
  }
  onTrade(trade: TradePrint): void {
    this.target?.onTrade(trade)
  }
  onBookInvalid(instrument: Instrument, reason: string): void {
    this.target?.onBookInvalid?.(instrument, reason)
  }
}

/** Whether two specs name the same definition with the same parameters (in any key order). */
const sameSpec = (a: StrategySpec, b: StrategySpec): boolean => {
  if (a.kind !== b.kind) return false
  const keys = Object.keys(a.params)
  return keys.length === Object.keys(b.params).length && keys.every((key) => a.params[key] === b.params[key])
}

/** Turns the string parameters of a spec into the definition's parameter types, over its defaults. */
export const paramsFromSpec = (definition: AnyStrategy, params: Readonly<Record<string, string>>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...(definition.params as Record<string, unknown>) }
  for (const [key, text] of Object.entries(params)) {
    const fallback = out[key]
    if (typeof fallback === "number") {
      const value = Number(text)
      if (!Number.isFinite(value)) throw new Error(`parameter ${key} must be a number, got ${JSON.stringify(text)}`)
      out[key] = value
    } else if (typeof fallback === "boolean") {
      if (text !== "true" && text !== "false") throw new Error(`parameter ${key} must be true or false`)
      out[key] = text === "true"
    } else if (key !== "account" && !(key in out)) {
      throw new Error(`unknown parameter ${key} for strategy ${definition.name}`)
    } else {
      out[key] = text
    }
  }
  return out
}

/** The node's trading services. */
export class TradingNode extends Context.Service<
  TradingNode,
  {
    /**
     * Starts (idempotently) a strategy on this node. Refused with a `StrategyError` for an
     * unknown kind or account, bad parameters, market data that cannot be served, or an
     * `init` that throws; a handler that throws later is restarted with backoff instead.
     */
    readonly start: (strategyId: string, spec: StrategySpec) => Effect.Effect<void, StrategyError>
    /** Stops a strategy (a no-op when it is not running). */
    readonly stop: (strategyId: string) => Effect.Effect<void>
    /** The phase of a strategy. */
    readonly phase: (strategyId: string) => StrategyPhase
    /** The runner of a strategy, for status output. */
    readonly runner: (strategyId: string) => StrategyRunner | undefined
    /** Restarts after failures so far. */
    readonly restarts: (strategyId: string) => number
    /** An account and its order manager. */
    readonly account: (accountId: string) => { readonly account: TradingAccount; readonly orders: OrderManager } | undefined
    /** Mid prices for marking positions, NaN when unknown. */
    readonly mid: (venue: string, symbol: string) => number
  }
>()("@hft/actors/TradingNode") {
  /** The node, with strategies stopped when the layer's scope closes. */
  static readonly layer = (config: TradingNodeConfig) =>
    Layer.effect(
      TradingNode,
      Effect.gen(function*() {
        const hub = yield* MarketHub
        const nodeScope = yield* Effect.scope
        const strategies = new Map<string, RunningStrategy>()
        const accounts = new Map<string, NodeAccount>()
        for (const a of config.accounts) {
          const account = new TradingAccount({ id: a.id, balances: a.balances, limits: config.limits })
          const orders = new OrderManager(account, () => config.clock.nowUs(), (incident) =>
            Effect.runFork(Effect.logWarning(`order ${incident.orderId}: ${incident.detail}`)))
          accounts.set(a.id, { account, orders, venues: new Map() })
        }
        yield* Effect.addFinalizer(() =>
          Effect.forEach([...strategies.values()], (s) => Effect.sync(() => s.runner.stop()).pipe(Effect.andThen(Scope.close(s.scope, Exit.void))), {
            discard: true
          })
        )

        const mid = (venue: string, symbol: string): number => {
          const book = hub.book(venue, symbol)
          return book === undefined ? NaN : book.mid()
        }

        /**
         * The paper venue of an account for one symbol, subscribed to market data for the
         * node's life. Created under a lock: strategies starting at the same time on one
         * account and symbol must share one venue (the subscription yields while the
         * instrument list loads, and a second venue would take over the routing, leaving
         * the first one's resting orders unreachable by cancels).
         */
        const venueLock = Semaphore.makeUnsafe(1)
        const paperVenue = (node: NodeAccount, venueId: string, symbol: string) =>
          venueLock.withPermit(paperVenueUnlocked(node, venueId, symbol))
        const paperVenueUnlocked = Effect.fnUntraced(function*(node: NodeAccount, venueId: string, symbol: string) {
          const key = `${venueId}\u0000${symbol}`
          const existing = node.venues.get(key)
          if (existing !== undefined) return existing
          const forward = new ForwardingListener()
          const instrument = yield* Scope.provide(nodeScope)(hub.subscribe(venueId, symbol, forward))
          const venue = venueById(venueId)
          const paper = new PaperVenue({
            venue: venueId,
            instruments: [instrument],
            clock: config.clock,
            listener: node.orders,
            fees: { makerPpm: venue.fees.makerPpm, takerPpm: venue.fees.takerPpm },
            seed: config.paper?.seed ?? 1,
            fillIdPrefix: `${node.account.id}-${venueId}-`,
            ...(config.paper?.entryLatency === undefined ? {} : { entryLatency: config.paper.entryLatency }),
            ...(config.paper?.ackLatency === undefined ? {} : { ackLatency: config.paper.ackLatency })
          })
          forward.target = paper
          node.venues.set(key, paper)
          node.orders.addMarket({ instrument, venue: paper, mid: () => mid(venueId, symbol) })
          return paper
        })

        const supervise = (strategyId: string, running: RunningStrategy, failures: Queue.Queue<unknown>) =>
          Effect.gen(function*() {
            let attempt = 0
            while (true) {
              const error = yield* Queue.take(failures)
              running.phase = "failed"
              const delay = backoffMs(attempt++, config.restartBackoffMs ?? 100, 10_000)
              yield* Effect.logError(`strategy ${strategyId} failed; restarting in ${delay} ms`, error)
              yield* Effect.sleep(Duration.millis(delay))
              // A throwing `init` is reported to `failures` by the runner: the next turn retries.
              running.runner.restart()
              running.restarts++
              running.phase = running.runner.isRunning() ? "running" : "failed"
            }
          })

        const start = (strategyId: string, spec: StrategySpec): Effect.Effect<void, StrategyError> =>
          Effect.gen(function*() {
            const current = strategies.get(strategyId)
            if (current !== undefined) {
              if (sameSpec(current.spec, spec)) return
              return yield* new StrategyError({ strategyId, reason: "already running with another spec; stop it first" })
            }
            const fail = (reason: string) => new StrategyError({ strategyId, reason })
            const definition = config.strategies.get(spec.kind)
            if (definition === undefined) {
              return yield* fail(`unknown strategy kind '${spec.kind}'; known: ${[...config.strategies.keys()].join(", ")}`)
            }
            const params = yield* Effect.try({ try: () => paramsFromSpec(definition, spec.params), catch: (e) => fail((e as Error).message) })
            const accountId = spec.params["account"] ?? "main"
            const node = accounts.get(accountId)
            if (node === undefined) return yield* fail(`unknown account '${accountId}'`)
            const scope = yield* Scope.make()
            const failures = yield* Queue.unbounded<unknown>()
            const instruments = new VenueSymbolMap<Instrument>()
            const runner = new StrategyRunner(strategyId, definition, params, {
              clock: config.clock,
              account: node.account,
              orders: node.orders,
              instrument: (venue, symbol) => {
                const instrument = instruments.get(venue, symbol)
                if (instrument === undefined) throw new Error(`${venue} ${symbol} is not among the strategy's subscriptions`)
                return instrument
              },
              book: (venue, symbol) => hub.book(venue, symbol),
              fees: (venue) => venueById(venue).fees,
              onFailure: (error) => Queue.offerUnsafe(failures, error),
              log: (message) => Effect.runFork(Effect.logInfo(message).pipe(Effect.annotateLogs({ strategy: strategyId })))
            })
            const subscribed = Effect.forEach(subscriptionsOf(definition, params), (sub) =>
              Effect.gen(function*() {
                yield* paperVenue(node, sub.venue, sub.symbol)
                const instrument = yield* Scope.provide(scope)(hub.subscribe(sub.venue, sub.symbol, runner, { latencyCritical: true }))
                instruments.set(sub.venue, sub.symbol, instrument)
              }), { discard: true })
            const outcome = yield* Effect.exit(subscribed)
            if (Exit.isFailure(outcome)) {
              yield* Scope.close(scope, Exit.void)
              return yield* fail(`market data: ${outcome.cause.reasons.map((r) => String(r._tag === "Fail" ? r.error.reason : r)).join("; ")}`)
            }
            const running: RunningStrategy = { spec, runner, scope, phase: "running", restarts: 0 }
            strategies.set(strategyId, running)
            yield* Scope.provide(scope)(Effect.forkScoped(supervise(strategyId, running, failures)))
            try {
              runner.start()
            } catch (error) {
              // `init` threw: the definition cannot run with these parameters. A typed
              // refusal, not a defect (which would restart the entity and replay the start).
              strategies.delete(strategyId)
              yield* Scope.close(scope, Exit.void)
              return yield* fail(`init failed: ${error instanceof Error ? error.message : String(error)}`)
            }
            if (!runner.isRunning()) running.phase = "failed"
          })

        const stop = (strategyId: string): Effect.Effect<void> =>
          Effect.gen(function*() {
            const running = strategies.get(strategyId)
            if (running === undefined) return
            strategies.delete(strategyId)
            running.runner.stop()
            yield* Scope.close(running.scope, Exit.void)
          })

        return TradingNode.of({
          start,
          stop,
          phase: (strategyId) => strategies.get(strategyId)?.phase ?? "stopped",
          runner: (strategyId) => strategies.get(strategyId)?.runner,
          restarts: (strategyId) => strategies.get(strategyId)?.restarts ?? 0,
          account: (accountId) => accounts.get(accountId),
          mid
        })
      })
    )

  /** The Strategy entity's host, served by this node. */
  static readonly strategyHost = Layer.effect(
    StrategyHost,
    Effect.map(Effect.service(TradingNode), (node) =>
      StrategyHost.of({
        start: node.start,
        stop: node.stop,
        status: (strategyId) => Effect.succeed(node.phase(strategyId))
      }))
  )

  /** The Account entity's host, served by this node. */
  static readonly accountHost = Layer.effect(
    AccountHost,
    Effect.map(Effect.service(TradingNode), (node) =>
      AccountHost.of({
        snapshot: (accountId) =>
          Effect.suspend(() => {
            const entry = node.account(accountId)
            return entry === undefined ? Effect.fail(unknownAccount(accountId)) : Effect.succeed(snapshotOf(node, entry))
          }),
        setTradingState: (accountId, state: TradingState, reason) =>
          Effect.suspend(() => {
            const entry = node.account(accountId)
            if (entry === undefined) return Effect.fail(unknownAccount(accountId))
            entry.account.setTradingState(state, reason)
            if (state === "HALTED") entry.orders.cancelAll()
            return Effect.succeed(snapshotOf(node, entry))
          })
      }))
  )
}

const unknownAccount = (accountId: string) => new AccountError({ accountId, reason: `no account '${accountId}' on this node` })

/** Balances, positions and PnL of an account as decimal text. */
const snapshotOf = (
  node: TradingNode["Service"],
  entry: { readonly account: TradingAccount }
): AccountSnapshot => {
  const { account } = entry
  return {
    accountId: account.id,
    tradingState: account.tradingState(),
    reason: account.stateReason,
    balances: account.portfolio.allBalances().map((b) => ({ venue: b.venue, asset: b.asset, amount: formatUnitsTrimmed(b.amount, LEDGER_SCALE) })),
    positions: account.portfolio.allPositions().map((p) => {
      const scale = p.instrument.priceScale + p.instrument.sizeScale
      return {
        venue: p.instrument.venue,
        symbol: p.instrument.symbol,
        size: formatUnits(p.size, p.instrument.sizeScale),
        realized: formatUnits(p.realized, scale),
        unrealized: formatUnits(Portfolio.unrealized(p, node.mid(p.instrument.venue, p.instrument.symbol)), scale),
        fees: formatUnits(p.fees, scale)
      }
    })
  }
}
