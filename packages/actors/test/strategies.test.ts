/**
 * The built-in strategies on simulated time, through the real runtime pieces: a seeded
 * market model with direct feeds, paper venues (latency, queue position, fees), the
 * trading account, its order manager and the strategy runner, wired as the trading
 * node wires them (see `strategy-harness.ts`).
 *
 * Invariants are checked while the market runs (after every book a strategy handled and
 * after every fill it was told about) and collected as violations, so a failure names
 * the first moments that broke them.
 */
import {
  ASK,
  BID,
  type Fill,
  type Instrument,
  type Order,
  feeFor,
  LEDGER_SCALE,
  notionalScale,
  parseAmount,
  parseUnits,
  pow10,
  toLedger
} from "@hft/core"
import { fixedLatency, type LatencyLeg } from "@hft/paper/latency"
import { simulatedBtcUsdt } from "@hft/paper/market-model"
import { type CrossArbitrageParams, crossExchangeArbitrage } from "@hft/strategies/cross-exchange-arbitrage"
import { type MarketMakerParams, marketMaker } from "@hft/strategies/market-maker"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type HandlerName,
  type HarnessVenue,
  type SubmitRecord,
  marketKey,
  SECOND_US,
  START_US,
  StrategyHarness
} from "./strategy-harness.ts"

/** Exact cash flows of fills: expected balances and fees, from the fills alone. */
const cashFlows = (fills: ReadonlyArray<Fill>, opening: ReadonlyArray<{ venue: string; asset: string; amount: string }>) => {
  const balances = new Map<string, bigint>()
  const key = (venue: string, asset: string) => `${venue} ${asset}`
  const add = (venue: string, asset: string, amount: bigint) => balances.set(key(venue, asset), (balances.get(key(venue, asset)) ?? 0n) + amount)
  for (const b of opening) add(b.venue, b.asset, parseAmount(b.amount, LEDGER_SCALE))
  const fees = new Map<string, bigint>()
  for (const f of fills) {
    const i = f.instrument
    const notional = toLedger(BigInt(f.price) * BigInt(f.size), notionalScale(i))
    const fee = toLedger(f.fee, notionalScale(i))
    const base = toLedger(BigInt(f.size), i.sizeScale)
    if (f.side === BID) {
      add(i.venue, i.base, base)
      add(i.venue, i.quote, -notional - fee)
    } else {
      add(i.venue, i.base, -base)
      add(i.venue, i.quote, notional - fee)
    }
    fees.set(i.venue, (fees.get(i.venue) ?? 0n) + f.fee)
  }
  return { balance: (venue: string, asset: string) => balances.get(key(venue, asset)) ?? 0n, fees: (venue: string) => fees.get(venue) ?? 0n }
}

/** Seconds since the start, for messages. */
const at = (h: StrategyHarness): string => `${((h.clock.nowUs() - START_US) / SECOND_US).toFixed(3)}s`

/** A latency leg with frequent long spikes: acks and cancels arrive late, fills race them. */
const SPIKY: LatencyLeg = { baseUs: 2_000, jitterUs: 2_000, spikeProbability: 0.2, spikeUs: 80_000 }

// ------------------------------------------------------------------------------------
// Market maker
// ------------------------------------------------------------------------------------

const MM = "binance"
const SYMBOL = "BTC/USDT"
const MM_KEY = marketKey(MM, SYMBOL)
const mmInstrument = simulatedBtcUsdt(MM)
const TICK = mmInstrument.tickSize
const MM_FEES = { makerPpm: 100, takerPpm: 750 }
const MM_PARAMS: MarketMakerParams = {
  venue: MM,
  symbol: SYMBOL,
  quoteSize: "0.01",
  maxInventory: "0.02",
  halfSpreadTicks: 1,
  skewTicks: 2,
  requoteTicks: 1
}
const QUOTE = parseUnits(MM_PARAMS.quoteSize, mmInstrument.sizeScale)
const MAX_INVENTORY = parseUnits(MM_PARAMS.maxInventory, mmInstrument.sizeScale)
/** Farthest a current quote may sit from the mid: half spread, full skew, the requote threshold, rounding. */
const QUOTE_REACH = (MM_PARAMS.halfSpreadTicks + MM_PARAMS.skewTicks + MM_PARAMS.requoteTicks + 1) * TICK
const MM_BALANCES = [
  { venue: MM, asset: "USDT", amount: "100000" },
  { venue: MM, asset: "BTC", amount: "1" }
]

interface MmState {
  bidId: string | undefined
  askId: string | undefined
}

