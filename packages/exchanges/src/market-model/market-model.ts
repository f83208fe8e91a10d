/**
 * A seeded market model: one fair price shared by several venues, each with its own
 * L2 book, spread, depth profile and a small lag and noise on the fair price, so
 * cross-venue price differences appear and close.
 *
 * What happens, as one merged Poisson stream of events in simulated time:
 * - the fair price diffuses (a driftless geometric random walk, `volatilityBps` per
 *   √second) and sometimes jumps (`jumpRate` per second, mean size `jumpBps`);
 * - each venue's reference price follows the fair price, times its own mean-reverting
 *   noise (`noiseBps`), through a first-order lag (`lagUs`): a jump reaches a fast
 *   venue before a slow one, and the gap closes over a few time constants;
 * - each venue's book sits around its reference price: the touch at the reference ±
 *   half the spread (`spreadTicks`), deeper levels on a grid of `levelStepTicks` ticks,
 *   `levels` per side, sizes from a depth profile with log-normal noise;
 * - once the reference leaves the middle of the touch by more than `stickyTicks`, the
 *   book re-centres: levels on the wrong side of the new touch are taken out — a part
 *   (`sweepTradeFraction`) prints as trades (slow makers picked off: the adverse
 *   selection a resting order suffers), the rest is pulled — makers re-quote behind
 *   the new touch, and each side is trimmed or extended at its far end to `levels`;
 * - limit orders arrive and cancel at random levels, more near the touch (geometric in
 *   the depth with `touchBias`), and market orders take the touch and print trades,
 *   leaning toward the side the reference price points to.
 *
 * Every change goes to the venue's {@link MarketSink} as it happens (trades at once,
 * levels buffered by the sink) and every `batchUs` of simulated time the sinks are
 * flushed, one diff frame per batch. The model's own books ({@link MarketModel.book})
 * are the truth.
 *
 * Determinism: the random draws depend only on the seed and on the event times the
 * model draws itself, never on how the caller steps time, so the same seed gives the
 * same market whether it runs on a clock or through {@link MarketModel.step} in
 * steps of any size.
 *
 * @module
 */
import { ASK, BID, type Clock, type Instrument, OrderBook, Prng, type Side, type TimerHandle } from "@hft/core"
import type { MarketSink } from "./market-sink.ts"

/** The BTC/USDT instrument the model defaults to: tick 0.01, size scale 8, lot 0.00001, min notional 5 USDT. */
export const simulatedBtcUsdt = (venue: string): Instrument => ({
  venue,
  symbol: "BTC/USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  priceScale: 2,
  sizeScale: 8,
  tickSize: 1,
  lotSize: 1000,
  minSize: 1000,
  minNotional: 50_000_000_000n
})

/** One venue of the model: its instrument, where it publishes, and how its book behaves. Sizes are in base-asset units (BTC), rates per second. */
export interface MarketModelVenue {
  /** The venue's instrument (one per venue); its `venue` field identifies the venue. */
  readonly instrument: Instrument
  /** Where the venue's market goes; can also be set later with {@link MarketModel.connect}. */
  readonly sink?: MarketSink
  /** Spread at rest, in ticks. Default 1. */
  readonly spreadTicks?: number
  /** Levels per side. Default 100. */
  readonly levels?: number
  /** How far (ticks) the reference may move from the middle of the touch before the book re-centres. Default 5. */
  readonly stickyTicks?: number
  /** Distance between levels behind the touch, in ticks. Default 10. */
  readonly levelStepTicks?: number
  /** Mean size at the touch (base units). Default 1. */
  readonly touchSize?: number
  /** Mean size of the first level behind the touch (base units). Default 0.25. */
  readonly levelSize?: number
  /** Relative growth of the mean level size per level of depth. Default 0.02. */
  readonly depthSlope?: number
  /** Log-normal noise (sigma) on level sizes. Default 0.5. */
  readonly sizeNoise?: number
  /** Time constant with which the venue follows the fair price, µs. Default 100 000. */
  readonly lagUs?: number
  /** Standard deviation of the venue's own price noise, basis points. Default 0.3. */
  readonly noiseBps?: number
  /** Time constant of that noise's mean reversion, µs. Default 1 000 000. */
  readonly noiseTimeUs?: number
  /** Limit order arrivals per second. Default 60. */
  readonly limitRate?: number
  /** Cancellations per second. Default 60. */
  readonly cancelRate?: number
  /** Market orders per second. Default 3. */
  readonly marketRate?: number
  /** Mean market order size (base units, exponential). Default 0.05. */
  readonly marketSize?: number
  /** Mean arrival size as a fraction of the level's profile size. Default 0.4. */
  readonly arrivalFraction?: number
  /** Probability parameter of the geometric depth of arrivals and cancels (higher: nearer the touch). Default 0.3. */
  readonly touchBias?: number
  /** Fraction of a level swept by a price move that prints as trades (the rest is pulled). Default 0.05. */
  readonly sweepTradeFraction?: number
  /** Size of levels re-quoted behind a moving touch, as a fraction of the profile. Default 0.5. */
  readonly refillFraction?: number
  /** Most levels one market order walks. Default 10. */
  readonly maxTakeLevels?: number
}

