import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Instrument } from "../src/instrument.ts"
import { ASK, BID, type Side } from "../src/order-book.ts"
import { feeFor, formatLedger, LEDGER_SCALE, Portfolio, PPM, toLedger } from "../src/portfolio.ts"

const btc: Instrument = {
  venue: "binance",
  symbol: "BTC/USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  priceScale: 2,
  sizeScale: 4,
  tickSize: 1,
  lotSize: 1,
  minSize: 1,
  minNotional: 0n
}
const eth: Instrument = { ...btc, symbol: "ETH/USDT", venueSymbol: "ETHUSDT", base: "ETH", priceScale: 3, sizeScale: 5 }
const btcOnKraken: Instrument = { ...btc, venue: "kraken", venueSymbol: "XBTUSDT" }

/** Ledger units per notional unit (notional scale 6 → 10^12). */
const NOTIONAL_TO_LEDGER = 10n ** BigInt(LEDGER_SCALE - btc.priceScale - btc.sizeScale)
/** Ledger units per size unit (size scale 4 → 10^14). */
const SIZE_TO_LEDGER = 10n ** BigInt(LEDGER_SCALE - btc.sizeScale)

/** ceil(n / d) for d > 0, by exact comparison rather than by the code under test. */
const ceilDiv = (n: bigint, d: bigint): bigint => {
  let q = n / d
  while (q * d < n) q++
  while ((q - 1n) * d >= n) q--
  return q
}