interface MmSessionOptions {
  readonly seed: number
  readonly seconds: number
  readonly latency?: LatencyLeg
  readonly paperSeed?: number
  /** Before every handler (fault injection). */
  readonly before?: (handler: HandlerName, h: StrategyHarness) => void
  readonly restartAfterUs?: number
  /** Called at these times (seconds from the start), between clock steps. */
  readonly at?: ReadonlyArray<readonly [number, (h: StrategyHarness) => void]>
}

interface MmSession {
  readonly h: StrategyHarness
  readonly violations: Array<string>
  /** Mid of every book the strategy handled. */
  readonly mids: Array<number>
  /** Books handled while the bid (ask) side was over the limit. */
  bidBlocked: number
  askBlocked: number
}

/**
 * Runs the market maker on one venue, checking while it runs: inventory within the limit
 * plus one quote after every fill; after every book it handled, at most one quote per side
 * that it has not asked to cancel, each within {@link QUOTE_REACH} of the mid, none on a
 * side over the limit; and after every (re)start, the open quotes adopted.
 */
const marketMakerSession = (options: MmSessionOptions): MmSession => {
  const violations: Array<string> = []
  const note = (message: string) => void (violations.length < 20 && violations.push(`${at(h)}: ${message}`))
  const position = () => h.account.portfolio.position(mmInstrument).size
  const session: MmSession = {
    get h() {
      return h
    },
    violations,
    mids: [],
    bidBlocked: 0,
    askBlocked: 0
  }
  const h: StrategyHarness = new StrategyHarness({
    seed: options.seed,
    venues: [{ instrument: mmInstrument, fees: MM_FEES }],
    balances: MM_BALANCES,
    strategy: marketMaker,
    params: MM_PARAMS,
    paper: {
      seed: options.paperSeed ?? 1,
      ...(options.latency === undefined ? {} : { entryLatency: options.latency, ackLatency: options.latency })
    },
    ...(options.restartAfterUs === undefined ? {} : { restartAfterUs: options.restartAfterUs }),
    hooks: {
      before: (handler) => options.before?.(handler, h),
      afterFill: () => {
        const p = position()
        if (Math.abs(p) > MAX_INVENTORY + QUOTE) note(`inventory ${p} beyond ${MAX_INVENTORY} + ${QUOTE}`)
      },
      afterBook: () => {
        const mid = h.book(MM, SYMBOL)!.mid()
        session.mids.push(mid)
        const p = position()
        for (const side of [BID, ASK] as const) {
          const live = h.liveQuotes(MM, SYMBOL, side)
          if (live.length > 1) note(`${live.length} quotes on side ${side}: ${live.map((o) => o.id).join(", ")}`)
          for (const o of live) {
            if (Math.abs(o.price - mid) > QUOTE_REACH) note(`quote ${o.id} at ${o.price} left behind by the mid ${mid}`)
          }
          const blocked = side === BID ? p + QUOTE > MAX_INVENTORY : p - QUOTE < -MAX_INVENTORY
          if (blocked) {
            if (side === BID) session.bidBlocked++
            else session.askBlocked++
            if (live.length > 0) note(`side ${side} still quoted at inventory ${p}`)
          }
        }
      },
      afterStart: () => {
        const state = h.record.state as MmState
        for (const side of [BID, ASK] as const) {
          const live = h.liveQuotes(MM, SYMBOL, side)
          const adopted = side === BID ? state.bidId : state.askId
          if (live.length > 0 && adopted !== live[live.length - 1]!.id) {
            note(`start ${h.record.starts}: quote ${live[live.length - 1]!.id} not adopted (${adopted})`)
          }
        }
      }
    }
  })
  h.start()
  const steps = [...(options.at ?? [])].sort((a, b) => a[0] - b[0])
  for (const [seconds, action] of steps) {
    h.runUntil(START_US + seconds * SECOND_US)
    action(h)
  }
  h.runUntil(START_US + options.seconds * SECOND_US)
  return session
}

/** Checks every submit of the market maker: post-only GTC quotes of the quote size, behind the opposite touch, never growing inventory past the limit. */
const checkQuotes = (submits: ReadonlyArray<SubmitRecord>): Array<string> => {
  const out: Array<string> = []
  for (const s of submits) {
    const r = s.request
    const touch = s.touches.get(MM_KEY)
    const what = `${s.handler} #${s.call} side ${r.side} at ${r.price}`
    if (touch === undefined) out.push(`${what}: no book`)
    else if (r.side === BID ? !(r.price < touch.ask) : !(r.price > touch.bid)) out.push(`${what}: crosses the touch ${touch.bid}/${touch.ask}`)
    if (r.type !== "limit" || r.tif !== "GTC" || !r.postOnly) out.push(`${what}: not a post-only GTC limit`)
    if (r.size !== QUOTE || r.price % TICK !== 0) out.push(`${what}: size ${r.size}`)
    if (r.side === BID ? s.positionBefore + QUOTE > MAX_INVENTORY : s.positionBefore - QUOTE < -MAX_INVENTORY) {
      out.push(`${what}: quoted at inventory ${s.positionBefore}`)
    }
    if (!s.result.ok) out.push(`${what}: denied ${s.result.reason}`)
  }
  return out.slice(0, 20)
}

