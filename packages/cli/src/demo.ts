/**
 * `hft demo`: exchange simulators on loopback driven by one market model, a single-node
 * cluster with in-memory storage, and the built-in market maker on each venue — with a
 * live line a second and a final summary.
 *
 * @module
 */
import { type AccountSnapshot, AccountEntity, MarketHub, StrategyEntity, TradingNode, singleNodeLayer } from "@hft/actors"
import { type Instrument, type RiskLimits, Histogram, WallClock, formatUnits, parseAmount } from "@hft/core"
import { venueById } from "@hft/exchanges"
import { type SimulatedMarket, startSimulatedMarket } from "@hft/paper"
import { BUILT_IN_STRATEGIES } from "@hft/strategies"
import { Deferred, Duration, Effect } from "effect"
import { parseDurationMs } from "./duration-text.ts"

/** Options of `hft demo`. */
export interface DemoOptions {
  readonly durationMs: number
  readonly seed: number
  readonly json: boolean
  readonly venues: ReadonlyArray<string>
}

/** The symbol each venue trades in the demo. */
export const demoSymbol = (venue: string): string => {
  const served = venueById(venue).simulatedInstruments.map((i) => i.symbol)
  return served.includes("BTC/USDT") ? "BTC/USDT" : served.find((s) => s.startsWith("BTC/")) ?? served[0]!
}

/** Risk limits for the demo: generous enough to trade, tight enough to matter. */
const demoLimits = (instrument: Instrument): RiskLimits => ({
  maxOrderSize: Number(parseAmount("1", instrument.sizeScale)),
  maxOrderNotional: parseAmount("100000", instrument.priceScale + instrument.sizeScale),
  maxPosition: Number(parseAmount("0.2", instrument.sizeScale)),
  priceBandBps: 100,
  maxOrdersPerSecond: 50
})

interface VenueLine {
  readonly venue: string
  readonly instrument: Instrument
}

const fmtPrice = (instrument: Instrument, price: number) => (Number.isNaN(price) ? "-" : formatUnits(price, instrument.priceScale))

/** Runs the demo; resolves with the summary after the duration or on Ctrl-C. */
export const runDemo = (options: DemoOptions) =>
  Effect.gen(function*() {
    const market: SimulatedMarket = yield* Effect.acquireRelease(
      Effect.promise(() => startSimulatedMarket({ venues: options.venues, symbolFor: demoSymbol, seed: options.seed })),
      (m) => Effect.promise(() => m.close())
    )
    const lines: Array<VenueLine> = options.venues.map((venue) => ({ venue, instrument: market.instruments.get(venue)! }))
    const balances = lines.flatMap(({ venue, instrument }) => [
      { venue, asset: instrument.quote, amount: "100000" },
      { venue, asset: instrument.base, amount: "1" }
    ])
    const layer = singleNodeLayer({
      hub: { endpoints: market.endpoints },
      trading: { accounts: [{ id: "main", balances }], limits: demoLimits, strategies: BUILT_IN_STRATEGIES, clock: new WallClock(), paper: { seed: options.seed } }
    })
    return yield* Effect.provide(demoSession(options, lines), layer)
  }).pipe(Effect.scoped)

