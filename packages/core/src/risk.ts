/**
 * Pre-trade risk: every order is checked synchronously before it leaves the strategy.
 * A denial is one of the {@link DenialReason} codes; the check allocates nothing.
 *
 * @module
 */
import type { Instrument } from "./instrument.ts"
import type { OrderRequest } from "./order.ts"
import { BID } from "./order-book.ts"

/** Account-wide trading state: ACTIVE trades freely, REDUCING only shrinks positions, HALTED sends nothing. */
export type TradingState = "ACTIVE" | "REDUCING" | "HALTED"

/** Why pre-trade risk refused an order. */
export type DenialReason =
  | "TRADING_HALTED"
  | "REDUCE_ONLY"
  | "INVALID_SIZE"
  | "INVALID_PRICE"
  | "BELOW_MIN_SIZE"
  | "BELOW_MIN_NOTIONAL"
  | "MAX_ORDER_SIZE"
  | "MAX_ORDER_NOTIONAL"
  | "MAX_POSITION"
  | "NO_REFERENCE_PRICE"
  | "PRICE_BAND"
  | "RATE_LIMIT"

/** Limits for one instrument. Sizes in size units, notional at the instrument's notional scale. */
export interface RiskLimits {
  /** Largest size of one order. */
  readonly maxOrderSize: number
  /** Largest price × size of one order (price units × size units). */
  readonly maxOrderNotional: bigint
  /** Largest absolute position, counting open orders on the same side. */
  readonly maxPosition: number
  /** Largest distance of a limit price from the mid, in basis points. */
  readonly priceBandBps: number
  /** Orders per second allowed (token bucket, burst of the same size). */
  readonly maxOrdersPerSecond: number
}

/** What the checker needs to know about current exposure; the caller keeps one and updates it. */
export interface Exposure {
  /** Signed position in size units (+ long, − short). */
  position: number
  /** Size of open buy orders. */
  openBuySize: number
  /** Size of open sell orders. */
  openSellSize: number
}

/**
 * Sign of `a × b − limit`, exact. `b` is a safe integer; `a` is any finite number: a limit
 * price, or a mid that may be a half unit.
 */
const compareProduct = (a: number, b: number, limit: bigint): number => {
  let product: bigint
  let scaled = limit
  if (Number.isInteger(a)) {
    const approx = a * b
    // Below 2^53 the floating product of integers is exact; above it, fall back to bigint.
    product = Number.isSafeInteger(approx) ? BigInt(approx) : BigInt(a) * BigInt(b)
  } else {
    // Every finite double is an integer over a power of two: compare a·2^k × b with limit·2^k.
    let shift = 0n
    while (!Number.isInteger(a)) {
      a *= 2
      shift++
    }
    product = BigInt(a) * BigInt(b)
    scaled = limit << shift
  }
  return product > scaled ? 1 : product < scaled ? -1 : 0
}

/** The pre-trade risk checker for one account: trading state, limits per instrument, order rate. */
export class PreTradeRisk {
  /** Current trading state. */
  state: TradingState = "ACTIVE"
  private tokens: number
  private lastRefillUs = -1
  private readonly limits: RiskLimits

  constructor(limits: RiskLimits) {
    this.limits = limits
    this.tokens = limits.maxOrdersPerSecond
  }

  /**
   * Checks an order. `mid` is the reference price in price units, possibly a half unit
   * (NaN when unknown; any non-finite mid counts as unknown); `nowUs` feeds the rate limiter. Returns the denial reason, or undefined to allow.
   * An allowed order consumes one rate token.
   */
  check(instrument: Instrument, order: OrderRequest, exposure: Exposure, mid: number, nowUs: number): DenialReason | undefined {
    const limits = this.limits
    if (this.state === "HALTED") return "TRADING_HALTED"
    const size = order.size
    if (!Number.isSafeInteger(size) || size <= 0 || size % instrument.lotSize !== 0) return "INVALID_SIZE"
    const isLimit = order.type === "limit"
    if (isLimit && (!Number.isSafeInteger(order.price) || order.price <= 0 || order.price % instrument.tickSize !== 0)) {
      return "INVALID_PRICE"
    }
    const signed = order.side === BID ? size : -size
    if (this.state === "REDUCING") {
      const pos = exposure.position
      if (pos === 0 || Math.sign(signed) === Math.sign(pos) || Math.abs(signed) > Math.abs(pos)) return "REDUCE_ONLY"
    }
    if (size < instrument.minSize) return "BELOW_MIN_SIZE"
    if (size > limits.maxOrderSize) return "MAX_ORDER_SIZE"
    if (!Number.isFinite(mid)) return "NO_REFERENCE_PRICE"
    const price = isLimit ? order.price : mid
    if (compareProduct(price, size, instrument.minNotional) < 0) return "BELOW_MIN_NOTIONAL"
    if (compareProduct(price, size, limits.maxOrderNotional) > 0) return "MAX_ORDER_NOTIONAL"
    const worst =
      order.side === BID
        ? exposure.position + exposure.openBuySize + size
        : exposure.position - exposure.openSellSize - size
    // Beyond the limit is allowed only for an order that shrinks the position on its own side.
    if (
      Math.abs(worst) > limits.maxPosition &&
      (Math.abs(worst) > Math.abs(exposure.position) || Math.sign(worst) !== Math.sign(exposure.position))
    ) {
      return "MAX_POSITION"
    }
    if (isLimit && Math.abs(order.price - mid) * 10_000 > limits.priceBandBps * mid) return "PRICE_BAND"
    if (!this.takeToken(nowUs)) return "RATE_LIMIT"
    return undefined
  }

  private takeToken(nowUs: number): boolean {
    const rate = this.limits.maxOrdersPerSecond
    if (this.lastRefillUs >= 0) {
      this.tokens = Math.min(rate, this.tokens + ((nowUs - this.lastRefillUs) * rate) / 1_000_000)
    }
    this.lastRefillUs = nowUs
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