/** One three-minute session, shared by the tests that read it. */
let mainSession: MmSession | undefined
const session = (): MmSession => (mainSession ??= marketMakerSession({ seed: 42, seconds: 180 }))

describe("market maker on a simulated venue", () => {
  it("quotes both sides post-only, never at or through the touch, and is filled on both sides as maker", () => {
    const { h, violations } = session()
    const submits = h.record.submits
    expect(checkQuotes(submits)).toEqual([])
    expect(violations).toEqual([])
    expect(submits.filter((s) => s.request.side === BID).length).toBeGreaterThan(100)
    expect(submits.filter((s) => s.request.side === ASK).length).toBeGreaterThan(100)

    const fills = h.record.fills
    expect(fills.filter((f) => f.side === BID).length).toBeGreaterThan(50)
    expect(fills.filter((f) => f.side === ASK).length).toBeGreaterThan(50)
    for (const f of fills) {
      expect(f.liquidity).toBe("maker")
      expect(f.price).toBe(h.record.orders.get(f.orderId)!.price)
      expect(f.fee).toBe(feeFor(f.price, f.size, MM_FEES.makerPpm))
    }
    // The venue refuses a quote only when the book moved under it during the entry latency.
    for (const o of h.record.orders.values()) {
      if (o.status === "rejected") expect(o.reason).toBe("post-only order would take liquidity")
    }
    expect(h.incidents).toEqual([])
    expect(h.failures).toEqual([])
  })

  it("re-quotes when the mid moves: its quotes follow the mid across the session", () => {
    const { h, mids, violations } = session()
    // The mid travelled far more than the quotes may sit from it, so quotes that were not moved would be caught.
    expect(Math.max(...mids) - Math.min(...mids)).toBeGreaterThan(10 * QUOTE_REACH)
    expect(violations).toEqual([])
    // Re-quotes: a cancel and a new quote on the same side at another price, in one handler call.
    const byCall = new Map<number, Array<SubmitRecord>>()
    for (const s of h.record.submits) byCall.set(s.call, [...(byCall.get(s.call) ?? []), s])
    let requotes = 0
    for (const c of h.record.cancels) {
      const old = h.record.orders.get(c.orderId)!
      const replacement = byCall.get(c.call)?.find((s) => s.request.side === old.side)
      if (replacement !== undefined && replacement.request.price !== old.price) requotes++
    }
    expect(requotes).toBeGreaterThan(100)
  })

  it("books every fill once: fees are the sum of fill fees, balances move by exactly the fills' cash flows", () => {
    const { h } = session()
    const fills = h.record.fills
    const position = h.account.portfolio.position(mmInstrument)
    const expected = cashFlows(fills, MM_BALANCES)
    expect(h.orders.fills).toBe(fills.length)
    expect(position.fills).toBe(fills.length)
    expect(position.fees).toBe(expected.fees(MM))
    expect(position.fees).toBeGreaterThan(0n)
    expect(h.account.portfolio.balance(MM, "USDT")).toBe(expected.balance(MM, "USDT"))
    expect(h.account.portfolio.balance(MM, "BTC")).toBe(expected.balance(MM, "BTC"))
    expect(position.size).toBe(fills.reduce((sum, f) => sum + (f.side === BID ? f.size : -f.size), 0))
    // Each order's filled size is the sum of its fills (the order manager's state machine agrees with the fills).
    const filledBy = new Map<string, number>()
    for (const f of fills) filledBy.set(f.orderId, (filledBy.get(f.orderId) ?? 0) + f.size)
    for (const o of h.record.orders.values()) expect(o.filled).toBe(filledBy.get(o.id) ?? 0)
  })

  it("keeps |inventory| ≤ maxInventory + quoteSize and stops quoting the side that would grow it, whatever the latency", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.constantFrom<LatencyLeg | undefined>(undefined, SPIKY),
        (seed, paperSeed, latency) => {
          const s = marketMakerSession({ seed, paperSeed, seconds: 90, ...(latency === undefined ? {} : { latency }) })
          expect(s.violations).toEqual([])
          expect(checkQuotes(s.h.record.submits)).toEqual([])
          // The limit was reached on both sides (so the checks above had something to check) ...
          expect(s.bidBlocked).toBeGreaterThan(0)
          expect(s.askBlocked).toBeGreaterThan(0)
          // ... and the other side kept quoting meanwhile.
          const max = MAX_INVENTORY
          expect(s.h.record.submits.some((x) => x.request.side === ASK && x.positionBefore + QUOTE > max)).toBe(true)
          expect(s.h.record.submits.some((x) => x.request.side === BID && x.positionBefore - QUOTE < -max)).toBe(true)
        }
      ),
      { numRuns: 6, seed: 20_251_107, endOnFailure: true }
    )
  })

  it("is restarted cleanly by StrategyRunner.restart(): open quotes are adopted, none duplicated or orphaned", () => {
    const restartTimes = [30, 45.05, 60.1, 75.001, 90.2]
    /** Open orders of the strategy at each restart. */
    const openAtRestart: Array<number> = []
    const s = marketMakerSession({
      seed: 7,
      seconds: 120,
      latency: SPIKY,
      at: restartTimes.map((t) => [t, (h: StrategyHarness) => {
        openAtRestart.push(h.openOrders().length)
        h.runner.restart()
      }] as const)
    })
    const { h } = s
    expect(h.record.starts).toBe(1 + restartTimes.length)
    expect(h.runner.isRunning()).toBe(true)
    expect(s.violations).toEqual([])
    expect(checkQuotes(h.record.submits)).toEqual([])
    // Quotes were open at every restart, so there was something to adopt (checked after each start).
    expect(openAtRestart.every((n) => n > 0)).toBe(true)
    // Nothing left behind: every open order is a current quote or being canceled.
    const state = h.record.state as MmState
    for (const o of h.openOrders()) expect([state.bidId, state.askId].includes(o.id) || h.record.cancelRequested.has(o.id)).toBe(true)
    // It kept trading on both sides after the last restart.
    const late = h.record.fills.filter((f) => f.atUs > START_US + 91 * SECOND_US)
    expect(late.some((f) => f.side === BID) && late.some((f) => f.side === ASK)).toBe(true)
  })

  it("after a handler throws, the supervisor's restart re-adopts the quotes that kept resting meanwhile", () => {
    let thrown = false
    let failedAt = 0
    const s = marketMakerSession({
      seed: 11,
      seconds: 120,
      restartAfterUs: 250_000,
      before: (handler, h) => {
        if (!thrown && handler === "onBook" && h.clock.nowUs() >= START_US + 60 * SECOND_US && h.openOrders().length === 2) {
          thrown = true
          failedAt = h.clock.nowUs()
          throw new Error("injected failure")
        }
      }
    })
    const { h } = s
    expect(thrown).toBe(true)
    expect(h.failures).toHaveLength(1)
    expect(h.restarts).toBe(1)
    expect(h.record.starts).toBe(2)
    expect(h.runner.isRunning()).toBe(true)
    // Back in business after the restart: quoting and filled on both sides.
    const late = h.record.fills.filter((f) => f.atUs > failedAt + 250_000)
    expect(late.some((f) => f.side === BID) && late.some((f) => f.side === ASK)).toBe(true)
    expect(s.violations).toEqual([])
    expect(checkQuotes(h.record.submits)).toEqual([])
    const state = h.record.state as MmState
    for (const o of h.openOrders()) expect([state.bidId, state.askId].includes(o.id) || h.record.cancelRequested.has(o.id)).toBe(true)
  })

  it("pulls its quotes when stopped: nothing rests and nothing fills once the cancels are in", () => {
    // 1 ms each way: the cancels reach the venue 1 ms after the stop.
    const { h } = marketMakerSession({ seed: 5, seconds: 60, latency: fixedLatency(1_000) })
    // Stop while a quote rests at the venue (accepted, no cancel asked for).
    const resting = () => h.openOrders().filter((o) => h.paper.get(MM)!.isResting(o.id) && !h.record.cancelRequested.has(o.id))
    for (let i = 0; i < 100 && resting().length === 0; i++) h.run(SECOND_US / 10)
    const quotes = resting()
    expect(quotes.length).toBeGreaterThan(0)
    const stopUs = h.clock.nowUs()
    h.runner.stop()
    h.run(2_000)
    expect(h.paper.get(MM)!.restingCount()).toBe(0)
    expect(h.openOrders()).toEqual([])
    for (const o of quotes) expect(o.status).toBe("canceled")
    const fills = h.orders.fills
    const size = h.account.portfolio.position(mmInstrument).size
    h.run(60 * SECOND_US)
    expect(h.runner.isRunning()).toBe(false)
    expect(h.orders.fills).toBe(fills)
    expect(h.account.portfolio.position(mmInstrument).size).toBe(size)
    expect(h.record.submits.every((x) => x.atUs <= stopUs)).toBe(true)
  })
})

