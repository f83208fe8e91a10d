/**
 * What the actors tests share: a real simulated market (the Binance simulator on
 * loopback driven by the market model), nodes built from the real runtime layers, small
 * real strategy definitions whose behaviour the tests steer through a probe, and
 * bounded polling.
 *
 * Nothing here stands in for a component of ours: the strategies are ordinary
 * `defineStrategy` definitions run by the real TradingNode.
 */
import {
  type AnyStrategy,
  type DenialReason,
  type Instrument,
  type RiskLimits,
  BID,
  WallClock,
  defineStrategy,
  isTerminal,
  parseAmount,
  parseUnits
} from "@hft/core"
import type { FeedIncident } from "@hft/exchanges"
import { type SimulatedMarket, startSimulatedMarket } from "@hft/exchanges"
import { fixedLatency } from "@hft/paper"
import { Context, type Duration, Effect, Layer, Metric } from "effect"
import type { NodeConfig } from "../src/node-layer.ts"

export const VENUE = "binance"
export const SYMBOL = "BTC/USDT"

// ---------------------------------------------------------------------------
// The simulated market

/** A running Binance simulator driven by the market model, plus the incidents the hub reported. */
export class SimMarket extends Context.Service<SimMarket, {
  readonly market: SimulatedMarket
  readonly incidents: Array<{ readonly venue: string; readonly incident: FeedIncident }>
}>()("test/SimMarket") {
  static readonly layer = Layer.effect(
    SimMarket,
    Effect.acquireRelease(
      Effect.promise(() => startSimulatedMarket({ venues: [VENUE], symbolFor: () => SYMBOL, seed: 7 })),
      (market) => Effect.promise(() => market.close())
    ).pipe(Effect.map((market) => SimMarket.of({ market, incidents: [] })))
  )
}

/** Builds `make(sim)` over a fresh simulated market, which it also provides. */
export const withSimMarket = <A, E, R>(make: (sim: SimMarket["Service"]) => Layer.Layer<A, E, R>) =>
  Layer.unwrap(Effect.map(Effect.service(SimMarket), make)).pipe(Layer.provideMerge(SimMarket.layer))

// ---------------------------------------------------------------------------
// Node configuration

/** Limits that let the test strategies trade: 1 BTC orders, 0.5 BTC position, 5 % price band. */
export const testLimits = (instrument: Instrument): RiskLimits => ({
  maxOrderSize: Number(parseAmount("1", instrument.sizeScale)),
  maxOrderNotional: parseAmount("100000", instrument.priceScale + instrument.sizeScale),
  maxPosition: Number(parseAmount("0.5", instrument.sizeScale)),
  priceBandBps: 500,
  maxOrdersPerSecond: 100
})

/** Each account opens with 100 000 USDT and 1 BTC on Binance. */
export const account = (id: string) => ({
  id,
  balances: [
    { venue: VENUE, asset: "USDT", amount: "100000" },
    { venue: VENUE, asset: "BTC", amount: "1" }
  ]
})

/** A node config on the simulated market (or on no market when `sim` is undefined). */
export const nodeConfig = (
  sim: SimMarket["Service"] | undefined,
  options: {
    readonly accounts: ReadonlyArray<string>
    readonly strategies: ReadonlyMap<string, AnyStrategy>
    readonly strategyIdle?: Duration.Input
  }
): NodeConfig => ({
  hub: {
    endpoints: sim?.market.endpoints ?? new Map(),
    ...(sim === undefined ? {} : { onIncident: (venue: string, incident: FeedIncident) => void sim.incidents.push({ venue, incident }) })
  },
  trading: {
    accounts: options.accounts.map(account),
    limits: testLimits,
    strategies: options.strategies,
    clock: new WallClock(),
    paper: { seed: 1, entryLatency: fixedLatency(3_000), ackLatency: fixedLatency(2_000) },
    restartBackoffMs: 200
  },
  ...(options.strategyIdle === undefined ? {} : { strategyEntity: { maxIdleTime: options.strategyIdle } })
})

// ---------------------------------------------------------------------------
// Test strategies

/** What a test strategy reports and how the test steers it, per strategy id. */
export interface Probe {
  /** `onStart` calls (the first start and every restart that got past `init`). */
  starts: number
  /** `onStop` calls. */
  stops: number
  /** Book updates handled. */
  books: number
  /** Orders sent past pre-trade risk. */
  submits: number
  /** Pre-trade risk denials, in order. */
  readonly denials: Array<DenialReason>
  /** Fills received. */
  fills: number
  /** Throw from `onBook` on the next this many book updates. */
  throwOnBook: number
  /** Failures thrown so far. */
  thrown: number
  /** Market buys the strategy should have sent. */
  wantMarketBuys: number
  /** Market buys sent. */
  marketBuys: number
}

