/**
 * `hft demo`: exchange simulators on loopback driven by one market model, a single-node
 * cluster with in-memory storage, the built-in market maker on every venue (account
 * `mm`) and, with two venues or more, the cross-exchange arbitrage across all of them
 * (account `arb`) — with a live line a second and a final summary.
 *
 * @module
 */
import { type AccountSnapshot, AccountEntity, MarketHub, StrategyEntity, TradingNode, singleNodeLayer } from "@hft/actors"
import { type Instrument, type RiskLimits, Histogram, Portfolio, WallClock, formatUnits, parseAmount } from "@hft/core"
import { venueById } from "@hft/exchanges"
import { type MarketModelVenue, type SimulatedMarket, startSimulatedMarket } from "@hft/exchanges"
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

/** Venues of the default demo: three venues at 0.10 % taker, so arbitrage between them can pay. */
export const DEFAULT_DEMO_VENUES = "binance,bybit,okx"

/**
 * The demo's fair price jumps more often than a calm market (every 5 s on average, 25 bp
 * mean): the followers' lag then opens gaps wider than two taker fees, which is when
 * cross-exchange arbitrage pays, and closes them again.
 */
const DEMO_PRICE_PROCESS = { jumpRate: 0.2, jumpBps: 25 }

/** The symbol each venue trades in the demo: BTC against the venue's main dollar quote. */
export const demoSymbol = (venue: string): string => {
  const served = venueById(venue).simulatedInstruments.map((i) => i.symbol)
  return served.includes("BTC/USDT") ? "BTC/USDT" : served.find((s) => s.startsWith("BTC/")) ?? served[0]!
}

/**
 * How each venue's market behaves in the demo: the first venue leads price discovery,
 * the others follow it with growing lags and their own noise, so gaps open across
 * venues after jumps and close again.
 */
const demoVenueTuning = (index: number): Partial<MarketModelVenue> => ({
  lagUs: 50_000 + index * 400_000,
  noiseBps: 0.5 + index * 0.8
})

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
/** Two decimals of a quote amount, for the live line. */
const cents = (units: bigint, scale: number) => formatUnits(units, scale).replace(/(\.\d{2})\d*$/, "$1")