// ------------------------------------------------------------------------------------
// Cross-exchange arbitrage
// ------------------------------------------------------------------------------------

/**
 * Three venues sharing one fair price. With the model's defaults (noise 0.3 bp, lag
 * 0.1 s, a jump a minute) venue prices never differ by more than ~160 ppm, below any
 * pair of taker fees, so the harness tunes the model: a fast venue that tracks the fair
 * price closely, a slow one (1.5 s lag, 3 bp noise) and a middle one quoting in USD at
 * other scales (tick 0.1, size scale 6), with a jump every 5 s of ~10 bp. Gaps beyond
 * the fees then open for a while after each jump.
 */
const usdInstrument: Instrument = {
  venue: "usd",
  symbol: "BTC/USD",
  venueSymbol: "BTC-USD",
  base: "BTC",
  quote: "USD",
  priceScale: 1,
  sizeScale: 6,
  tickSize: 1,
  lotSize: 10,
  minSize: 10,
  minNotional: 100_000_000n // 10 USD
}
const ARB_VENUES: ReadonlyArray<HarnessVenue> = [
  { instrument: simulatedBtcUsdt("fast"), fees: { makerPpm: 100, takerPpm: 150 }, tune: { noiseBps: 0.5, lagUs: 20_000 } },
  { instrument: simulatedBtcUsdt("slow"), fees: { makerPpm: 100, takerPpm: 250 }, tune: { noiseBps: 3, lagUs: 1_500_000 } },
  { instrument: usdInstrument, fees: { makerPpm: 0, takerPpm: 200 }, tune: { noiseBps: 2, lagUs: 500_000 } }
]
const ARB_MODEL = { jumpRate: 0.2, jumpBps: 10 }
const LEGS = "fast:BTC/USDT,slow:BTC/USDT,usd:BTC/USD"
const COMMON_SCALE = 8
const instrumentOf = (venue: string): Instrument => ARB_VENUES.find((v) => v.instrument.venue === venue)!.instrument
const takerPpm = (venue: string): number => ARB_VENUES.find((v) => v.instrument.venue === venue)!.fees.takerPpm
/** A price at the common scale, exact. */
const commonPrice = (i: Instrument, price: number): bigint => BigInt(price) * pow10(COMMON_SCALE - i.priceScale)
/** A size at the common scale, exact. */
const commonSize = (i: Instrument, size: number): bigint => BigInt(size) * pow10(COMMON_SCALE - i.sizeScale)
/**
 * Edge of buying at `ask` on `buy` and selling at `bid` on `sell` beyond both taker fees,
 * times the ask (so `edge > ask × minEdgePpm` is the strategy's condition), exact.
 */