/** Probes by strategy id; a probe exists from its first use, by the test or by the strategy. */
export class Probes {
  private readonly probes = new Map<string, Probe>()
  of(strategyId: string): Probe {
    let probe = this.probes.get(strategyId)
    if (probe === undefined) {
      probe = { starts: 0, stops: 0, books: 0, submits: 0, denials: [], fills: 0, throwOnBook: 0, thrown: 0, wantMarketBuys: 0, marketBuys: 0 }
      this.probes.set(strategyId, probe)
    }
    return probe
  }
}

/** Makes the next `init` calls of a definition throw. */
export interface InitControl {
  failuresLeft: number
}

/**
 * A strategy that keeps one GTC limit bid resting `depthBps` below the mid (far from
 * the touch, so it does not fill), sends the market buys its probe asks for, and throws
 * from `onBook` when its probe says so. After a restart it adopts its resting bid from
 * the open orders that carried over instead of sending another.
 */
export const restingBid = (name: string, probes: Probes, init: InitControl = { failuresLeft: 0 }) =>
  defineStrategy({
    name,
    params: { venue: VENUE, symbol: SYMBOL, size: "0.001", depthBps: 100 },
    subscriptions: (p) => [{ venue: p.venue, symbol: p.symbol }],
    init: () => {
      if (init.failuresLeft > 0) {
        init.failuresLeft--
        throw new Error(`${name}: injected init failure`)
      }
      return { bidId: undefined as string | undefined, size: 0 }
    },
    onStart(ctx) {
      const { venue, symbol } = ctx.params
      ctx.state.size = parseUnits(ctx.params.size, ctx.instrument(venue, symbol).sizeScale)
      for (const order of ctx.openOrders(venue, symbol)) if (order.side === BID && order.type === "limit") ctx.state.bidId = order.id
      probes.of(ctx.strategyId).starts++
    },
    onBook(ctx) {
      const probe = probes.of(ctx.strategyId)
      probe.books++
      if (probe.throwOnBook > 0) {
        probe.throwOnBook--
        probe.thrown++
        throw new Error(`${ctx.strategyId}: injected onBook failure`)
      }
      const { venue, symbol, depthBps } = ctx.params
      const book = ctx.book(venue, symbol)
      if (book === undefined) return
      const send = (request: Parameters<typeof ctx.submit>[0]) => {
        const result = ctx.submit(request)
        if (result.ok) probe.submits++
        else probe.denials.push(result.reason)
        return result
      }
      if (probe.marketBuys < probe.wantMarketBuys) {
        const result = send({ venue, symbol, side: BID, type: "market", price: 0, size: ctx.state.size, tif: "IOC", postOnly: false })
        if (result.ok) probe.marketBuys++
      }
      if (ctx.state.bidId === undefined) {
        const tick = ctx.instrument(venue, symbol).tickSize
        const price = Math.floor((book.mid() * (1 - depthBps / 10_000)) / tick) * tick
        const result = send({ venue, symbol, side: BID, type: "limit", price, size: ctx.state.size, tif: "GTC", postOnly: true })
        if (result.ok) ctx.state.bidId = result.orderId
      }
    },
    onOrder(ctx, order) {
      if (order.id === ctx.state.bidId && isTerminal(order.status)) ctx.state.bidId = undefined
    },
    onFill(ctx) {
      probes.of(ctx.strategyId).fills++
    },
    onStop(ctx) {
      probes.of(ctx.strategyId).stops++
    }
  })

// ---------------------------------------------------------------------------
// Waiting

/**
 * Polls `check` every 20 ms until it returns something other than undefined or false,
 * and returns that; dies naming `what` after `timeoutMs`. For conditions that hold
 * eventually; never a statement about how fast.
 */
export const waitFor = <A>(what: string, check: () => A | undefined | false, timeoutMs = 45_000): Effect.Effect<A> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const value = check()
      if (value !== undefined && value !== false) return value
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      yield* Effect.sleep("20 millis")
    }
  })

/** The `effect_cluster_entities` gauge of an entity type: entities resident on this runner. */
export const residentEntities = (type: string): Effect.Effect<number> =>
  Effect.map(Metric.snapshot, (snapshots) => {
    for (const s of snapshots) {
      if (s.id === "effect_cluster_entities" && s.type === "Gauge" && s.attributes?.["type"] === type) return Number(s.state.value)
    }
    return 0
  })