/** The model: seed, fair price process, venues and batching. */
export interface MarketModelConfig {
  /** Seed of the model's random generator. */
  readonly seed: number
  /** The venues sharing the fair price (at least one). */
  readonly venues: ReadonlyArray<MarketModelVenue>
  /** Starting fair price in quote currency (not units). Default 65 000. */
  readonly startPrice?: number
  /** Volatility of the fair price, basis points per √second. Default 0.25. */
  readonly volatilityBps?: number
  /** Jumps per second (Poisson). Default 1/60. */
  readonly jumpRate?: number
  /** Mean absolute jump size, basis points (exponential, random sign). Default 8. */
  readonly jumpBps?: number
  /** Extra fair-price updates per second, so the price moves even on a quiet book. Default 20. */
  readonly priceUpdateRate?: number
  /** Simulated time between flushes of the sinks (one diff frame each), µs. Default 100 000. */
  readonly batchUs?: number
}

/** Counters of one venue of the model. */
export interface MarketModelStats {
  /** Trades printed. */
  trades: number
  /** Size traded, in size units. */
  volume: number
  /** Level changes emitted. */
  levelChanges: number
  /** Batches flushed. */
  flushes: number
  /** Times the book re-centred on a moved reference price. */
  recenters: number
}

/** Internal per-venue state. */
class VenueSim {
  readonly instrument: Instrument
  readonly symbol: string
  readonly book: OrderBook
  sink: MarketSink | undefined
  readonly tick: number
  readonly grid: number
  readonly spreadUnits: number
  readonly stickyUnits: number
  readonly levels: number
  readonly priceUnit: number
  readonly touchUnits: number
  readonly levelUnits: number
  readonly depthSlope: number
  readonly sizeNoise: number
  readonly lagUs: number
  readonly noiseStd: number
  readonly noiseTimeUs: number
  readonly limitRate: number
  readonly cancelRate: number
  readonly marketRate: number
  readonly marketUnits: number
  readonly arrivalFraction: number
  readonly touchBias: number
  readonly sweepTradeFraction: number
  readonly refillFraction: number
  readonly maxTakeLevels: number
  readonly stats: MarketModelStats = { trades: 0, volume: 0, levelChanges: 0, flushes: 0, recenters: 0 }
  /** Lagged fair price, quote currency. */
  lagged = 0
  /** Venue noise as a fraction. */
  noise = 0
  /** Reference price in price units (float). */
  ref = 0
  /** Target best bid and best ask, price units. */
  tb = 0
  ta = 0

