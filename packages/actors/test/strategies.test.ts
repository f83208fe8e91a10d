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
  type Side,
  feeFor,
  isTerminal,
  LEDGER_SCALE,
  notionalScale,
  parseAmount,
  parseUnits,
  pow10,
  toLedger
} from "@hft/core"
import { fixedLatency, type LatencyLeg } from "@hft/paper/latency"
import { simulatedBtcUsdt } from "@hft/exchanges"
import { type CrossArbitrageParams, crossExchangeArbitrage } from "@hft/strategies/cross-exchange-arbitrage"
import { type MarketMakerParams, marketMaker } from "@hft/strategies/market-maker"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type HandlerName,
  type HarnessVenue,
  type MarketView,
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
 * the fees then open for a while after each jump. {@link StrategyHarness.calm} goes back
 * to the defaults: no gap beyond the fees any more.
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
const takerPpm = (venue: string): number => ARB_VENUES.find((v) => v.instrument.venue === venue)!.fees.takerPpm
const keyOf = (i: Instrument): string => marketKey(i.venue, i.symbol)
/** A price at the common scale, exact. */
const commonPrice = (i: Instrument, price: number): bigint => BigInt(price) * pow10(COMMON_SCALE - i.priceScale)
/** A size at the common scale, exact. */
const commonSize = (i: Instrument, size: number): bigint => BigInt(size) * pow10(COMMON_SCALE - i.sizeScale)
/** A size at the common scale in size units of `i`, rounded down. */
const unitsOf = (i: Instrument, common: bigint): number => Number(common / pow10(COMMON_SCALE - i.sizeScale))
const abs = (x: bigint): bigint => (x < 0n ? -x : x)
/**
 * Edge of buying at `ask` on `buy` and selling at `bid` on `sell` beyond both taker fees,
 * times the ask (so `edge > ask × minEdgePpm` is the strategy's condition), exact.
 */
const edgeBeyondFees = (buy: Instrument, ask: number, sell: Instrument, bid: number): { net: bigint; ask: bigint } => {
  const a = commonPrice(buy, ask)
  const b = commonPrice(sell, bid)
  return { net: b * BigInt(1_000_000 - takerPpm(sell.venue)) - a * BigInt(1_000_000 + takerPpm(buy.venue)), ask: a }
}
/** Whether a venue takes `size` at `price`: on its lot grid, at least its minimum size and notional. */
const tradable = (i: Instrument, price: number, size: number): boolean =>
  size > 0 && size % i.lotSize === 0 && size >= i.minSize && BigInt(price) * BigInt(size) >= i.minNotional
const floorLot = (i: Instrument, size: number): number => Math.floor(size / i.lotSize) * i.lotSize
/** Size units of `i` the quote balance buys at `ask`, taker fee included, rounded down. */
const affordableSize = (view: MarketView, i: Instrument, ask: number): number => {
  const quote = view.balances.get(marketKey(i.venue, i.quote)) ?? 0n
  if (quote <= 0n) return 0
  return Number(((quote / pow10(LEDGER_SCALE - notionalScale(i))) * 1_000_000n) / (BigInt(ask) * BigInt(1_000_000 + takerPpm(i.venue))))
}
/** Size units of `i` the base balance covers, rounded down. */
const baseSize = (view: MarketView, i: Instrument): number => {
  const base = view.balances.get(marketKey(i.venue, i.base)) ?? 0n
  return base <= 0n ? 0 : Number(base / pow10(LEDGER_SCALE - i.sizeScale))
}
const positionIn = (view: MarketView, i: Instrument): number => view.positions.get(keyOf(i)) ?? 0
/** Net position over all venues at the common scale, exact. */
const netOf = (instruments: ReadonlyArray<Instrument>, view: MarketView): bigint =>
  instruments.reduce((sum, i) => sum + commonSize(i, positionIn(view, i)), 0n)

/** An order that brings the net toward flat on one venue. */
interface Reduction {
  readonly venue: string
  readonly side: Side
  readonly price: number
  readonly size: number
  /** The touch net of the taker fee at the common scale: what a sale brings, or a purchase costs, per unit. */
  readonly value: bigint
}

/**
 * The orders that would bring the net toward flat without passing it, one per venue
 * where there is one: the net rounded down to the venue's lot, within its touch,
 * maxSize, its position limit and its balance, meeting its minimums.
 */
