import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Instrument } from "../src/instrument.ts"
import { ASK, BID, type Side } from "../src/order-book.ts"
import type { OrderRequest } from "../src/order.ts"
import { PreTradeRisk, type DenialReason, type Exposure, type RiskLimits, type TradingState } from "../src/risk.ts"

const instrument: Instrument = {
  venue: "binance",
  symbol: "BTC/USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  priceScale: 2,
  sizeScale: 4,
  tickSize: 5,
  lotSize: 10,
  minSize: 20,
  minNotional: 100_000n
}

/** Limits loose enough that only the check under test can deny. */
const loose: RiskLimits = {
  maxOrderSize: 1_000_000,
  maxOrderNotional: 10n ** 30n,
  maxPosition: 10_000_000,
  priceBandBps: 10_000,
  maxOrdersPerSecond: 1_000_000
}

const flat: Exposure = { position: 0, openBuySize: 0, openSellSize: 0 }

const limit = (side: Side, price: number, size: number): OrderRequest => ({
  venue: "binance",
  symbol: "BTC/USDT",
  side,
  type: "limit",
  price,
  size,
  tif: "GTC",
  postOnly: false
})

const market = (side: Side, size: number): OrderRequest => ({ ...limit(side, 0, size), type: "market", tif: "IOC" })

const riskWith = (overrides: Partial<RiskLimits> = {}, state: TradingState = "ACTIVE"): PreTradeRisk => {
  const risk = new PreTradeRisk({ ...loose, ...overrides })
  risk.state = state
  return risk
}

const MID = 10_000