const edgeBeyondFees = (buy: string, ask: number, sell: string, bid: number): { net: bigint; ask: bigint } => {
  const a = commonPrice(instrumentOf(buy), ask)
  const b = commonPrice(instrumentOf(sell), bid)
  return { net: b * BigInt(1_000_000 - takerPpm(sell)) - a * BigInt(1_000_000 + takerPpm(buy)), ask: a }
}

const AMPLE = [
  { venue: "fast", asset: "USDT", amount: "20000" },
  { venue: "fast", asset: "BTC", amount: "0.5" },
  { venue: "slow", asset: "USDT", amount: "20000" },
  { venue: "slow", asset: "BTC", amount: "0.5" },
  { venue: "usd", asset: "USD", amount: "20000" },
  { venue: "usd", asset: "BTC", amount: "0.5" }
]

interface ArbSessionOptions {
  readonly seed: number
  readonly seconds: number
  readonly params: Partial<CrossArbitrageParams>
  readonly balances?: ReadonlyArray<{ venue: string; asset: string; amount: string }>
  readonly latency?: LatencyLeg
  /** Venues other than {@link ARB_VENUES} (same ids and scales). */
  readonly venues?: ReadonlyArray<HarnessVenue>
  /** After every book the strategy handled. */
  readonly afterBook?: (h: StrategyHarness) => void
}

