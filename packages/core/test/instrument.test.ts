import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseAmount } from "../src/fixed-point.ts"
import { VenueSymbolMap } from "../src/venue-symbol-map.ts"
import {
  formatPrice,
  formatSize,
  type Instrument,
  InstrumentTable,
  notionalOf,
  notionalScale,
  notionalUnit
} from "../src/instrument.ts"

const btc: Instrument = {
  venue: "binance",
  symbol: "BTC/USDT",
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  priceScale: 2,
  sizeScale: 5,
  tickSize: 1,
  lotSize: 1,
  minSize: 1,
  minNotional: 500_000_000n
}
const eth: Instrument = { ...btc, symbol: "ETH/USDT", venueSymbol: "ETHUSDT", base: "ETH", priceScale: 2, sizeScale: 4 }
const perp: Instrument = { ...btc, symbol: "BTC/USDT:USDT", venueSymbol: "BTCUSDT_PERP" }

describe("instrument", () => {
  it("notional scale, unit and value", () => {
    expect(notionalScale(btc)).toBe(7)
    expect(notionalUnit(btc)).toBe(10_000_000n)
    // 65000.10 × 0.00123 = 79.950123
    expect(notionalOf(6500010, 123)).toBe(799501230n)
    expect(formatPrice(btc, 6500010)).toBe("65000.10")
    expect(formatSize(btc, 123)).toBe("0.00123")
    // min notional of 50 quote units at scale 7
    expect(btc.minNotional / notionalUnit(btc)).toBe(50n)
  })

  it("notionalOf is exact beyond 2^53 and agrees with decimal arithmetic", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (price, size) => {
        const n = notionalOf(price, size)
        expect(n).toBe(BigInt(price) * BigInt(size))
        // the decimal texts multiply to the notional at notional scale
        const p = parseAmount(formatPrice(btc, price), btc.priceScale)
        const s = parseAmount(formatSize(btc, size), btc.sizeScale)
        expect(p * s).toBe(n)
      }),
      { numRuns: 200 }
    )
  })

  it("InstrumentTable looks up by venue symbol and canonical symbol", () => {
    const table = new InstrumentTable([btc, eth, perp])
    expect(table.all).toEqual([btc, eth, perp])
    expect(table.fromVenueSymbol("BTCUSDT")).toBe(btc)
    expect(table.fromVenueSymbol("BTCUSDT_PERP")).toBe(perp)
    expect(table.fromSymbol("ETH/USDT")).toBe(eth)
    expect(table.fromSymbol("BTC/USDT:USDT")).toBe(perp)
    expect(table.fromSymbol("BTCUSDT")).toBeUndefined()
    expect(table.fromVenueSymbol("BTC/USDT")).toBeUndefined()
    expect(new InstrumentTable([]).fromSymbol("BTC/USDT")).toBeUndefined()
  })
})


describe("VenueSymbolMap", () => {
  it("looks values up by (venue, symbol) and iterates in insertion order", () => {
    const m = new VenueSymbolMap<number>()
    m.set("kraken", "BTC/USD", 1)
    m.set("binance", "BTC/USDT", 2)
    m.set("kraken", "ETH/USD", 3)
    m.set("binance", "BTC/USDT", 4)
    expect(m.get("binance", "BTC/USDT")).toBe(4)
    expect(m.get("binance", "ETH/USD")).toBeUndefined()
    expect([...m.values()]).toEqual([1, 4, 3])
    expect(m.delete("kraken", "BTC/USD")).toBe(true)
    expect(m.delete("kraken", "BTC/USD")).toBe(false)
    expect(m.get("kraken", "BTC/USD")).toBeUndefined()
    expect([...m.values()]).toEqual([4, 3])
  })
})