const reductions = (instruments: ReadonlyArray<Instrument>, params: CrossArbitrageParams, view: MarketView): Array<Reduction> => {
  const net = netOf(instruments, view)
  if (net === 0n) return []
  const side: Side = net > 0n ? ASK : BID
  const out: Array<Reduction> = []
  for (const i of instruments) {
    const touch = view.touches.get(keyOf(i))
    if (touch === undefined) continue
    const price = side === ASK ? touch.bid : touch.ask
    if (Number.isNaN(price)) continue
    const position = positionIn(view, i)
    const maxPosition = parseUnits(params.maxPosition, i.sizeScale)
    const size = floorLot(
      i,
      Math.min(
        unitsOf(i, abs(net)),
        side === ASK ? touch.bidSize : touch.askSize,
        parseUnits(params.maxSize, i.sizeScale),
        side === ASK ? maxPosition + position : maxPosition - position,
        side === ASK ? baseSize(view, i) : affordableSize(view, i, price)
      )
    )
    if (!tradable(i, price, size)) continue
    const fee = BigInt(takerPpm(i.venue))
    out.push({ venue: i.venue, side, price, size, value: commonPrice(i, price) * (side === ASK ? 1_000_000n - fee : 1_000_000n + fee) })
  }
  return out
}

/**
 * The venues a first leg may be paired with: the exact edge between the two touches beats
 * both taker fees and minEdgePpm, the first leg's venue is at least as far from the
 * median mid of all books as the other (strictly further when it sells: ties go to the
 * buy), and its size is a lot of both venues within both touches, maxSize, both position
 * limits and both balances, meeting both venues' minimums.
 */
const partnersOf = (instruments: ReadonlyArray<Instrument>, params: CrossArbitrageParams, s: SubmitRecord): Array<Instrument> => {
  const r = s.request
  const first = instruments.find((i) => i.venue === r.venue)!
  const mid = (i: Instrument): number => {
    const t = s.touches.get(keyOf(i))
    return t === undefined ? NaN : ((t.bid + t.ask) / 2) * 10 ** (COMMON_SCALE - i.priceScale)
  }
  const mids = instruments.map(mid).filter((m) => !Number.isNaN(m)).sort((a, b) => a - b)
  const n = mids.length
  const median = n % 2 === 1 ? mids[n >> 1]! : (mids[n / 2 - 1]! + mids[n / 2]!) / 2
  const staleness = (i: Instrument): number => Math.abs(mid(i) - median)
  const size = commonSize(first, r.size)
  const maxSize = BigInt(parseUnits(params.maxSize, COMMON_SCALE))
  const maxPosition = BigInt(parseUnits(params.maxPosition, COMMON_SCALE))
  return instruments.filter((other) => {
    const ot = s.touches.get(keyOf(other))
    if (other === first || ot === undefined) return false
    const [buy, sell] = r.side === BID ? [first, other] : [other, first]
    const ask = s.touches.get(keyOf(buy))!.ask
    const bid = s.touches.get(keyOf(sell))!.bid
    const edge = edgeBeyondFees(buy, ask, sell, bid)
    return (
      edge.net > edge.ask * BigInt(params.minEdgePpm) &&
      (r.side === BID ? staleness(first) >= staleness(other) : staleness(first) > staleness(other)) &&
      size % commonSize(buy, buy.lotSize) === 0n &&
      size % commonSize(sell, sell.lotSize) === 0n &&
      size <= maxSize &&
      size <= commonSize(buy, s.touches.get(keyOf(buy))!.askSize) &&
      size <= commonSize(sell, s.touches.get(keyOf(sell))!.bidSize) &&
      commonSize(buy, positionIn(s, buy)) + size <= maxPosition &&
      commonSize(sell, positionIn(s, sell)) - size >= -maxPosition &&
      size <= commonSize(buy, affordableSize(s, buy, ask)) &&
      size <= commonSize(sell, baseSize(s, sell)) &&
      tradable(buy, ask, unitsOf(buy, size)) &&
      tradable(sell, bid, unitsOf(sell, size))
    )
  })
}

/** Order entry and responses of 20–50 ms with spikes: by the time a hedge arrives, the touch it aimed at has often moved. */
const JITTERY: LatencyLeg = { baseUs: 20_000, jitterUs: 30_000, spikeProbability: 0.05, spikeUs: 100_000 }

const AMPLE = [
  { venue: "fast", asset: "USDT", amount: "20000" },
  { venue: "fast", asset: "BTC", amount: "0.5" },
  { venue: "slow", asset: "USDT", amount: "20000" },
  { venue: "slow", asset: "BTC", amount: "0.5" },
  { venue: "usd", asset: "USD", amount: "20000" },
  { venue: "usd", asset: "BTC", amount: "0.5" }
]