  constructor(config: MarketModelVenue) {
    const instrument = config.instrument
    this.instrument = instrument
    this.symbol = instrument.symbol
    this.sink = config.sink
    this.tick = instrument.tickSize
    this.grid = Math.max(1, Math.round(config.levelStepTicks ?? 10)) * instrument.tickSize
    this.spreadUnits = Math.max(1, Math.round(config.spreadTicks ?? 1)) * instrument.tickSize
    this.stickyUnits = Math.max(0, config.stickyTicks ?? 5) * instrument.tickSize
    this.levels = Math.max(1, Math.round(config.levels ?? 100))
    this.book = new OrderBook(Math.max(16, this.levels * 4))
    this.priceUnit = 10 ** instrument.priceScale
    const sizeUnit = 10 ** instrument.sizeScale
    this.touchUnits = (config.touchSize ?? 1) * sizeUnit
    this.levelUnits = (config.levelSize ?? 0.25) * sizeUnit
    this.depthSlope = config.depthSlope ?? 0.02
    this.sizeNoise = config.sizeNoise ?? 0.5
    this.lagUs = Math.max(0, config.lagUs ?? 100_000)
    this.noiseStd = (config.noiseBps ?? 0.3) / 10_000
    this.noiseTimeUs = Math.max(1, config.noiseTimeUs ?? 1_000_000)
    this.limitRate = Math.max(0, config.limitRate ?? 60)
    this.cancelRate = Math.max(0, config.cancelRate ?? 60)
    this.marketRate = Math.max(0, config.marketRate ?? 3)
    this.marketUnits = (config.marketSize ?? 0.05) * sizeUnit
    this.arrivalFraction = config.arrivalFraction ?? 0.4
    this.touchBias = Math.min(1, Math.max(0.001, config.touchBias ?? 0.3))
    this.sweepTradeFraction = Math.min(1, Math.max(0, config.sweepTradeFraction ?? 0.05))
    this.refillFraction = config.refillFraction ?? 0.5
    this.maxTakeLevels = Math.max(1, config.maxTakeLevels ?? 10)
  }

  /** Price of the bid level `d` steps from the target touch (0 = the touch). */
  bidPriceAt(d: number): number {
    if (d === 0) return this.tb
    return Math.floor((this.tb - 1) / this.grid) * this.grid - (d - 1) * this.grid
  }

  /** Price of the ask level `d` steps from the target touch (0 = the touch). */
  askPriceAt(d: number): number {
    if (d === 0) return this.ta
    return Math.ceil((this.ta + 1) / this.grid) * this.grid + (d - 1) * this.grid
  }

  /** Mean size in size units of a level `d` steps from the touch. */
  profile(d: number): number {
    return d === 0 ? this.touchUnits : this.levelUnits * (1 + this.depthSlope * d)
  }

  /** The target best bid for the current reference price. */
  targetBid(): number {
    return Math.round((this.ref - this.spreadUnits / 2) / this.tick) * this.tick
  }
}

/** Resolved global parameters. */
interface ModelParams {
  readonly sigma: number
  readonly jumpRate: number
  readonly jumpMean: number
  readonly priceUpdateRate: number
  readonly batchUs: number
}

/** The seeded market model; see the module documentation. */
export class MarketModel {
  private readonly clock: Clock
  private readonly prng: Prng
  private readonly sims: Array<VenueSim>
  private readonly byVenue = new Map<string, VenueSim>()
  private readonly params: ModelParams
  /** Cumulative event rates: [price update, jump, then (limit, cancel, market) per venue]. */
  private readonly cumRates: Float64Array
  private readonly totalRate: number
  private fair: number
  private opened = false
  private running = false
  private timer: TimerHandle | undefined = undefined
  private nowUs = 0
  private lastEvolveUs = 0
  private nextEventUs = 0
  private nextFlushUs = 0
  private readonly onTimer = (): void => {
    this.timer = undefined
    this.advanceTo(this.clock.nowUs())
    if (this.running) this.arm()
  }

  /** Creates the model; nothing is emitted until {@link start} or {@link step}. */
  constructor(clock: Clock, config: MarketModelConfig) {
    if (config.venues.length === 0) throw new Error("MarketModel needs at least one venue")
    this.clock = clock
    this.prng = new Prng(config.seed)
    this.fair = config.startPrice ?? 65_000
    this.params = {
      sigma: (config.volatilityBps ?? 0.25) / 10_000,
      jumpRate: Math.max(0, config.jumpRate ?? 1 / 60),
      jumpMean: (config.jumpBps ?? 8) / 10_000,
      priceUpdateRate: Math.max(0, config.priceUpdateRate ?? 20),
      batchUs: Math.max(1, config.batchUs ?? 100_000)
    }
    this.sims = config.venues.map((v) => new VenueSim(v))
    for (const sim of this.sims) {
      if (this.byVenue.has(sim.instrument.venue)) throw new Error(`duplicate venue ${sim.instrument.venue}`)
      this.byVenue.set(sim.instrument.venue, sim)
    }
    this.cumRates = new Float64Array(2 + 3 * this.sims.length)
    let total = this.params.priceUpdateRate
    this.cumRates[0] = total
    total += this.params.jumpRate
    this.cumRates[1] = total
    for (let i = 0; i < this.sims.length; i++) {
      const sim = this.sims[i]!
      total += sim.limitRate
      this.cumRates[2 + 3 * i] = total
      total += sim.cancelRate
      this.cumRates[3 + 3 * i] = total
      total += sim.marketRate
      this.cumRates[4 + 3 * i] = total
    }
    if (!(total > 0)) throw new Error("MarketModel needs a positive total event rate")
    this.totalRate = total
  }