describe("each denial reason", () => {
  const cases: ReadonlyArray<
    readonly [DenialReason, Partial<RiskLimits>, TradingState, OrderRequest, Exposure, number]
  > = [
    ["TRADING_HALTED", {}, "HALTED", limit(BID, MID, 100), flat, MID],
    ["REDUCE_ONLY", {}, "REDUCING", limit(BID, MID, 100), flat, MID],
    ["REDUCE_ONLY", {}, "REDUCING", limit(BID, MID, 100), { position: 500, openBuySize: 0, openSellSize: 0 }, MID],
    ["REDUCE_ONLY", {}, "REDUCING", limit(ASK, MID, 510), { position: 500, openBuySize: 0, openSellSize: 0 }, MID],
    ["REDUCE_ONLY", {}, "REDUCING", market(BID, 110), { position: -100, openBuySize: 0, openSellSize: 0 }, MID],
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, 0), flat, MID],
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, -100), flat, MID],
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, 105), flat, MID], // not a lot multiple
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, 100.5), flat, MID],
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, NaN), flat, MID],
    ["INVALID_SIZE", {}, "ACTIVE", limit(BID, MID, 2 ** 60), flat, MID],
    ["INVALID_PRICE", {}, "ACTIVE", limit(BID, 0, 100), flat, MID],
    ["INVALID_PRICE", {}, "ACTIVE", limit(BID, -MID, 100), flat, MID],
    ["INVALID_PRICE", {}, "ACTIVE", limit(BID, MID + 1, 100), flat, MID], // not a tick multiple
    ["INVALID_PRICE", {}, "ACTIVE", limit(BID, MID + 0.5, 100), flat, MID],
    ["INVALID_PRICE", {}, "ACTIVE", limit(BID, NaN, 100), flat, MID],
    ["BELOW_MIN_SIZE", {}, "ACTIVE", limit(BID, MID, 10), flat, MID],
    ["BELOW_MIN_NOTIONAL", {}, "ACTIVE", limit(BID, 4_995, 20), flat, MID], // 99_900 < 100_000
    ["BELOW_MIN_NOTIONAL", {}, "ACTIVE", market(ASK, 20), flat, 4_999.5], // 99_990 < 100_000
    ["MAX_ORDER_SIZE", { maxOrderSize: 100 }, "ACTIVE", limit(BID, MID, 110), flat, MID],
    ["MAX_ORDER_NOTIONAL", { maxOrderNotional: 999_999n }, "ACTIVE", limit(BID, MID, 100), flat, MID],
    ["MAX_ORDER_NOTIONAL", { maxOrderNotional: 999_999n }, "ACTIVE", market(BID, 100), flat, MID],
    ["MAX_POSITION", { maxPosition: 1_000 }, "ACTIVE", limit(BID, MID, 100), { position: 950, openBuySize: 0, openSellSize: 0 }, MID],
    ["MAX_POSITION", { maxPosition: 1_000 }, "ACTIVE", limit(BID, MID, 100), { position: 500, openBuySize: 410, openSellSize: 0 }, MID],
    ["MAX_POSITION", { maxPosition: 1_000 }, "ACTIVE", limit(ASK, MID, 100), { position: -500, openBuySize: 0, openSellSize: 410 }, MID],
    ["NO_REFERENCE_PRICE", {}, "ACTIVE", limit(BID, MID, 100), flat, NaN],
    ["NO_REFERENCE_PRICE", {}, "ACTIVE", market(BID, 100), flat, NaN],
    ["PRICE_BAND", { priceBandBps: 100 }, "ACTIVE", limit(BID, 10_105, 100), flat, MID],
    ["PRICE_BAND", { priceBandBps: 100 }, "ACTIVE", limit(ASK, 9_895, 100), flat, MID],
    ["RATE_LIMIT", { maxOrdersPerSecond: 0 }, "ACTIVE", limit(BID, MID, 100), flat, MID]
  ]

  it.each(cases)("%s (case %#)", (reason, overrides, state, order, exposure, mid) => {
    const risk = riskWith(overrides, state)
    expect(risk.check(instrument, order, exposure, mid, 0)).toBe(reason)
  })

  it("every reason is covered by an example", () => {
    const all: ReadonlyArray<DenialReason> = [
      "TRADING_HALTED",
      "REDUCE_ONLY",
      "INVALID_SIZE",
      "INVALID_PRICE",
      "BELOW_MIN_SIZE",
      "BELOW_MIN_NOTIONAL",
      "MAX_ORDER_SIZE",
      "MAX_ORDER_NOTIONAL",
      "MAX_POSITION",
      "NO_REFERENCE_PRICE",
      "PRICE_BAND",
      "RATE_LIMIT"
    ]
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(all))
  })

  it.each([
    ["at the exact band edge (100 bps above)", limit(BID, 10_100, 100), MID],
    ["at the exact band edge (100 bps below)", limit(ASK, 9_900, 100), MID],
    ["at exactly the min notional", limit(BID, 5_000, 20), 5_000],
    ["at exactly the max order size", limit(ASK, MID, 100), MID],
    ["at exactly the max position", limit(BID, MID, 100), MID],
    ["at exactly the max order notional", limit(BID, 20_000, 100), 20_000],
    ["a market order at a half-unit mid", market(BID, 30), 10_000.5]
  ])("allows an order %s", (_name, order, mid) => {
    const risk = riskWith({ priceBandBps: 100, maxOrderSize: 100, maxPosition: 1_000, maxOrderNotional: 2_000_000n })
    expect(risk.check(instrument, order, { position: 900, openBuySize: 0, openSellSize: 0 }, mid, 0)).toBeUndefined()
  })

  it("allows an order that shrinks a position already beyond the limit", () => {
    const risk = riskWith({ maxPosition: 1_000 })
    expect(risk.check(instrument, limit(ASK, MID, 100), { position: 5_000, openBuySize: 0, openSellSize: 0 }, MID, 0)).toBeUndefined()
    expect(risk.check(instrument, limit(BID, MID, 100), { position: -5_000, openBuySize: 0, openSellSize: 0 }, MID, 0)).toBeUndefined()
  })

  it("denies an order that flips a position beyond the limit on the other side", () => {
    const risk = riskWith({ maxPosition: 500 })
    // long 1000 (beyond the limit), selling 1990 ends short 990: no larger in magnitude, but beyond the limit
    expect(risk.check(instrument, limit(ASK, MID, 1_990), { position: 1_000, openBuySize: 0, openSellSize: 0 }, MID, 0)).toBe(
      "MAX_POSITION"
    )
    // flipping to within the limit is fine
    expect(risk.check(instrument, limit(ASK, MID, 1_500), { position: 1_000, openBuySize: 0, openSellSize: 0 }, MID, 0)).toBeUndefined()
  })

  it("REDUCING allows a reducing order and closing exactly to flat", () => {
    const risk = riskWith({}, "REDUCING")
    const long: Exposure = { position: 500, openBuySize: 0, openSellSize: 0 }
    expect(risk.check(instrument, limit(ASK, MID, 200), long, MID, 0)).toBeUndefined()
    expect(risk.check(instrument, limit(ASK, MID, 500), long, MID, 0)).toBeUndefined()
    expect(risk.check(instrument, market(BID, 500), { position: -500, openBuySize: 0, openSellSize: 0 }, MID, 0)).toBeUndefined()
  })

  it("market orders at a half-unit mid with an odd size are checked exactly (no throw)", () => {
    const lot1: Instrument = { ...instrument, lotSize: 1, minSize: 1, minNotional: 302n }
    const at = (max: bigint) => riskWith({ maxOrderNotional: max }).check(lot1, market(BID, 3), flat, 100.5, 0)
    // 3 × 100.5 = 301.5: below a min of 302, above a max of 301, within a max of 302
    expect(at(10_000n)).toBe("BELOW_MIN_NOTIONAL")
    const noMin: Instrument = { ...lot1, minNotional: 301n }
    expect(riskWith({ maxOrderNotional: 301n }).check(noMin, market(BID, 3), flat, 100.5, 0)).toBe("MAX_ORDER_NOTIONAL")
    expect(riskWith({ maxOrderNotional: 302n }).check(noMin, market(BID, 3), flat, 100.5, 0)).toBeUndefined()
    // a mid that is not a half unit is compared exactly too: 3 × 100.25 = 300.75
    expect(riskWith({ maxOrderNotional: 300n }).check({ ...noMin, minNotional: 300n }, market(ASK, 3), flat, 100.25, 0)).toBe(
      "MAX_ORDER_NOTIONAL"
    )
    expect(riskWith({ maxOrderNotional: 301n }).check({ ...noMin, minNotional: 300n }, market(ASK, 3), flat, 100.25, 0)).toBeUndefined()
  })

  it.each([Infinity, -Infinity])("a mid of %s is no reference price", (mid) => {
    expect(riskWith().check(instrument, market(BID, 100), flat, mid, 0)).toBe("NO_REFERENCE_PRICE")
    expect(riskWith().check(instrument, limit(BID, MID, 100), flat, mid, 0)).toBe("NO_REFERENCE_PRICE")
  })

  it("market orders ignore the price field and the band, and are checked against the mid", () => {
    const risk = riskWith({ priceBandBps: 1, maxOrderNotional: 1_000_000n })
    expect(risk.check(instrument, { ...market(BID, 100), price: -7 }, flat, MID, 0)).toBeUndefined()
    expect(risk.check(instrument, market(BID, 100), flat, MID + 1, 0)).toBe("MAX_ORDER_NOTIONAL")
  })

  it("checks come in a fixed order: the first failing check is reported", () => {
    // size invalid and price invalid → size wins
    expect(riskWith().check(instrument, limit(BID, 1, 1), flat, NaN, 0)).toBe("INVALID_SIZE")
    // halted beats everything
    expect(riskWith({}, "HALTED").check(instrument, limit(BID, 1, 1), flat, NaN, 0)).toBe("TRADING_HALTED")
    // below min size and above max order size cannot both hold; below min size before no mid
    expect(riskWith().check(instrument, limit(BID, MID, 10), flat, NaN, 0)).toBe("BELOW_MIN_SIZE")
    // missing mid reported before the band
    expect(riskWith({ priceBandBps: 1 }).check(instrument, limit(BID, MID, 100), flat, NaN, 0)).toBe("NO_REFERENCE_PRICE")
  })
})