/** The strategy's state, as far as the tests read it. */
interface ArbStateView {
  /** Hedge plans by first-leg order id. */
  readonly hedges: ReadonlyMap<string, { readonly leg: { readonly venue: string } }>
  readonly inFlight: ReadonlySet<string>
  /** Base units at 8 decimals. */
  readonly unhedged: number
  readonly sent: number
  readonly rebalanced: number
  readonly blocked: number
}

interface ArbSessionOptions {
  readonly seed: number
  readonly seconds: number
  readonly params: Partial<CrossArbitrageParams>
  readonly balances?: ReadonlyArray<{ venue: string; asset: string; amount: string }>
  readonly latency?: LatencyLeg
  /** Venues other than {@link ARB_VENUES} (same ids, scales and fees). */
  readonly venues?: ReadonlyArray<HarnessVenue>
  /** With the market running, before the strategy starts. */
  readonly prelude?: (h: StrategyHarness) => void
  /** After every book the strategy handled. */
  readonly afterBook?: (h: StrategyHarness) => void
  /** After `seconds`, this long on a calm market ({@link StrategyHarness.calm}). */
  readonly calmSeconds?: number
}

/** A first leg: the start it was sent in, its instrument and side, and the instrument its hedge plan names. */
interface FirstLeg {
  readonly start: number
  readonly instrument: Instrument
  readonly side: Side
  readonly hedge: Instrument
}

/** A hedge order: the start it was sent in, where, which side, and which attempt for its fill (1-based). */
interface HedgeLeg {
  readonly start: number
  readonly instrument: Instrument
  readonly side: Side
  readonly attempt: number
}

interface ArbSession {
  readonly h: StrategyHarness
  readonly params: CrossArbitrageParams
  readonly violations: Array<string>
  /** Largest edge beyond both taker fees seen on any book the strategy handled, in ppm of the ask. */
  maxEdgePpm: number
  /** Largest |position| seen on any venue, at the common scale. */
  maxAbsPosition: number
  /** Orders by kind, as sent: first legs, hedges (first and re-sent), re-sends alone, rebalancing orders. */
  readonly firsts: Array<SubmitRecord>
  readonly hedges: Array<SubmitRecord>
  readonly resends: Array<SubmitRecord>
  readonly rebalances: Array<SubmitRecord>
  /** Fills of first legs: hedged, too small to hedge, and arrived after a restart (hedge plan lost). */
  hedgedFills: number
  unhedgeableFills: number
  lostFills: number
  /** Hedges that still had a tradable rest after their third order. */
  exhaustedHedges: number
  /** Size the strategy could not hedge by the checks' account, at the common scale (since the last start). */
  unhedged: bigint
  /** Net position at the first start, at the common scale. */
  startNet: bigint
  /** When the calm market began, µs (Infinity without one). */
  calmAtUs: number
}

/**
 * Runs the arbitrage over the three venues, checking every handler call as it happens:
 * - after every fill: positions within maxPosition, no balance below zero;
 * - every order: an IOC limit on its venue's tick and lot grid, meeting its minimums;
 * - after `onStart` and `onBook`: the open orders are all in flight (adopted); with any
 *   open, nothing is sent; with none, if the net position can be reduced somewhere
 *   ({@link reductions}) one rebalancing order is sent at the best value, else either
 *   nothing or a first leg (`onBook` only) with a partner ({@link partnersOf}) that its
 *   hedge plan names; with nothing in flight the net is within what went unhedged;
 * - after a fill of a first leg sent in this start: a hedge on the planned venue, opposite
 *   side, for the fill converted (rounded down to the lot) at that venue's touch — or,
 *   when that is not tradable, nothing; after a first leg's fill from an earlier start, nothing;
 * - after a hedge order of this start ends short: the rest re-sent likewise while it is
 *   the 2nd or 3rd attempt and tradable, else nothing;
 * - nothing is sent in any other handler call.
 */