  /** Emits the initial books and keeps running on the clock (timers at each event and flush) until {@link stop}. */
  start(): void {
    this.open()
    if (this.running) return
    this.running = true
    this.arm()
  }

  /** Stops running on the clock (the books stay as they are). */
  stop(): void {
    this.running = false
    this.timer?.cancel()
    this.timer = undefined
  }

  /** Advances the model's own time by `dtUs`, without a clock timer (emits the initial books first if needed). */
  step(dtUs: number): void {
    this.open()
    this.advanceTo(this.nowUs + dtUs)
  }

  /** Runs every event and flush due up to `us` (model time, µs since the epoch). */
  advanceTo(us: number): void {
    this.open()
    const batchUs = this.params.batchUs
    for (;;) {
      if (this.nextEventUs <= this.nextFlushUs) {
        if (this.nextEventUs > us) break
        this.nowUs = this.nextEventUs
        this.runEvent()
        this.nextEventUs = this.nowUs + this.drawGapUs()
      } else {
        if (this.nextFlushUs > us) break
        this.nowUs = this.nextFlushUs
        this.flushAll()
        this.nextFlushUs += batchUs
      }
    }
    if (us > this.nowUs) this.nowUs = us
  }

  /** Attaches (or replaces) a venue's sink; once started, the new sink first gets the whole current book and a flush. */
  connect(venue: string, sink: MarketSink): void {
    const sim = this.sim(venue)
    sim.sink = sink
    if (!this.opened) return
    const book = sim.book
    for (let i = 0; i < book.bids.count; i++) sink.setLevel(sim.symbol, BID, book.bids.priceAt(i), book.bids.sizeAt(i))
    for (let i = 0; i < book.asks.count; i++) sink.setLevel(sim.symbol, ASK, book.asks.priceAt(i), book.asks.sizeAt(i))
    sink.flush()
  }

  /** The model's own book of a venue: the truth the sinks are told about. */
  book(venue: string): OrderBook {
    return this.sim(venue).book
  }

  /** The instruments of the model's venues. */
  instruments(): ReadonlyArray<Instrument> {
    return this.sims.map((s) => s.instrument)
  }

  /** The common fair price, in quote currency (a float, not units). */
  fairValue(): number {
    return this.fair
  }

  /** A venue's own view of the fair price, in price units rounded to its tick grid. */
  referencePrice(venue: string): number {
    const sim = this.sim(venue)
    return Math.round(sim.ref / sim.tick) * sim.tick
  }

  /** Counters of a venue. */
  stats(venue: string): Readonly<MarketModelStats> {
    return this.sim(venue).stats
  }

  /** The model's current time, µs since the epoch. */
  timeUs(): number {
    return this.nowUs
  }

  private sim(venue: string): VenueSim {
    const sim = this.byVenue.get(venue)
    if (sim === undefined) throw new Error(`MarketModel has no venue ${venue}`)
    return sim
  }

  private arm(): void {
    const next = this.nextEventUs < this.nextFlushUs ? this.nextEventUs : this.nextFlushUs
    this.timer = this.clock.schedule(Math.max(0, next - this.clock.nowUs()), this.onTimer)
  }

  /** Emits the initial books (once). */
  private open(): void {
    if (this.opened) return
    this.opened = true
    const t = this.clock.nowUs()
    this.nowUs = t
    this.lastEvolveUs = t
    this.nextFlushUs = t + this.params.batchUs
    this.nextEventUs = t + this.drawGapUs()
    for (const sim of this.sims) {
      sim.lagged = this.fair
      sim.noise = 0
      sim.ref = this.fair * sim.priceUnit
      sim.tb = sim.targetBid()
      sim.ta = sim.tb + sim.spreadUnits
      for (let d = 0; d < sim.levels; d++) {
        this.emitLevel(sim, BID, sim.bidPriceAt(d), this.drawSize(sim, sim.profile(d)))
        this.emitLevel(sim, ASK, sim.askPriceAt(d), this.drawSize(sim, sim.profile(d)))
      }
    }
    this.flushAll()
  }