const demoSession = (options: DemoOptions, lines: ReadonlyArray<VenueLine>) =>
  Effect.gen(function*() {
    const node = yield* TradingNode
    const hub = yield* MarketHub
    const strategies = yield* StrategyEntity.Strategy.client
    const accounts = yield* AccountEntity.Account.client
    const startedAt = Date.now()
    for (const { venue, instrument } of lines) {
      yield* strategies(`mm-${venue}`).Start({ kind: "market-maker", params: { venue, symbol: instrument.symbol, account: "main" } })
    }
    const stopSignal = yield* Deferred.make<void>()
    const onSigint = () => Deferred.doneUnsafe(stopSignal, Effect.void)
    process.once("SIGINT", onSigint)
    yield* Effect.addFinalizer(() => Effect.sync(() => process.off("SIGINT", onSigint)))

    const { account, orders } = node.account("main")!
    let lastMessages = 0
    const messages = () => hub.stats().reduce((sum, s) => sum + s.messages, 0)
    const tickToTrade = () => {
      const merged = new Histogram()
      for (const { venue } of lines) {
        const runner = node.runner(`mm-${venue}`)
        if (runner !== undefined) merged.add(runner.tickToTrade)
      }
      return merged
    }
    const pnlOf = (line: VenueLine) => {
      const p = account.portfolio.position(line.instrument)
      const mid = node.mid(line.venue, line.instrument.symbol)
      const unrealized = Number.isNaN(mid) || p.size === 0 ? 0n : BigInt(p.size) * BigInt(Math.round(mid)) - p.cost
      return p.realized + unrealized - p.fees
    }
    const scale = (line: VenueLine) => line.instrument.priceScale + line.instrument.sizeScale

    const liveLine = (elapsedS: number) => {
      const total = messages()
      const rate = total - lastMessages
      lastMessages = total
      const t2t = tickToTrade()
      const parts = lines.map((line) => {
        const book = hub.book(line.venue, line.instrument.symbol)
        const bid = book === undefined ? NaN : book.bestBid()
        const ask = book === undefined ? NaN : book.bestAsk()
        const p = account.portfolio.position(line.instrument)
        return `${line.venue} ${fmtPrice(line.instrument, bid)}/${fmtPrice(line.instrument, ask)} open ${orders.openOrders(`mm-${line.venue}`).length} fills ${p.fills} pos ${formatUnits(p.size, line.instrument.sizeScale)} pnl ${formatUnits(pnlOf(line), scale(line)).replace(/(\.\d{2})\d*$/, "$1")}`
      })
      return `t=${elapsedS}s ${parts.join(" | ")} | md ${rate}/s t2t p50 ${(t2t.percentile(50) / 1000).toFixed(1)}µs p99 ${(t2t.percentile(99) / 1000).toFixed(1)}µs`
    }

    let second = 0
    while (Date.now() - startedAt < options.durationMs && !(yield* Deferred.isDone(stopSignal))) {
      const next = Math.min(1000 * (second + 1), options.durationMs) - (Date.now() - startedAt)
      yield* Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(0, next))), Deferred.await(stopSignal))
      second++
      if (!options.json || process.stdout.isTTY) yield* Effect.sync(() => console.log(liveLine(second)))
      else yield* Effect.sync(() => console.error(liveLine(second)))
    }

    const snapshot: AccountSnapshot = yield* accounts("main").GetState()
    const t2t = tickToTrade()
    const summary = {
      durationS: Math.round((Date.now() - startedAt) / 100) / 10,
      venues: lines.map((line) => {
        const p = account.portfolio.position(line.instrument)
        const stats = hub.stats().find((s) => s.venue === line.venue)
        return {
          venue: line.venue,
          symbol: line.instrument.symbol,
          fills: p.fills,
          position: formatUnits(p.size, line.instrument.sizeScale),
          realized: formatUnits(p.realized, scale(line)),
          fees: formatUnits(p.fees, scale(line)),
          pnl: formatUnits(pnlOf(line), scale(line)),
          balances: snapshot.balances.filter((b) => b.venue === line.venue).map((b) => `${b.amount} ${b.asset}`),
          resyncs: stats?.resyncs ?? 0,
          messages: stats?.messages ?? 0
        }
      }),
      fills: orders.fills,
      denials: orders.denials,
      restarts: lines.reduce((n, { venue }) => n + node.restarts(`mm-${venue}`), 0),
      tickToTradeP50Us: t2t.percentile(50) / 1000,
      tickToTradeP99Us: t2t.percentile(99) / 1000,
      tickToTradeSamples: t2t.count,
      tradingState: snapshot.tradingState
    }
    for (const { venue } of lines) yield* strategies(`mm-${venue}`).Stop()
    return summary
  })

/** The demo's summary. */
export type DemoSummary = Effect.Success<ReturnType<typeof runDemo>>

/** Prints the summary for people, and with --json one machine-readable line last. */
export const printSummary = (summary: DemoSummary, json: boolean): void => {
  console.log(`\nsummary after ${summary.durationS}s: ${summary.fills} fills, ${summary.denials} risk denials, ${summary.restarts} strategy restarts, tick-to-trade p50 ${summary.tickToTradeP50Us.toFixed(1)}µs p99 ${summary.tickToTradeP99Us.toFixed(1)}µs (${summary.tickToTradeSamples} orders)`)
  for (const v of summary.venues) {
    console.log(`  ${v.venue} ${v.symbol}: ${v.fills} fills, position ${v.position}, realized ${v.realized}, fees ${v.fees}, PnL ${v.pnl}; balances ${v.balances.join(", ")}; ${v.messages} market-data messages, ${v.resyncs} resyncs`)
  }
  if (json) console.log(JSON.stringify(summary))
}

/** Parses the demo's flags. */
export const demoOptions = (flags: { duration: string; seed: number; json: boolean; venues: string }): DemoOptions => ({
  durationMs: parseDurationMs(flags.duration),
  seed: flags.seed,
  json: flags.json,
  venues: flags.venues.split(",").map((v) => v.trim()).filter((v) => v.length > 0).map((v) => venueById(v).id)
})