interface ArbSession {
  readonly h: StrategyHarness
  readonly params: CrossArbitrageParams
  readonly violations: Array<string>
  /** Largest edge beyond both taker fees seen on any book the strategy handled, in ppm of the ask. */
  maxEdgePpm: number
  /** Largest |position| seen on any venue. */
  maxAbsPosition: number
}

/** Runs the arbitrage over the three venues; after every fill: positions within maxPosition, no balance below zero. */
const arbitrageSession = (options: ArbSessionOptions): ArbSession => {
  const params: CrossArbitrageParams = { ...crossExchangeArbitrage.params, legs: LEGS, ...options.params }
  const maxPosition = parseUnits(params.maxPosition, COMMON_SCALE)
  const violations: Array<string> = []
  const note = (message: string) => void (violations.length < 20 && violations.push(`${at(h)}: ${message}`))
  const session: ArbSession = {
    get h() {
      return h
    },
    params,
    violations,
    maxEdgePpm: -Infinity,
    maxAbsPosition: 0
  }
  const venues = (options.venues ?? ARB_VENUES).map((v) => v.instrument)
  const h: StrategyHarness = new StrategyHarness({
    seed: options.seed,
    model: ARB_MODEL,
    venues: options.venues ?? ARB_VENUES,
    balances: options.balances ?? AMPLE,
    strategy: crossExchangeArbitrage,
    params,
    ...(options.latency === undefined ? {} : { paper: { entryLatency: options.latency, ackLatency: options.latency } }),
    hooks: {
      afterFill: () => {
        for (const i of venues) {
          const size = h.account.portfolio.position(i).size
          const common = Number(commonSize(i, Math.abs(size)))
          session.maxAbsPosition = Math.max(session.maxAbsPosition, common)
          if (common > maxPosition) note(`position ${size} on ${i.venue} beyond ${params.maxPosition}`)
        }
        for (const b of h.account.portfolio.allBalances()) if (b.amount < 0n) note(`balance ${b.venue} ${b.asset} ${b.amount} < 0`)
      },
      afterBook: () => {
        for (const buy of venues) {
          for (const sell of venues) {
            if (buy === sell) continue
            const ask = h.book(buy.venue, buy.symbol)?.bestAsk() ?? NaN
            const bid = h.book(sell.venue, sell.symbol)?.bestBid() ?? NaN
            if (Number.isNaN(ask) || Number.isNaN(bid)) continue
            const e = edgeBeyondFees(buy.venue, ask, sell.venue, bid)
            session.maxEdgePpm = Math.max(session.maxEdgePpm, Number(e.net) / Number(e.ask))
          }
        }
        options.afterBook?.(h)
      }
    }
  })
  h.start()
  h.run(options.seconds * SECOND_US)
  return session
}

interface ArbPair {
  readonly buy: SubmitRecord
  readonly sell: SubmitRecord | undefined
  readonly buyOrder: Order | undefined
  readonly sellOrder: Order | undefined
}

/** Submits grouped by handler call: one arbitrage per call. */
const pairsOf = (h: StrategyHarness): Array<ArbPair> => {
  const byCall = new Map<number, Array<SubmitRecord>>()
  for (const s of h.record.submits) byCall.set(s.call, [...(byCall.get(s.call) ?? []), s])
  return [...byCall.values()].map(([buy, sell]) => ({
    buy: buy!,
    sell,
    buyOrder: buy!.result.ok ? h.record.orders.get(buy!.result.orderId) : undefined,
    sellOrder: sell?.result.ok === true ? h.record.orders.get(sell.result.orderId) : undefined
  }))
}

/**
 * Checks every arbitrage sent: two IOC limit legs in one decision, buy at the cheap venue's
 * ask and sell at the dear venue's bid as the books showed them, the same base size within
 * both touches and maxSize, nothing else in flight, and an edge beyond both taker fees and
 * minEdgePpm.
 */