describe("Portfolio examples", () => {
  it("a round trip at one price realizes 0 before fees; fees round up and are the only cost", () => {
    const p = new Portfolio()
    const price = 6500010 // 65000.10
    const size = 3 // 0.0003 BTC
    const notional = 19500030n // 19.500030 USDT at scale 6
    const buy = p.applyFill(btc, BID, price, size, feeFor(price, size, 1000)) // 0.10 %
    // 19500030 × 1000 / 10^6 = 19500.03 → 19501
    expect(buy).toEqual({ fee: 19501n, realized: 0n })
    expect(p.balance("binance", "BTC")).toBe(3n * SIZE_TO_LEDGER)
    expect(p.balance("binance", "USDT")).toBe(-(notional + 19501n) * NOTIONAL_TO_LEDGER)
    const sell = p.applyFill(btc, ASK, price, size, feeFor(price, size, 1000))
    expect(sell).toEqual({ fee: 19501n, realized: 0n })
    expect(p.balance("binance", "BTC")).toBe(0n)
    expect(p.balance("binance", "USDT")).toBe(-2n * 19501n * NOTIONAL_TO_LEDGER)
    expect(formatLedger(p.balance("binance", "USDT"))).toBe("-0.039002000000000000")
    const pos = p.position(btc)
    expect(pos).toMatchObject({ size: 0, cost: 0n, realized: 0n, fees: 39002n, fills: 2 })
    expect(Portfolio.unrealized(pos, 7000000)).toBe(0n)
    expect(Portfolio.averageEntry(pos)).toBeNaN()
  })

  it("an exactly divisible fee is not rounded up; a zero fee is zero", () => {
    const p = new Portfolio()
    expect(p.applyFill(btc, BID, 1000, 1000, feeFor(1000, 1000, 1000)).fee).toBe(1000n) // 10^6 × 1000 / 10^6
    expect(p.applyFill(btc, BID, 1, 1, feeFor(1, 1, 1)).fee).toBe(1n) // 10^-6 rounds up to one unit
    expect(p.applyFill(btc, BID, 12345, 67, feeFor(12345, 67, 0)).fee).toBe(0n)
  })

  it("a rebate (negative fee) rounds toward the venue and credits the quote balance", () => {
    const p = new Portfolio()
    // 19500030 × −200 / 10^6 = −3900.006 → −3900 (the trader never gains from rounding)
    const { fee } = p.applyFill(btc, BID, 6500010, 3, feeFor(6500010, 3, -200))
    expect(fee).toBe(-3900n)
    expect(p.balance("binance", "USDT")).toBe(-(19500030n - 3900n) * NOTIONAL_TO_LEDGER)
    expect(p.position(btc).fees).toBe(-3900n)
  })

  it("realizes PnL on a long at the average cost", () => {
    const p = new Portfolio()
    expect(p.applyFill(btc, BID, 100, 10, feeFor(100, 10, 0)).realized).toBe(0n)
    expect(p.applyFill(btc, BID, 110, 10, feeFor(110, 10, 0)).realized).toBe(0n)
    const pos = p.position(btc)
    expect(pos.size).toBe(20)
    expect(pos.cost).toBe(2100n)
    expect(Portfolio.averageEntry(pos)).toBe(105)
    expect(Portfolio.unrealized(pos, 120)).toBe(300n)
    expect(p.applyFill(btc, ASK, 120, 5, feeFor(120, 5, 0)).realized).toBe(75n) // 5 × (120 − 105)
    expect(pos.size).toBe(15)
    expect(pos.cost).toBe(1575n)
    expect(p.applyFill(btc, ASK, 90, 15, feeFor(90, 15, 0)).realized).toBe(-225n) // 15 × (90 − 105)
    expect(pos).toMatchObject({ size: 0, cost: 0n, realized: -150n, fills: 4 })
  })

  it("realizes PnL on a short at the average cost", () => {
    const p = new Portfolio()
    p.applyFill(btc, ASK, 100, 10, feeFor(100, 10, 0))
    const pos = p.position(btc)
    expect(pos.size).toBe(-10)
    expect(pos.cost).toBe(-1000n)
    expect(Portfolio.averageEntry(pos)).toBe(100)
    expect(Portfolio.unrealized(pos, 90)).toBe(100n)
    expect(Portfolio.unrealized(pos, 130)).toBe(-300n)
    expect(p.applyFill(btc, BID, 90, 4, feeFor(90, 4, 0)).realized).toBe(40n)
    expect(p.applyFill(btc, ASK, 80, 4, feeFor(80, 4, 0)).realized).toBe(0n) // adds to the short
    expect(pos.size).toBe(-10)
    expect(pos.cost).toBe(-920n) // −600 + −320
    expect(p.applyFill(btc, BID, 100, 10, feeFor(100, 10, 0)).realized).toBe(-80n)
    expect(pos).toMatchObject({ size: 0, cost: 0n, realized: -40n })
  })

  it("a fill through zero closes the position and opens the rest at the fill price", () => {
    const p = new Portfolio()
    p.applyFill(btc, BID, 100, 10, feeFor(100, 10, 0))
    const flip = p.applyFill(btc, ASK, 110, 25, feeFor(110, 25, 0))
    expect(flip.realized).toBe(100n)
    const pos = p.position(btc)
    expect(pos.size).toBe(-15)
    expect(pos.cost).toBe(-1650n)
    expect(Portfolio.averageEntry(pos)).toBe(110)
    const back = p.applyFill(btc, BID, 100, 20, feeFor(100, 20, 0))
    expect(back.realized).toBe(150n)
    expect(pos.size).toBe(5)
    expect(pos.cost).toBe(500n)
    expect(pos.realized).toBe(250n)
    expect(p.balance("binance", "BTC")).toBe(5n * SIZE_TO_LEDGER)
  })

  it("partial closes with indivisible cost keep the total exact", () => {
    const p = new Portfolio()
    p.applyFill(btc, BID, 100, 1, feeFor(100, 1, 0))
    p.applyFill(btc, BID, 101, 2, feeFor(101, 2, 0)) // cost 302 over 3
    const pos = p.position(btc)
    const first = p.applyFill(btc, ASK, 101, 1, feeFor(101, 1, 0)) // removes floor(302/3) = 100
    expect(first.realized).toBe(1n)
    expect(pos.cost).toBe(202n)
    const second = p.applyFill(btc, ASK, 101, 2, feeFor(101, 2, 0))
    expect(second.realized).toBe(0n)
    expect(pos.realized).toBe(1n) // equals the cash flow: −100 − 202 + 101 + 202
    expect(pos.cost).toBe(0n)
  })

  it("keeps positions and balances apart per venue and instrument", () => {
    const p = new Portfolio()
    p.applyFill(btc, BID, 100, 10, feeFor(100, 10, 0))
    p.applyFill(btcOnKraken, ASK, 200, 3, feeFor(200, 3, 0))
    p.applyFill(eth, BID, 50, 7, feeFor(50, 7, 0))
    expect(p.position(btc).size).toBe(10)
    expect(p.position(btcOnKraken).size).toBe(-3)
    expect(p.position(eth).size).toBe(7)
    expect(p.balance("binance", "BTC")).toBe(10n * SIZE_TO_LEDGER)
    expect(p.balance("kraken", "BTC")).toBe(-3n * SIZE_TO_LEDGER)
    expect(p.balance("binance", "ETH")).toBe(7n * 10n ** 13n)
    // ETH notional scale is 8: 350 units → 350 × 10^10 ledger units
    expect(p.balance("binance", "USDT")).toBe(-1000n * NOTIONAL_TO_LEDGER - 350n * 10n ** 10n)
    expect(p.balance("kraken", "USDT")).toBe(600n * NOTIONAL_TO_LEDGER)
    expect(p.balance("okx", "USDT")).toBe(0n)
    expect(p.allPositions().map((x) => `${x.instrument.venue}:${x.instrument.symbol}`)).toEqual([
      "binance:BTC/USDT",
      "kraken:BTC/USDT",
      "binance:ETH/USDT"
    ])
    const balances = p.allBalances().map((b) => `${b.venue}:${b.asset}:${b.amount}`)
    expect(balances.sort()).toEqual(
      [
        `binance:BTC:${10n * SIZE_TO_LEDGER}`,
        `binance:USDT:${-1000n * NOTIONAL_TO_LEDGER - 350n * 10n ** 10n}`,
        `kraken:BTC:${-3n * SIZE_TO_LEDGER}`,
        `kraken:USDT:${600n * NOTIONAL_TO_LEDGER}`,
        `binance:ETH:${7n * 10n ** 13n}`
      ].sort()
    )
  })

  it("adjust credits and debits; position() is created flat once and reused", () => {
    const p = new Portfolio()
    p.adjust("binance", "USDT", toLedger(1_000_000n, 2))
    p.adjust("binance", "USDT", -toLedger(1n, 2))
    expect(p.balance("binance", "USDT")).toBe(999_999n * 10n ** 16n)
    expect(formatLedger(p.balance("binance", "USDT"))).toBe("9999.990000000000000000")
    const a = p.position(btc)
    expect(a).toEqual({ instrument: btc, size: 0, cost: 0n, realized: 0n, fees: 0n, fills: 0 })
    expect(p.position(btc)).toBe(a)
    expect(p.allPositions()).toHaveLength(1)
  })

  it("unrealized is 0 for a NaN mark and exact for large positions", () => {
    const p = new Portfolio()
    const big = 2 ** 40
    p.applyFill(btc, BID, big + 1, big - 1, feeFor(big + 1, big - 1, 0))
    const pos = p.position(btc)
    expect(Portfolio.unrealized(pos, NaN)).toBe(0n)
    expect(Portfolio.unrealized(pos, big + 3)).toBe(2n * BigInt(big - 1))
    expect(pos.cost).toBe(BigInt(big + 1) * BigInt(big - 1))
  })

  it("PPM and toLedger", () => {
    expect(PPM).toBe(1_000_000n)
    expect(toLedger(1n, 18)).toBe(1n)
    expect(toLedger(1n, 0)).toBe(10n ** 18n)
    expect(toLedger(-5n, 6)).toBe(-5n * 10n ** 12n)
  })
})