describe("exact notional comparisons near and above 2^53", () => {
  const inst: Instrument = { ...instrument, tickSize: 1, lotSize: 1, minSize: 1, minNotional: 0n }
  const huge: RiskLimits = {
    maxOrderSize: Number.MAX_SAFE_INTEGER,
    maxOrderNotional: 10n ** 40n,
    maxPosition: Number.MAX_SAFE_INTEGER,
    priceBandBps: 10_000,
    maxOrdersPerSecond: 1e12
  }

  it("a product of 2^53 + 1 (rounded to 2^53 as a double) exceeds a limit of 2^53", () => {
    const price = 3
    const size = 3_002_399_751_580_331 // 3 × size = 2^53 + 1
    expect(BigInt(price) * BigInt(size)).toBe(2n ** 53n + 1n)
    expect(price * size).toBe(2 ** 53) // the double product is not exact
    const at = (max: bigint, min: bigint) =>
      new PreTradeRisk({ ...huge, maxOrderNotional: max }).check({ ...inst, minNotional: min }, limit(BID, price, size), flat, price, 0)
    expect(at(2n ** 53n, 0n)).toBe("MAX_ORDER_NOTIONAL")
    expect(at(2n ** 53n + 1n, 0n)).toBeUndefined()
    expect(at(2n ** 53n + 2n, 2n ** 53n + 2n)).toBe("BELOW_MIN_NOTIONAL")
    expect(at(2n ** 53n + 2n, 2n ** 53n + 1n)).toBeUndefined()
  })

  it("MAX_ORDER_NOTIONAL and BELOW_MIN_NOTIONAL agree with a bigint reference at every magnitude", () => {
    const magnitude = fc.oneof(
      fc.integer({ min: 1, max: 2 ** 20 }),
      fc.integer({ min: 2 ** 20, max: 2 ** 30 }),
      fc.integer({ min: 2 ** 26, max: 2 ** 28 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
    )
    fc.assert(
      fc.property(magnitude, magnitude, fc.constantFrom(-2n, -1n, 0n, 1n, 2n), fc.boolean(), (price, size, delta, isMarket) => {
        const exact = BigInt(price) * BigInt(size)
        const order = isMarket ? market(BID, size) : limit(BID, price, size)
        const maxCheck = new PreTradeRisk({ ...huge, maxOrderNotional: exact + delta }).check(inst, order, flat, price, 0)
        expect(maxCheck).toBe(delta < 0n ? "MAX_ORDER_NOTIONAL" : undefined)
        const minCheck = new PreTradeRisk({ ...huge, maxOrderNotional: exact }).check({ ...inst, minNotional: exact + delta }, order, flat, price, 0)
        expect(minCheck).toBe(delta > 0n ? "BELOW_MIN_NOTIONAL" : undefined)
      }),
      { numRuns: 500 }
    )
  })

  it("market orders at a half-unit mid compare the exact notional", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(-1n, 0n, 1n),
        (twiceMid, size, delta) => {
          const mid = twiceMid / 2
          const twiceNotional = BigInt(twiceMid) * BigInt(size)
          // max = floor(notional) + delta, compared exactly: notional > max ⟺ 2·notional > 2·max
          const max = twiceNotional / 2n + delta
          const expected = twiceNotional > 2n * max ? "MAX_ORDER_NOTIONAL" : undefined
          expect(new PreTradeRisk({ ...huge, maxOrderNotional: max }).check(inst, market(ASK, size), flat, mid, 0)).toBe(expected)
          const min = (twiceNotional + 1n) / 2n + delta
          const expectedMin = twiceNotional < 2n * min ? "BELOW_MIN_NOTIONAL" : undefined
          expect(new PreTradeRisk(huge).check({ ...inst, minNotional: min }, market(ASK, size), flat, mid, 0)).toBe(expectedMin)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("risk properties", () => {
  const inst: Instrument = { ...instrument, tickSize: 5, lotSize: 10, minSize: 10, minNotional: 1_000n }
  const stateArb = fc.oneof(
    { weight: 4, arbitrary: fc.constant<TradingState>("ACTIVE") },
    { weight: 2, arbitrary: fc.constant<TradingState>("REDUCING") },
    { weight: 1, arbitrary: fc.constant<TradingState>("HALTED") }
  )
  const orderArb = fc.record({
    side: fc.constantFrom<Side>(BID, ASK),
    isMarket: fc.boolean(),
    // a price near the mid (in ticks), or any price
    nearMid: fc.boolean(),
    offsetTicks: fc.integer({ min: -300, max: 300 }),
    price: fc.oneof(fc.integer({ min: -10, max: 30_000 }), fc.integer({ min: 1, max: 2 ** 40 }).map((p) => p * 5)),
    size: fc.oneof(
      { weight: 1, arbitrary: fc.integer({ min: -10, max: 5_000 }) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 500 }).map((s) => s * 10) }
    )
  })
  type OrderSpec = typeof orderArb extends fc.Arbitrary<infer T> ? T : never
  const exposureArb = fc.record({
    position: fc.integer({ min: -3_000, max: 3_000 }).map((p) => p * 10),
    openBuySize: fc.integer({ min: 0, max: 300 }).map((p) => p * 10),
    openSellSize: fc.integer({ min: 0, max: 300 }).map((p) => p * 10)
  })
  const limitsArb = fc.record({
    maxOrderSize: fc.integer({ min: 0, max: 10_000 }),
    maxOrderNotional: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 18n })),
    maxPosition: fc.integer({ min: 0, max: 20_000 }),
    priceBandBps: fc.integer({ min: 0, max: 10_000 }),
    maxOrdersPerSecond: fc.integer({ min: 0, max: 100 })
  })
  // mids are whole or half units (a book's mid), or unknown
  const midArb = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 2, max: 60_000 }).map((m) => m / 2) },
    { weight: 1, arbitrary: fc.constant(NaN) }
  )
  const toOrder = (o: OrderSpec, mid: number): OrderRequest => {
    if (o.isMarket) return market(o.side, o.size)
    const price = o.nearMid && !Number.isNaN(mid) ? (Math.round(mid / 5) + o.offsetTicks) * 5 : o.price
    return limit(o.side, price, o.size)
  }

  it("HALTED denies everything", () => {
    fc.assert(
      fc.property(limitsArb, orderArb, exposureArb, midArb, fc.integer({ min: 0, max: 1e9 }), (limits, o, exposure, mid, now) => {
        const risk = new PreTradeRisk(limits)
        risk.state = "HALTED"
        expect(risk.check(inst, toOrder(o, mid), exposure, mid, now)).toBe("TRADING_HALTED")
      }),
      { numRuns: 300 }
    )
  })

  it("REDUCING only allows orders that reduce |position| without flipping", () => {
    fc.assert(
      fc.property(orderArb, exposureArb, midArb, (o, exposure, mid) => {
        const risk = riskWith({}, "REDUCING")
        const order = toOrder(o, mid)
        const verdict = risk.check(inst, order, exposure, mid, 0)
        const signed = order.side === BID ? order.size : -order.size
        const after = exposure.position + signed
        const reduces = exposure.position !== 0 && Math.abs(after) < Math.abs(exposure.position) && Math.sign(after) !== -Math.sign(exposure.position)
        if (verdict === undefined) expect(reduces).toBe(true)
        // and with loose limits, a valid reducing order is allowed
        const valid = riskWith().check(inst, order, exposure, mid, 0) === undefined
        if (reduces && valid) expect(verdict).toBeUndefined()
        if (!reduces && verdict !== "INVALID_SIZE" && verdict !== "INVALID_PRICE") expect(verdict).toBe("REDUCE_ONLY")
      }),
      { numRuns: 1000 }
    )
  })

  it("allowed orders always satisfy every limit (checked exactly)", () => {
    let allowed = 0
    fc.assert(
      fc.property(limitsArb, stateArb, orderArb, exposureArb, midArb, (limits, state, o, exposure, mid) => {
        const risk = new PreTradeRisk(limits)
        risk.state = state
        const order = toOrder(o, mid)
        const verdict = risk.check(inst, order, exposure, mid, 0)
        if (verdict !== undefined) return
        allowed++
        expect(state).not.toBe("HALTED")
        expect(Number.isSafeInteger(order.size) && order.size > 0 && order.size % inst.lotSize === 0).toBe(true)
        expect(order.size).toBeGreaterThanOrEqual(inst.minSize)
        expect(order.size).toBeLessThanOrEqual(limits.maxOrderSize)
        expect(Number.isNaN(mid)).toBe(false)
        // notional at twice the price, so half-unit mids stay integers
        const twicePrice = BigInt(order.type === "limit" ? order.price * 2 : mid * 2)
        const twiceNotional = twicePrice * BigInt(order.size)
        expect(twiceNotional <= 2n * limits.maxOrderNotional).toBe(true)
        expect(twiceNotional >= 2n * inst.minNotional).toBe(true)
        if (order.type === "limit") {
          expect(order.price % inst.tickSize).toBe(0)
          // |price − mid| × 10_000 ≤ bps × mid, times two
          const twiceMid = BigInt(mid * 2)
          const diff = BigInt(order.price * 2) - twiceMid
          expect((diff < 0n ? -diff : diff) * 10_000n <= BigInt(limits.priceBandBps) * twiceMid).toBe(true)
        }
        const worst =
          order.side === BID ? exposure.position + exposure.openBuySize + order.size : exposure.position - exposure.openSellSize - order.size
        const withinLimit = Math.abs(worst) <= limits.maxPosition
        const shrinksSameSide = Math.sign(worst) === Math.sign(exposure.position) && Math.abs(worst) <= Math.abs(exposure.position)
        expect(withinLimit || shrinksSameSide).toBe(true)
      }),
      { numRuns: 2000 }
    )
    // the property is not vacuous
    expect(allowed).toBeGreaterThan(100)
  })

  it("is deterministic: a denial consumes no rate token", () => {
    fc.assert(
      fc.property(limitsArb, orderArb, exposureArb, midArb, (limits, o, exposure, mid) => {
        const a = new PreTradeRisk({ ...limits, maxOrdersPerSecond: 1 })
        const order = toOrder(o, mid)
        const first = a.check(inst, order, exposure, mid, 0)
        if (first !== undefined) {
          // the token is still there for a valid order
          expect(a.check(inst, limit(BID, 10_000, 10), flat, 10_000, 0)).toBe(
            new PreTradeRisk({ ...limits, maxOrdersPerSecond: 1 }).check(inst, limit(BID, 10_000, 10), flat, 10_000, 0)
          )
        } else {
          // the single token is gone
          expect(a.check(inst, order, exposure, mid, 0)).toBe("RATE_LIMIT")
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe("rate limiter", () => {
  const inst: Instrument = { ...instrument, tickSize: 1, lotSize: 1, minSize: 1, minNotional: 0n }
  const order = limit(BID, MID, 1)
  const check = (risk: PreTradeRisk, nowUs: number) => risk.check(inst, order, flat, MID, nowUs)

  it("allows a burst of N immediately, then refills one token every 1/N s", () => {
    const risk = riskWith({ maxOrdersPerSecond: 5 })
    const start = 1_700_000_000_000_000
    for (let i = 0; i < 5; i++) expect(check(risk, start)).toBeUndefined()
    expect(check(risk, start)).toBe("RATE_LIMIT")
    expect(check(risk, start + 199_999)).toBe("RATE_LIMIT")
    expect(check(risk, start + 200_000)).toBeUndefined()
    expect(check(risk, start + 200_000)).toBe("RATE_LIMIT")
    expect(check(risk, start + 400_000)).toBeUndefined()
    // a long pause refills only up to the burst size
    const later = start + 60_000_000
    for (let i = 0; i < 5; i++) expect(check(risk, later)).toBeUndefined()
    expect(check(risk, later)).toBe("RATE_LIMIT")
  })

  it("denied RATE_LIMIT checks consume nothing", () => {
    const risk = riskWith({ maxOrdersPerSecond: 2 })
    expect(check(risk, 0)).toBeUndefined()
    expect(check(risk, 0)).toBeUndefined()
    for (let i = 0; i < 10; i++) expect(check(risk, 100_000)).toBe("RATE_LIMIT")
    expect(check(risk, 500_000)).toBeUndefined()
    expect(check(risk, 500_000)).toBe("RATE_LIMIT")
  })

  it("a rate of zero allows nothing", () => {
    const risk = riskWith({ maxOrdersPerSecond: 0 })
    expect(check(risk, 0)).toBe("RATE_LIMIT")
    expect(check(risk, 10_000_000)).toBe("RATE_LIMIT")
  })

  it("never allows more than N + rate × elapsed in any window, and allows every request spaced ≥ 1/N s", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 1, maxLength: 200 }),
        (rate, gaps) => {
          const risk = riskWith({ maxOrdersPerSecond: rate })
          let now = 1_000_000
          const allowedAt: Array<number> = []
          for (const gap of gaps) {
            now += gap
            if (check(risk, now) === undefined) allowedAt.push(now)
          }
          // token bucket bound over every window [allowedAt[i], allowedAt[j]]
          for (let i = 0; i < allowedAt.length; i++) {
            for (let j = i; j < allowedAt.length; j++) {
              const inWindow = j - i + 1
              expect(inWindow).toBeLessThanOrEqual(rate + ((allowedAt[j]! - allowedAt[i]!) * rate) / 1_000_000 + 1e-9)
            }
          }
          // spaced requests always pass
          const spaced = riskWith({ maxOrdersPerSecond: rate })
          const step = Math.ceil(1_000_000 / rate)
          for (let k = 0; k < 3 * rate; k++) expect(check(spaced, k * step)).toBeUndefined()
        }
      ),
      { numRuns: 150 }
    )
  })
})