  private drawGapUs(): number {
    return Math.max(1, Math.ceil(this.prng.exponential(1_000_000 / this.totalRate)))
  }

  private drawSize(sim: VenueSim, mean: number): number {
    const s = sim.sizeNoise
    return Math.max(1, Math.round(mean * Math.exp(s * this.prng.normal() - (s * s) / 2)))
  }

  /** Moves the fair price and the venues' references to the current event time. */
  private evolve(): void {
    const dt = this.nowUs - this.lastEvolveUs
    if (dt <= 0) return
    this.lastEvolveUs = this.nowUs
    const sigma = this.params.sigma
    const seconds = dt / 1_000_000
    this.fair *= Math.exp(sigma * Math.sqrt(seconds) * this.prng.normal() - (sigma * sigma * seconds) / 2)
    for (const sim of this.sims) {
      const a = Math.exp(-dt / sim.noiseTimeUs)
      sim.noise = sim.noise * a + sim.noiseStd * Math.sqrt(1 - a * a) * this.prng.normal()
      this.follow(sim, dt)
    }
  }

  /** Moves a venue's lagged price toward the fair price with its noise, over `dt` µs. */
  private follow(sim: VenueSim, dt: number): void {
    const target = this.fair * (1 + sim.noise)
    if (sim.lagUs > 0) sim.lagged += (target - sim.lagged) * (1 - Math.exp(-dt / sim.lagUs))
    else sim.lagged = target
    sim.ref = sim.lagged * sim.priceUnit
  }

  private runEvent(): void {
    this.evolve()
    const u = this.prng.next() * this.totalRate
    const cum = this.cumRates
    let k = 0
    while (k < cum.length - 1 && u >= cum[k]!) k++
    if (k === 1) {
      const jump = this.prng.exponential(this.params.jumpMean) * (this.prng.chance(0.5) ? 1 : -1)
      this.fair *= Math.exp(jump)
      for (const sim of this.sims) this.follow(sim, 0)
    }
    for (const sim of this.sims) this.recenter(sim)
    if (k < 2) return
    const sim = this.sims[Math.floor((k - 2) / 3)]!
    const kind = (k - 2) % 3
    if (kind === 0) this.limitArrival(sim)
    else if (kind === 1) this.cancellation(sim)
    else this.marketOrder(sim)
  }

  /** Re-centres a venue's book on its reference price. */
  private recenter(sim: VenueSim): void {
    if (Math.abs(sim.ref - (sim.tb + sim.ta) / 2) <= sim.stickyUnits) return
    const tb = sim.targetBid()
    const ob = sim.tb
    if (tb === ob) return
    sim.stats.recenters++
    const oa = sim.ta
    sim.tb = tb
    sim.ta = tb + sim.spreadUnits
    const bids = sim.book.bids
    const asks = sim.book.asks
    if (tb > ob) {
      this.sweep(sim, ASK, sim.ta)
      // Makers re-quote behind the rising touch.
      for (let d = 0; d < sim.levels; d++) {
        const p = sim.bidPriceAt(d)
        if (p <= ob) break
        if (bids.sizeAtPrice(p) === 0) this.emitLevel(sim, BID, p, this.drawSize(sim, sim.profile(d) * sim.refillFraction))
      }
      if (asks.sizeAtPrice(sim.ta) === 0) this.emitLevel(sim, ASK, sim.ta, this.drawSize(sim, sim.profile(0) * sim.refillFraction))
    } else {
      this.sweep(sim, BID, sim.tb)
      for (let d = 0; d < sim.levels; d++) {
        const p = sim.askPriceAt(d)
        if (p >= oa) break
        if (asks.sizeAtPrice(p) === 0) this.emitLevel(sim, ASK, p, this.drawSize(sim, sim.profile(d) * sim.refillFraction))
      }
      if (bids.sizeAtPrice(sim.tb) === 0) this.emitLevel(sim, BID, sim.tb, this.drawSize(sim, sim.profile(0) * sim.refillFraction))
    }
    this.fitDepth(sim, BID)
    this.fitDepth(sim, ASK)
  }