describe("Portfolio properties", () => {
  const fill = fc.record({
    side: fc.constantFrom<Side>(BID, ASK),
    price: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 2 ** 40 })),
    size: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2 ** 30 })),
    feePpm: fc.oneof(fc.constant(0), fc.integer({ min: -500, max: 5_000 }))
  })

  it("mark-to-market identity, position size, fees and balances against an independent bigint ledger", () => {
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 2 ** 40 }), (fills, mark) => {
        const p = new Portfolio()
        let signedSum = 0
        let cashFlow = 0n // −Σ signed × price, at notional scale
        let fees = 0n
        let realizedSum = 0n
        for (const f of fills) {
          const booked = p.applyFill(btc, f.side, f.price, f.size, feeFor(f.price, f.size, f.feePpm))
          const signed = f.side === BID ? f.size : -f.size
          const notional = BigInt(f.price) * BigInt(f.size)
          const expectedFee = ceilDiv(notional * BigInt(f.feePpm), 1_000_000n)
          expect(booked.fee).toBe(expectedFee)
          signedSum += signed
          cashFlow -= BigInt(signed) * BigInt(f.price)
          fees += expectedFee
          realizedSum += booked.realized
          const pos = p.position(btc)
          expect(pos.size).toBe(signedSum)
          expect(pos.realized).toBe(realizedSum)
          expect(pos.fees).toBe(fees)
          if (pos.size === 0) expect(pos.cost).toBe(0n)
          else expect(Math.sign(Number(pos.cost))).toBe(Math.sign(pos.size))
          // realized + unrealized(mark) − fees = cash flows + position at mark − fees
          const mtm = BigInt(signedSum) * BigInt(mark) + cashFlow - fees
          expect(pos.realized + Portfolio.unrealized(pos, mark) - pos.fees).toBe(mtm)
          // balances: base is the signed size, quote is the cash flow net of fees
          const base = p.balance("binance", "BTC")
          const quote = p.balance("binance", "USDT")
          expect(base).toBe(BigInt(signedSum) * SIZE_TO_LEDGER)
          expect(quote).toBe((cashFlow - fees) * NOTIONAL_TO_LEDGER)
          // valued at the mark, the balances are worth exactly the PnL after fees
          const baseAtMark = (base * BigInt(mark)) / 10n ** BigInt(btc.priceScale)
          expect((base * BigInt(mark)) % 10n ** BigInt(btc.priceScale)).toBe(0n)
          expect(quote + baseAtMark).toBe(mtm * NOTIONAL_TO_LEDGER)
        }
        expect(p.position(btc).fills).toBe(fills.length)
      }),
      { numRuns: 300 }
    )
  })

  it("the average entry of a position built on one side is the size-weighted mean price", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Side>(BID, ASK),
        fc.array(fc.record({ price: fc.integer({ min: 1, max: 100_000 }), size: fc.integer({ min: 1, max: 1_000 }) }), {
          minLength: 1,
          maxLength: 20
        }),
        (side, fills) => {
          const p = new Portfolio()
          let notional = 0n
          let size = 0
          for (const f of fills) {
            expect(p.applyFill(btc, side, f.price, f.size, feeFor(f.price, f.size, 10)).realized).toBe(0n)
            notional += BigInt(f.price) * BigInt(f.size)
            size += f.size
          }
          const pos = p.position(btc)
          expect(pos.cost).toBe(side === BID ? notional : -notional)
          expect(Portfolio.averageEntry(pos)).toBeCloseTo(Number(notional) / size, 6)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("realized PnL of closing a one-sided position at one price is (exit − average entry) × size, exactly", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Side>(BID, ASK),
        fc.array(fc.record({ price: fc.integer({ min: 1, max: 100_000 }), size: fc.integer({ min: 1, max: 1_000 }) }), {
          minLength: 1,
          maxLength: 10
        }),
        fc.integer({ min: 1, max: 100_000 }),
        (side, fills, exit) => {
          const p = new Portfolio()
          let notional = 0n
          let size = 0
          for (const f of fills) {
            p.applyFill(btc, side, f.price, f.size, feeFor(f.price, f.size, 0))
            notional += BigInt(f.price) * BigInt(f.size)
            size += f.size
          }
          const { realized } = p.applyFill(btc, side === BID ? ASK : BID, exit, size, feeFor(exit, size, 0))
          const gross = BigInt(exit) * BigInt(size) - notional
          expect(realized).toBe(side === BID ? gross : -gross)
          expect(p.position(btc)).toMatchObject({ size: 0, cost: 0n })
        }
      ),
      { numRuns: 200 }
    )
  })
})