const arbitrageSession = (options: ArbSessionOptions): ArbSession => {
  const params: CrossArbitrageParams = { ...crossExchangeArbitrage.params, legs: LEGS, ...options.params }
  const maxPosition = parseUnits(params.maxPosition, COMMON_SCALE)
  const instruments = (options.venues ?? ARB_VENUES).map((v) => v.instrument)
  const violations: Array<string> = []
  const note = (message: string) => void (violations.length < 20 && violations.push(`${at(h)}: ${message}`))
  const session: ArbSession = {
    get h() {
      return h
    },
    params,
    violations,
    maxEdgePpm: -Infinity,
    maxAbsPosition: 0,
    firsts: [],
    hedges: [],
    resends: [],
    rebalances: [],
    hedgedFills: 0,
    unhedgeableFills: 0,
    lostFills: 0,
    exhaustedHedges: 0,
    unhedged: 0n,
    startNet: 0n,
    calmAtUs: Infinity
  }
  const firstLegs = new Map<string, FirstLeg>()
  const hedgeLegs = new Map<string, HedgeLeg>()
  const instrumentOf = (venue: string): Instrument => instruments.find((i) => i.venue === venue)!
  const state = () => h.record.state as ArbStateView
  let openAtEntry = 0
  let checked = 0

  /** The submits of the running handler call, each checked as an order. */
  const sentNow = (): Array<SubmitRecord> => {
    const out = h.record.submits.slice(checked)
    checked = h.record.submits.length
    for (const s of out) {
      const r = s.request
      const i = instrumentOf(r.venue)
      const what = `${s.handler} #${s.call} ${r.venue} side ${r.side} ${r.size} at ${r.price}`
      if (s.call !== h.record.now.call) note(`${what}: not checked in its own call`)
      if (r.type !== "limit" || r.tif !== "IOC" || r.postOnly) note(`${what}: not an IOC limit`)
      if (r.price % i.tickSize !== 0 || !tradable(i, r.price, r.size)) note(`${what}: off the grid or below the venue's minimum`)
      if (!s.result.ok) note(`${what}: denied ${s.result.reason}`)
    }
    return out
  }
  const orderId = (s: SubmitRecord): string => (s.result.ok ? s.result.orderId : "")
  /** Checks that `s` is exactly the order expected. */
  const expectOrder = (s: SubmitRecord, venue: string, side: Side, size: number, price: number, kind: string) => {
    const r = s.request
    if (r.venue !== venue || r.side !== side || r.size !== size || r.price !== price) {
      note(`${kind} ${r.venue} side ${r.side} ${r.size} at ${r.price}; expected ${venue} side ${side} ${size} at ${price}`)
    }
  }
  /** After onStart/onBook: adoption, then a rebalance when one is possible, else at most a first leg (onBook). */
  const decision = (firstLegAllowed: boolean) => {
    const sent = sentNow()
    const open = h.openOrders()
    if (!open.every((o) => state().inFlight.has(o.id))) note(`open orders ${open.map((o) => o.id).join(", ")} not all in flight`)
    if (openAtEntry > 0) {
      if (sent.length > 0) note(`sent ${sent.length} orders with ${openAtEntry} in flight`)
      return
    }
    if (sent.length > 1) note(`${sent.length} orders in one decision`)
    const view: MarketView = sent[0] ?? h.view()
    const options = reductions(instruments, params, view)
    const s = sent[0]
    if (options.length > 0) {
      const best = options.reduce((a, b) => ((b.side === ASK ? b.value > a.value : b.value < a.value) ? b : a))
      const cheapest = options.filter((o) => o.value === best.value)
      if (s === undefined) return note(`net ${netOf(instruments, view)} not rebalanced though ${best.venue} could take ${best.size}`)
      const chosen = cheapest.find((o) => o.venue === s.request.venue) ?? best
      expectOrder(s, chosen.venue, chosen.side, chosen.size, chosen.price, "rebalance")
      session.rebalances.push(s)
      return
    }
    if (s === undefined) {
      // Settled: the net is what went unhedged (and the start's), no more.
      const net = abs(netOf(instruments, view))
      if (h.record.starts === 1 && net > session.unhedged + abs(session.startNet)) note(`net ${net} beyond unhedged ${session.unhedged}`)
      return
    }
    if (!firstLegAllowed) return note(`${s.handler}: a first leg`)
    const partners = partnersOf(instruments, params, s)
    const plan = state().hedges.get(orderId(s))
    const r = s.request
    const touch = s.touches.get(marketKey(r.venue, r.symbol))!
    if (r.price !== (r.side === BID ? touch.ask : touch.bid)) note(`first leg at ${r.price}, not the touch ${touch.bid}/${touch.ask}`)
    if (plan === undefined || !partners.some((p) => p.venue === plan.leg.venue)) {
      note(`first leg ${r.venue} side ${r.side} ${r.size} hedged on ${plan?.leg.venue}, partners ${partners.map((p) => p.venue).join(", ")}`)
      return
    }
    firstLegs.set(orderId(s), { start: s.start, instrument: instrumentOf(r.venue), side: r.side, hedge: instrumentOf(plan.leg.venue) })
    session.firsts.push(s)
  }
  /**
   * Checks the hedge order expected now for `wanted` (common scale) on `instrument`: at
   * its touch, rounded down to its lot, unless that is not tradable or this would be a
   * fourth order; counts what is not sent as unhedged and returns what is (common scale).
   */
  const hedgeNow = (sent: ReadonlyArray<SubmitRecord>, instrument: Instrument, side: Side, wanted: bigint, attempt: number, kind: string): bigint => {
    const touch = h.view().touches.get(keyOf(instrument))
    const price = touch === undefined ? NaN : side === BID ? touch.ask : touch.bid
    const size = floorLot(instrument, unitsOf(instrument, wanted))
    const s = sent[0]
    const possible = !Number.isNaN(price) && tradable(instrument, price, size)
    if (attempt > 3 || !possible) {
      if (s !== undefined) note(`${kind} sent for ${wanted} on ${instrument.venue} (attempt ${attempt})`)
      if (possible) session.exhaustedHedges++
      session.unhedged += wanted
      return 0n
    }
    if (s === undefined || sent.length > 1) {
      note(`${kind}: ${sent.length} orders for ${wanted} on ${instrument.venue} (attempt ${attempt})`)
      return 0n
    }
    expectOrder(s, instrument.venue, side, size, price, kind)
    hedgeLegs.set(orderId(s), { start: s.start, instrument, side, attempt })
    session.hedges.push(s)
    session.unhedged += wanted - commonSize(instrument, size)
    return commonSize(instrument, size)
  }

  const h: StrategyHarness = new StrategyHarness({
    seed: options.seed,
    model: ARB_MODEL,
    venues: options.venues ?? ARB_VENUES,
    balances: options.balances ?? AMPLE,
    strategy: crossExchangeArbitrage,
    params,
    ...(options.latency === undefined ? {} : { paper: { entryLatency: options.latency, ackLatency: options.latency } }),
    hooks: {
      before: () => {
        openAtEntry = h.openOrders().length
      },
      afterStart: () => {
        if (h.record.starts === 1) session.startNet = netOf(instruments, h.view())
        session.unhedged = 0n
        decision(false)
      },
      afterFill: (fill) => {
        for (const i of instruments) {
          const size = h.account.portfolio.position(i).size
          const common = Number(commonSize(i, Math.abs(size)))
          session.maxAbsPosition = Math.max(session.maxAbsPosition, common)
          if (common > maxPosition) note(`position ${size} on ${i.venue} beyond ${params.maxPosition}`)
        }
        for (const b of h.account.portfolio.allBalances()) if (b.amount < 0n) note(`balance ${b.venue} ${b.asset} ${b.amount} < 0`)
        const sent = sentNow()
        const first = firstLegs.get(fill.orderId)
        if (first !== undefined && first.start === h.record.now.start) {
          const hedged = hedgeNow(sent, first.hedge, first.side === BID ? ASK : BID, commonSize(first.instrument, fill.size), 1, "hedge")
          if (hedged > 0n) session.hedgedFills++
          else session.unhedgeableFills++
          return
        }
        if (first !== undefined) session.lostFills++
        if (sent.length > 0) note(`sent ${sent.length} orders on a fill of ${fill.orderId}, not a first leg of this start`)
      },
      afterOrder: (order) => {
        const sent = sentNow()
        const leg = hedgeLegs.get(order.id)
        if (leg !== undefined && leg.start === h.record.now.start && isTerminal(order.status) && order.filled < order.size) {
          const resent = hedgeNow(sent, leg.instrument, leg.side, commonSize(leg.instrument, order.size - order.filled), leg.attempt + 1, "re-sent hedge")
          if (resent > 0n) session.resends.push(sent[0]!)
          return
        }
        if (sent.length > 0) note(`sent ${sent.length} orders on ${order.id} ${order.status}`)
      },
      afterBook: () => {
        for (const buy of instruments) {
          for (const sell of instruments) {
            if (buy === sell) continue
            const ask = h.book(buy.venue, buy.symbol)?.bestAsk() ?? NaN
            const bid = h.book(sell.venue, sell.symbol)?.bestBid() ?? NaN
            if (Number.isNaN(ask) || Number.isNaN(bid)) continue
            const e = edgeBeyondFees(buy, ask, sell, bid)
            session.maxEdgePpm = Math.max(session.maxEdgePpm, Number(e.net) / Number(e.ask))
          }
        }
        decision(true)
        options.afterBook?.(h)
      }
    }
  })
  h.model.start()
  options.prelude?.(h)
  h.runner.start()
  h.run(options.seconds * SECOND_US)
  if (options.calmSeconds !== undefined) {
    session.calmAtUs = h.clock.nowUs()
    h.calm(options.seed + 1)
    h.run(options.calmSeconds * SECOND_US)
  }
  if (checked !== h.record.submits.length) note(`${h.record.submits.length - checked} orders sent outside the checked handlers`)
  // Without restarts the strategy's own counts are the checks' (unhedged to float rounding).
  const { unhedged, sent, rebalanced } = state()
  if (h.record.starts === 1) {
    if (Math.abs(unhedged - Number(session.unhedged)) > 1e-3) note(`unhedged ${unhedged}, expected ${session.unhedged}`)
    if (sent !== session.firsts.length || rebalanced !== session.rebalances.length) {
      note(`counted ${sent} arbitrages and ${rebalanced} rebalancing orders, expected ${session.firsts.length} and ${session.rebalances.length}`)
    }
  }
  return session
}