/** Runs the demo; resolves with the summary after the duration or on Ctrl-C. */
export const runDemo = (options: DemoOptions) =>
  Effect.gen(function*() {
    const market: SimulatedMarket = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startSimulatedMarket({
          venues: options.venues,
          symbolFor: demoSymbol,
          seed: options.seed,
          tune: (venue) => demoVenueTuning(options.venues.indexOf(venue)),
          model: DEMO_PRICE_PROCESS
        })
      ),
      (m) => Effect.promise(() => m.close())
    )
    const lines: Array<VenueLine> = options.venues.map((venue) => ({ venue, instrument: market.instruments.get(venue)! }))
    const balances = lines.flatMap(({ venue, instrument }) => [
      { venue, asset: instrument.quote, amount: "100000" },
      { venue, asset: instrument.base, amount: "1" }
    ])
    const layer = singleNodeLayer({
      hub: { endpoints: market.endpoints },
      trading: {
        accounts: [{ id: "mm", balances }, { id: "arb", balances }],
        limits: demoLimits,
        strategies: BUILT_IN_STRATEGIES,
        clock: new WallClock(),
        paper: { seed: options.seed }
      }
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
    const strategyIds: Array<string> = []
    for (const { venue, instrument } of lines) {
      strategyIds.push(`mm-${venue}`)
      yield* strategies(`mm-${venue}`).Start({ kind: "market-maker", params: { venue, symbol: instrument.symbol, account: "mm" } })
    }
    if (lines.length >= 2) {
      strategyIds.push("arb")
      const legs = lines.map((l) => `${l.venue}:${l.instrument.symbol}`).join(",")
      yield* strategies("arb").Start({ kind: "cross-exchange-arbitrage", params: { legs, account: "arb" } })
    }
    const stopSignal = yield* Deferred.make<void>()
    const onSigint = () => Deferred.doneUnsafe(stopSignal, Effect.void)
    process.once("SIGINT", onSigint)
    yield* Effect.addFinalizer(() => Effect.sync(() => process.off("SIGINT", onSigint)))

    const mm = node.account("mm")!
    const arb = node.account("arb")!
    let lastMessages = 0
    const messages = () => hub.stats().reduce((sum, s) => sum + s.messages, 0)
    const tickToTrade = () => {
      const merged = new Histogram()
      for (const id of strategyIds) {
        const runner = node.runner(id)
        if (runner !== undefined) merged.add(runner.tickToTrade)
      }
      return merged
    }
    const scale = (line: VenueLine) => line.instrument.priceScale + line.instrument.sizeScale
    /** Realized + unrealized − fees of a position, at notional scale. */
    const pnlOf = (portfolio: Portfolio, line: VenueLine) => {
      const p = portfolio.position(line.instrument)
      return p.realized + Portfolio.unrealized(p, node.mid(line.venue, line.instrument.symbol)) - p.fees
    }

    const liveLine = (elapsedS: number) => {
      const total = messages()
      const rate = total - lastMessages
      lastMessages = total
      const t2t = tickToTrade()
      const parts = lines.map((line) => {
        const book = hub.book(line.venue, line.instrument.symbol)
        const bid = book === undefined ? NaN : book.bestBid()
        const ask = book === undefined ? NaN : book.bestAsk()
        const p = mm.account.portfolio.position(line.instrument)
        return `${line.venue} ${fmtPrice(line.instrument, bid)}/${fmtPrice(line.instrument, ask)} open ${mm.orders.openOrders(`mm-${line.venue}`).length} fills ${p.fills} pos ${formatUnits(p.size, line.instrument.sizeScale)} pnl ${cents(pnlOf(mm.account.portfolio, line), scale(line))}`
      })
      const arbPart = lines.length >= 2 ? ` | arb fills ${arb.orders.fills}` : ""
      return `t=${elapsedS}s ${parts.join(" | ")}${arbPart} | md ${rate}/s t2t p50 ${(t2t.percentile(50) / 1000).toFixed(1)}µs p99 ${(t2t.percentile(99) / 1000).toFixed(1)}µs`
    }

    let second = 0
    while (Date.now() - startedAt < options.durationMs && !(yield* Deferred.isDone(stopSignal))) {
      const next = Math.min(1000 * (second + 1), options.durationMs) - (Date.now() - startedAt)
      yield* Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(0, next))), Deferred.await(stopSignal))
      second++
      // With --json and stdout not a terminal, stdout carries only the summary line.
      const line = liveLine(second)
      yield* Effect.sync(() => (options.json && !process.stdout.isTTY ? console.error(line) : console.log(line)))
    }

    const snapshots: Record<string, AccountSnapshot> = {
      mm: yield* accounts("mm").GetState(),
      arb: yield* accounts("arb").GetState()
    }
    const t2t = tickToTrade()
    const accountSummary = (id: "mm" | "arb") => {
      const entry = id === "mm" ? mm : arb
      return {
        account: id,
        fills: entry.orders.fills,
        denials: entry.orders.denials,
        tradingState: snapshots[id]!.tradingState,
        venues: lines.map((line) => {
          const p = entry.account.portfolio.position(line.instrument)
          return {
            venue: line.venue,
            symbol: line.instrument.symbol,
            fills: p.fills,
            position: formatUnits(p.size, line.instrument.sizeScale),
            realized: formatUnits(p.realized, scale(line)),
            fees: formatUnits(p.fees, scale(line)),
            pnl: formatUnits(pnlOf(entry.account.portfolio, line), scale(line)),
            balances: snapshots[id]!.balances.filter((b) => b.venue === line.venue).map((b) => `${b.amount} ${b.asset}`)
          }
        })
      }
    }
    const summary = {
      durationS: Math.round((Date.now() - startedAt) / 100) / 10,
      venues: lines.map((line) => {
        const stats = hub.stats().filter((s) => s.venue === line.venue)
        return {
          venue: line.venue,
          symbol: line.instrument.symbol,
          messages: stats.reduce((n, s) => n + s.messages, 0),
          resyncs: stats.reduce((n, s) => n + s.resyncs, 0)
        }
      }),
      accounts: lines.length >= 2 ? [accountSummary("mm"), accountSummary("arb")] : [accountSummary("mm")],
      fills: mm.orders.fills + arb.orders.fills,
      restarts: strategyIds.reduce((n, id) => n + node.restarts(id), 0),
      tickToTradeP50Us: t2t.percentile(50) / 1000,
      tickToTradeP99Us: t2t.percentile(99) / 1000,
      tickToTradeSamples: t2t.count,
      tradingState: snapshots["mm"]!.tradingState
    }
    for (const id of strategyIds) yield* strategies(id).Stop()
    return summary
  })

/** The demo's summary. */
export type DemoSummary = Effect.Success<ReturnType<typeof runDemo>>

/** Prints the summary for people, and with --json one machine-readable line last. */
export const printSummary = (summary: DemoSummary, json: boolean): void => {
  console.log(
    `\nsummary after ${summary.durationS}s: ${summary.fills} fills, ${summary.restarts} strategy restarts, tick-to-trade p50 ${summary.tickToTradeP50Us.toFixed(1)}µs p99 ${summary.tickToTradeP99Us.toFixed(1)}µs (${summary.tickToTradeSamples} orders)`
  )
  for (const v of summary.venues) console.log(`  ${v.venue} ${v.symbol}: ${v.messages} market-data messages, ${v.resyncs} resyncs`)
  for (const a of summary.accounts) {
    console.log(`  account ${a.account} (${a.tradingState}): ${a.fills} fills, ${a.denials} risk denials`)
    for (const v of a.venues) {
      console.log(`    ${v.venue} ${v.symbol}: ${v.fills} fills, position ${v.position}, realized ${v.realized}, fees ${v.fees}, PnL ${v.pnl}; balances ${v.balances.join(", ")}`)
    }
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