const checkPairs = (h: StrategyHarness, params: CrossArbitrageParams): Array<string> => {
  const out: Array<string> = []
  const maxSize = BigInt(parseUnits(params.maxSize, COMMON_SCALE))
  for (const { buy, sell } of pairsOf(h)) {
    const what = `${buy.handler} #${buy.call}`
    if (!buy.result.ok) out.push(`${what}: buy leg denied ${buy.result.reason}`)
    if (sell === undefined) {
      out.push(`${what}: a buy leg alone`)
      continue
    }
    if (!sell.result.ok) out.push(`${what}: sell leg denied ${sell.result.reason}`)
    const b = buy.request
    const s = sell.request
    const bi = instrumentOf(b.venue)
    const si = instrumentOf(s.venue)
    const buyTouch = buy.touches.get(marketKey(b.venue, b.symbol))!
    const sellTouch = buy.touches.get(marketKey(s.venue, s.symbol))!
    if (b.side !== BID || s.side !== ASK || b.venue === s.venue) out.push(`${what}: not a buy and a sell on two venues`)
    if (b.type !== "limit" || s.type !== "limit" || b.tif !== "IOC" || s.tif !== "IOC" || b.postOnly || s.postOnly) out.push(`${what}: legs are not IOC limits`)
    if (b.price !== buyTouch.ask || s.price !== sellTouch.bid) out.push(`${what}: prices ${b.price}/${s.price} are not the touch ${buyTouch.ask}/${sellTouch.bid}`)
    const size = commonSize(bi, b.size)
    if (size !== commonSize(si, s.size)) out.push(`${what}: leg sizes differ`)
    if (size > maxSize || size > commonSize(bi, buyTouch.askSize) || size > commonSize(si, sellTouch.bidSize)) out.push(`${what}: size ${size} beyond maxSize or a touch`)
    if (buy.openBefore.length !== 0) out.push(`${what}: sent with ${buy.openBefore.join(", ")} still in flight`)
    if (buy.result.ok && sell.openBefore.join() !== buy.result.orderId) out.push(`${what}: sell leg sent with ${sell.openBefore.join(", ")} in flight`)
    const edge = edgeBeyondFees(b.venue, buyTouch.ask, s.venue, sellTouch.bid)
    if (!(edge.net > edge.ask * BigInt(params.minEdgePpm))) out.push(`${what}: edge ${edge.net}/${edge.ask} not beyond the fees and ${params.minEdgePpm} ppm`)
  }
  return out.slice(0, 20)
}