  /** Keeps `levels` levels on a side: drops the deepest beyond it, extends the far end on the grid below it. */
  private fitDepth(sim: VenueSim, side: Side): void {
    const s = sim.book.side(side)
    const grid = sim.grid
    while (s.count > sim.levels) this.emitLevel(sim, side, s.priceAt(s.count - 1), 0)
    while (s.count < sim.levels) {
      const deepest = s.count > 0 ? s.priceAt(s.count - 1) : side === BID ? sim.tb + 1 : sim.ta - 1
      const p = side === BID ? Math.floor((deepest - 1) / grid) * grid : Math.ceil((deepest + 1) / grid) * grid
      if (p <= 0) break
      const d = Math.round(Math.abs(p - (side === BID ? sim.tb : sim.ta)) / grid)
      this.emitLevel(sim, side, p, this.drawSize(sim, sim.profile(d)))
    }
  }

  /** Takes out the levels of `side` beyond `limit` (bids above it, asks below it), printing part of each as trades. */
  private sweep(sim: VenueSim, side: Side, limit: number): void {
    const s = sim.book.side(side)
    const takerSide: Side = side === BID ? ASK : BID
    const fraction = sim.sweepTradeFraction
    while (s.count > 0) {
      const price = s.priceAt(0)
      if (side === BID ? price <= limit : price >= limit) break
      const traded = Math.round(s.sizeAt(0) * fraction)
      if (traded > 0) this.emitTrade(sim, takerSide, price, traded)
      this.emitLevel(sim, side, price, 0)
    }
  }

  private limitArrival(sim: VenueSim): void {
    const side: Side = this.prng.chance(0.5) ? BID : ASK
    const d = Math.min(this.prng.geometric(sim.touchBias), sim.levels - 1)
    const price = side === BID ? sim.bidPriceAt(d) : sim.askPriceAt(d)
    const add = Math.max(1, Math.round(this.prng.exponential(sim.profile(d) * sim.arrivalFraction)))
    this.emitLevel(sim, side, price, sim.book.side(side).sizeAtPrice(price) + add)
  }

  private cancellation(sim: VenueSim): void {
    const side: Side = this.prng.chance(0.5) ? BID : ASK
    const s = sim.book.side(side)
    const d = this.prng.geometric(sim.touchBias)
    if (s.count === 0) return
    const depth = Math.min(d, s.count - 1)
    const size = s.sizeAt(depth)
    const cut = Math.max(1, Math.round(size * this.prng.uniform(0.1, 0.7)))
    this.emitLevel(sim, side, s.priceAt(depth), Math.max(0, size - cut))
  }

  private marketOrder(sim: VenueSim): void {
    const book = sim.book
    const mid = book.mid()
    let lean = 0
    if (!Number.isNaN(mid)) {
      lean = (sim.ref - mid) / Math.max(sim.spreadUnits, sim.grid)
      lean = lean > 1 ? 1 : lean < -1 ? -1 : lean
    }
    const takerSide: Side = this.prng.chance(0.5 + 0.3 * lean) ? BID : ASK
    let remaining = Math.max(1, Math.round(this.prng.exponential(sim.marketUnits)))
    const s = book.side(takerSide === BID ? ASK : BID)
    const makerSide: Side = takerSide === BID ? ASK : BID
    for (let n = 0; n < sim.maxTakeLevels && remaining > 0 && s.count > 0; n++) {
      const price = s.priceAt(0)
      const available = s.sizeAt(0)
      const take = available < remaining ? available : remaining
      this.emitTrade(sim, takerSide, price, take)
      this.emitLevel(sim, makerSide, price, available - take)
      remaining -= take
    }
  }

  private emitLevel(sim: VenueSim, side: Side, price: number, size: number): void {
    sim.book.setLevel(side, price, size)
    sim.stats.levelChanges++
    sim.sink?.setLevel(sim.symbol, side, price, size)
  }

  private emitTrade(sim: VenueSim, takerSide: Side, price: number, size: number): void {
    sim.stats.trades++
    sim.stats.volume += size
    sim.sink?.trade(sim.symbol, takerSide, price, size, this.nowUs)
  }

  private flushAll(): void {
    for (const sim of this.sims) {
      sim.stats.flushes++
      sim.sink?.flush()
    }
  }
}