/**
 * After a calm market: nothing in flight, no first leg since the calm began, and the net
 * rebalanced as far as it goes — below every venue's smallest order at its touch (no
 * {@link reductions} left).
 */
const expectSettled = (s: ArbSession): void => {
  const { h } = s
  const instruments = [...h.feeds.values()].map((f) => f.instrument)
  expect(h.openOrders()).toEqual([])
  expect(s.firsts.filter((x) => x.atUs >= s.calmAtUs)).toEqual([])
  const view = h.view()
  expect(reductions(instruments, s.params, view)).toEqual([])
  const net = netOf(instruments, view)
  for (const i of instruments) {
    // The smallest order this venue takes at the touch that would reduce the net, at the common scale.
    const t = view.touches.get(keyOf(i))!
    const need = Math.max(i.minSize, Math.ceil(Number(i.minNotional) / (net > 0n ? t.bid : t.ask)))
    expect(abs(net)).toBeLessThan(commonSize(i, Math.ceil(need / i.lotSize) * i.lotSize))
  }
}

/** Each fill at or better than its order's limit, as taker at the venue's rate; balances and fees agree with the fills to the unit. */
const expectExactBooks = (h: StrategyHarness, opening: typeof AMPLE): void => {
  const fills = h.record.fills
  for (const f of fills) {
    const order = h.record.orders.get(f.orderId)!
    if (f.side === BID) expect(f.price).toBeLessThanOrEqual(order.price)
    else expect(f.price).toBeGreaterThanOrEqual(order.price)
    expect(f.liquidity).toBe("taker")
    expect(f.fee).toBe(feeFor(f.price, f.size, takerPpm(f.instrument.venue)))
  }
  const expected = cashFlows(fills, opening)
  expect(h.orders.fills).toBe(fills.length)
  for (const b of opening) expect(h.account.portfolio.balance(b.venue, b.asset)).toBe(expected.balance(b.venue, b.asset))
  for (const v of ARB_VENUES) expect(h.account.portfolio.position(v.instrument).fees).toBe(expected.fees(v.instrument.venue))
  for (const o of h.record.orders.values()) expect(o.status).not.toBe("rejected")
  expect(h.incidents).toEqual([])
  expect(h.failures).toEqual([])
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

  it("sends a first leg only on an exact edge beyond both taker fees and minEdgePpm, on the stalest venue of the pair, whatever the threshold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 3_000 }), fc.constantFrom<LatencyLeg | undefined>(undefined, JITTERY), (seed, minEdgePpm, latency) => {
        const s = arbitrageSession({ seed, seconds: 60, calmSeconds: 10, params: { minEdgePpm }, ...(latency === undefined ? {} : { latency }) })
        expect(s.violations).toEqual([])
        if (s.maxEdgePpm <= minEdgePpm) expect(s.h.record.submits).toEqual([])
        expectSettled(s)
        expectExactBooks(s.h, AMPLE)
      }),
      { numRuns: 6, seed: 4_242, endOnFailure: true }
    )
  })

  it("(b) takes the stale quote first and hedges each fill on the other venue at its touch, within maxPosition and the balances, and ends flat", () => {
    const s = arbitrageSession({ seed: 7, seconds: 240, calmSeconds: 30, params: { minEdgePpm: 50, maxSize: "0.02", maxPosition: "0.06" } })
    const { h } = s
    expect(s.violations).toEqual([])
    expect(s.firsts.length).toBeGreaterThan(20)
    expect(s.hedgedFills).toBeGreaterThan(20)
    // The slow venue lags most: it is most often the stale quote taken first.
    const firstOnSlow = s.firsts.filter((x) => x.request.venue === "slow").length
    expect(firstOnSlow).toBeGreaterThan(s.firsts.length / 2)
    // Hedges crossed scales both ways (the USD venue's sizes are at 6 decimals).
    expect(s.hedges.some((x) => x.request.venue === "usd")).toBe(true)
    expect(s.firsts.some((x) => x.request.venue === "usd")).toBe(true)
    // The position limit was reached (blocking further arbitrages), so the bound was tested.
    expect(s.maxAbsPosition).toBe(parseUnits(s.params.maxPosition, COMMON_SCALE))
    expect((h.record.state as ArbStateView).blocked).toBeGreaterThan(0)
    // With fast order entry and deep books every fill was hedged in full: the net never moved.
    expect(s.unhedgeableFills).toBe(0)
    expect(s.unhedged).toBe(0n)
    expect(s.rebalances).toEqual([])
    expect(netOf(ARB_VENUES.map((v) => v.instrument), h.view())).toBe(0n)
    expectExactBooks(h, AMPLE)
    expectSettled(s)
  })

  it("on thin books fills come in pieces and hedges miss: each piece is hedged, the rest re-sent up to three orders, the unhedged rebalanced to flat", () => {
    const thin = ARB_VENUES.map((v) => ({ ...v, tune: { ...v.tune, touchSize: 0.02, levelSize: 0.01 } }))
    const s = arbitrageSession({ seed: 7, seconds: 120, calmSeconds: 30, venues: thin, params: { minEdgePpm: 50, maxSize: "0.05", maxPosition: "0.1" } })
    const { h } = s
    expect(s.violations).toEqual([])
    // First legs filled in several pieces, each hedged on its own.
    const fillsOf = (x: SubmitRecord) => h.record.fills.filter((f) => x.result.ok && f.orderId === x.result.orderId).length
    expect(s.firsts.some((x) => fillsOf(x) > 1)).toBe(true)
    expect(s.hedgedFills).toBeGreaterThan(s.firsts.filter((x) => fillsOf(x) > 0).length)
    // Hedges fell short and were re-sent; some ran out of orders; the rebalancer took the rest.
    expect(s.resends.length).toBeGreaterThan(10)
    expect(s.exhaustedHedges).toBeGreaterThan(0)
    expect(s.unhedged).toBeGreaterThan(0n)
    expect(s.rebalances.length).toBeGreaterThan(10)
    expectExactBooks(h, AMPLE)
    expectSettled(s)
  })

  it("never sells more base or spends more quote than a venue holds, and never sends an order a venue's minimum refuses", () => {
    const tight = [
      { venue: "fast", asset: "USDT", amount: "1000" },
      { venue: "fast", asset: "BTC", amount: "0.013" },
      { venue: "slow", asset: "USDT", amount: "1500" },
      { venue: "slow", asset: "BTC", amount: "0.021" },
      { venue: "usd", asset: "USD", amount: "700" },
      { venue: "usd", asset: "BTC", amount: "0.017" }
    ]
    for (const seed of [1, 4]) {
      const s = arbitrageSession({ seed, seconds: 150, calmSeconds: 10, balances: tight, params: { minEdgePpm: 50, maxSize: "0.05", maxPosition: "0.2" } })
      expect(s.violations).toEqual([])
      expect(s.h.orders.denials).toBe(0)
      expect(s.firsts.length).toBeGreaterThan(5)
      expectExactBooks(s.h, tight)
      // The balances did bind: some asset was spent down to less than the smallest order of its venue.
      const balances = s.h.account.portfolio.allBalances()
      expect(
        balances.some((b) => {
          const i = ARB_VENUES.find((v) => v.instrument.venue === b.venue)!.instrument
          const smallest = b.asset === i.base ? toLedger(BigInt(i.minSize), i.sizeScale) : toLedger(i.minNotional, notionalScale(i))
          return b.amount < smallest
        })
      ).toBe(true)
    }
  })

  it("sends no first leg whose hedge the other venue's minimum would refuse (no naked leg)", () => {
    // The USD venue takes nothing under 0.001 BTC, and no arbitrage may exceed 0.0005 BTC.
    const venues = ARB_VENUES.map((v) => (v.instrument.venue === "usd" ? { ...v, instrument: { ...usdInstrument, minSize: 1_000 } } : v))
    const s = arbitrageSession({ seed: 1, seconds: 120, calmSeconds: 10, venues, params: { minEdgePpm: 50, maxSize: "0.0005", maxPosition: "0.2" } })
    expect(s.violations).toEqual([])
    expect(s.h.orders.denials).toBe(0)
    expect(s.h.record.submits.some((x) => x.request.venue === "usd")).toBe(false)
    // The other two venues still trade with each other.
    expect(s.firsts.length).toBeGreaterThan(5)
    expect(s.hedgedFills).toBeGreaterThan(5)
    expectSettled(s)
  })

  it("after StrategyRunner.restart() with legs in flight, it re-adopts them, sends nothing new until they are done, and rebalances the hedges lost", () => {
    // Slow order entry keeps the legs in flight across the next books.
    const latency: LatencyLeg = { baseUs: 150_000, jitterUs: 0, spikeProbability: 0, spikeUs: 0 }
    /** Restarts scheduled, and the strategy's open orders at each restart. */
    let scheduled = 0
    const openAtRestart: Array<number> = []
    const s = arbitrageSession({
      seed: 7,
      seconds: 150,
      calmSeconds: 20,
      latency,
      params: { minEdgePpm: 50, maxSize: "0.02", maxPosition: "0.06" },
      afterBook: (h) => {
        const last = h.record.submits.at(-1)
        if (scheduled < 10 && last !== undefined && last.call === h.record.now.call) {
          scheduled++
          h.clock.schedule(0, () => {
            openAtRestart.push(h.openOrders().length)
            h.runner.restart()
          })
        }
      }
    })
    const { h } = s
    expect(openAtRestart).toHaveLength(10)
    expect(openAtRestart.every((n) => n > 0)).toBe(true)
    expect(h.record.starts).toBe(11)
    expect(s.violations).toEqual([])
    expect(s.firsts.length).toBeGreaterThan(10)
    // First legs filled after the restart that lost their hedge plans, and the rebalancer made up for them.
    expect(s.lostFills).toBeGreaterThan(0)
    expect(s.rebalances.length).toBeGreaterThan(0)
    expectExactBooks(h, AMPLE)
    expectSettled(s)
  })

  it("rebalances on start a net position the account already carries: toward flat at the best price net of fees, within the balances, never past it", () => {
    // The two venues with the lower fees hold little: the rebalancer runs into their balances and moves on to the slow venue.
    const balances = [
      { venue: "fast", asset: "USDT", amount: "300" },
      { venue: "fast", asset: "BTC", amount: "0.005" },
      { venue: "slow", asset: "USDT", amount: "20000" },
      { venue: "slow", asset: "BTC", amount: "0.5" },
      { venue: "usd", asset: "USD", amount: "300" },
      { venue: "usd", asset: "BTC", amount: "0.005" }
    ]
    for (const [side, seed] of [[BID, 21], [ASK, 22]] as const) {
      const s = arbitrageSession({
        seed,
        seconds: 20,
        balances,
        params: { minEdgePpm: 50, maxSize: "0.02", maxPosition: "0.06" },
        prelude: (h) => {
          // A calm market, and 0.05 BTC bought (or sold) on the slow venue by someone else in the account.
          h.calm(seed)
          const touch = h.view().touches.get("slow:BTC/USDT")!
          const price = side === BID ? touch.ask + 5_000 : touch.bid - 5_000
          expect(h.orders.submit("earlier-run", { venue: "slow", symbol: "BTC/USDT", side, type: "limit", price, size: 5_000_000, tif: "IOC", postOnly: false }).ok).toBe(true)
          h.run(SECOND_US)
        }
      })
      const { h } = s
      expect(s.violations).toEqual([])
      expect(s.startNet * (side === BID ? 1n : -1n)).toBeGreaterThan(4_000_000n)
      // The first order went out from onStart, on the side that reduces the net; the rest followed on books.
      expect(h.record.submits[0]!.handler).toBe("onStart")
      expect(s.rebalances[0]).toBe(h.record.submits[0])
      expect(s.rebalances.every((x) => x.request.side !== side)).toBe(true)
      expect(s.rebalances.length).toBeGreaterThan(2)
      expect(new Set(s.rebalances.map((x) => x.request.venue)).size).toBeGreaterThan(1)
      expect(s.firsts).toEqual([])
      expectSettled(s)
    }
  })
})