describe("cross-exchange arbitrage over three venues of one market model", () => {
  it("(a) never sends an order when the edge required is beyond anything the market offers, though gaps beyond the fees open", () => {
    for (const seed of [3, 4]) {
      const s = arbitrageSession({ seed, seconds: 120, params: { minEdgePpm: 1_000_000 } })
      expect(s.h.record.submits).toEqual([])
      expect(s.h.orders.denials).toBe(0)
      // Prices did differ by more than both taker fees: a strategy that ignored its threshold would have traded.
      expect(s.maxEdgePpm).toBeGreaterThan(500)
      expect(s.h.runner.isRunning()).toBe(true)
    }
  })

  it("trades only when the edge at submit time is beyond both taker fees and minEdgePpm, whatever the threshold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 3_000 }), (seed, minEdgePpm) => {
        const s = arbitrageSession({ seed, seconds: 60, params: { minEdgePpm } })
        expect(s.violations).toEqual([])
        expect(checkPairs(s.h, s.params)).toEqual([])
        if (s.maxEdgePpm <= minEdgePpm) expect(s.h.record.submits).toEqual([])
      }),
      { numRuns: 6, seed: 4_242, endOnFailure: true }
    )
  })

  it("(b) sends paired IOC buy-low/sell-high orders, one arbitrage at a time, within maxPosition and the balances", () => {
    const s = arbitrageSession({ seed: 7, seconds: 240, params: { minEdgePpm: 50, maxSize: "0.02", maxPosition: "0.06" } })
    const { h } = s
    expect(s.violations).toEqual([])
    expect(checkPairs(h, s.params)).toEqual([])
    const pairs = pairsOf(h)
    expect(pairs.length).toBeGreaterThan(20)
    // The position limit was reached (blocking further arbitrages), so the bound was tested.
    expect(s.maxAbsPosition).toBe(parseUnits(s.params.maxPosition, COMMON_SCALE))
    expect((h.record.state as { blocked: number }).blocked).toBeGreaterThan(0)

    // Executed prices are no worse than the touch the decision saw, and where both legs
    // filled in full the executed difference beat both taker fees.
    let bothFilled = 0
    for (const { buy, sell, buyOrder, sellOrder } of pairs) {
      for (const f of h.record.fills.filter((x) => x.orderId === buyOrder?.id)) expect(f.price).toBeLessThanOrEqual(buy.request.price)
      for (const f of h.record.fills.filter((x) => x.orderId === sellOrder?.id)) expect(f.price).toBeGreaterThanOrEqual(sell!.request.price)
      if (buyOrder?.status !== "filled" || sellOrder?.status !== "filled") continue
      bothFilled++
      const bi = instrumentOf(buyOrder.venue)
      const si = instrumentOf(sellOrder.venue)
      // Average prices at the common scale × size: filledNotional at each venue's notional scale.
      const paid = buyOrder.filledNotional * pow10(2 * COMMON_SCALE - notionalScale(bi)) * BigInt(1_000_000 + takerPpm(bi.venue))
      const got = sellOrder.filledNotional * pow10(2 * COMMON_SCALE - notionalScale(si)) * BigInt(1_000_000 - takerPpm(si.venue))
      expect(got).toBeGreaterThan(paid)
    }
    expect(bothFilled).toBeGreaterThan(5)

    // Every fill took liquidity, at the venue's taker rate; the books agree with the fills to the unit.
    const fills = h.record.fills
    for (const f of fills) {
      expect(f.liquidity).toBe("taker")
      expect(f.fee).toBe(feeFor(f.price, f.size, takerPpm(f.instrument.venue)))
    }
    const expected = cashFlows(fills, AMPLE)
    expect(h.orders.fills).toBe(fills.length)
    for (const b of AMPLE) expect(h.account.portfolio.balance(b.venue, b.asset)).toBe(expected.balance(b.venue, b.asset))
    for (const v of ARB_VENUES) expect(h.account.portfolio.position(v.instrument).fees).toBe(expected.fees(v.instrument.venue))
    expect(h.incidents).toEqual([])
    expect(h.failures).toEqual([])
  })

  it("never sells more base or spends more quote than a venue holds, and never sends a leg the venue's minimum refuses", () => {
    const tight = [
      { venue: "fast", asset: "USDT", amount: "1000" },
      { venue: "fast", asset: "BTC", amount: "0.013" },
      { venue: "slow", asset: "USDT", amount: "1500" },
      { venue: "slow", asset: "BTC", amount: "0.021" },
      { venue: "usd", asset: "USD", amount: "700" },
      { venue: "usd", asset: "BTC", amount: "0.017" }
    ]
    for (const seed of [1, 4]) {
      const s = arbitrageSession({ seed, seconds: 150, balances: tight, params: { minEdgePpm: 50, maxSize: "0.05", maxPosition: "0.2" } })
      expect(s.violations).toEqual([])
      expect(checkPairs(s.h, s.params)).toEqual([])
      expect(s.h.orders.denials).toBe(0)
      expect(pairsOf(s.h).length).toBeGreaterThan(5)
      // The balances did bind: some asset was spent down to less than the smallest order of its venue.
      const balances = s.h.account.portfolio.allBalances()
      expect(balances.every((b) => b.amount >= 0n)).toBe(true)
      expect(
        balances.some((b) => {
          const i = instrumentOf(b.venue)
          const smallest = b.asset === i.base ? toLedger(BigInt(i.minSize), i.sizeScale) : toLedger(i.minNotional, notionalScale(i))
          return b.amount < smallest
        })
      ).toBe(true)
    }
  })

  it("sends neither leg when one venue's minimum would refuse its leg (no naked buy)", () => {
    // The USD venue takes nothing under 0.001 BTC, and no arbitrage may exceed 0.0005 BTC.
    const venues = ARB_VENUES.map((v) => (v.instrument.venue === "usd" ? { ...v, instrument: { ...usdInstrument, minSize: 1_000 } } : v))
    const s = arbitrageSession({ seed: 1, seconds: 120, venues, params: { minEdgePpm: 50, maxSize: "0.0005", maxPosition: "0.2" } })
    expect(s.violations).toEqual([])
    expect(checkPairs(s.h, s.params)).toEqual([])
    expect(s.h.orders.denials).toBe(0)
    expect(s.h.record.submits.some((x) => x.request.venue === "usd")).toBe(false)
    // The other two venues still trade with each other.
    expect(pairsOf(s.h).length).toBeGreaterThan(5)
  })

  it("after StrategyRunner.restart() with legs in flight, it re-adopts them and sends nothing new until they are done", () => {
    // Slow order entry keeps the legs in flight across the next books.
    const latency: LatencyLeg = { baseUs: 150_000, jitterUs: 0, spikeProbability: 0, spikeUs: 0 }
    let restarts = 0
    const s = arbitrageSession({
      seed: 7,
      seconds: 150,
      latency,
      params: { minEdgePpm: 50, maxSize: "0.02", maxPosition: "0.06" },
      afterBook: (h) => {
        const last = h.record.submits.at(-1)
        if (restarts < 10 && last !== undefined && last.call === h.record.now.call) {
          restarts++
          h.clock.schedule(0, () => h.runner.restart())
        }
      }
    })
    const { h } = s
    expect(restarts).toBe(10)
    expect(h.record.starts).toBe(11)
    expect(s.violations).toEqual([])
    expect(checkPairs(h, s.params)).toEqual([])
    expect(pairsOf(h).length).toBeGreaterThan(10)
  })
})
