/**
 * The engine's event stream: every order event, fill and account change, in the order
 * the engine applied them, one stream per account. The journal records this stream
 * (write-ahead) and recovery replays it; dashboards and reports read it.
 *
 * Values cross process boundaries as they are here: prices and sizes as integer units of
 * the instrument (safe integers), fees and ledger amounts as decimal integer text of
 * their scale (`fee` at the instrument's notional scale, ledger amounts at 18 decimals),
 * never as rounded floats.
 *
 * @module
 */

/** Fields every event carries. */
export interface EventHeader {
  /** Unique across restarts and nodes (see `ids.ts`): the idempotency key of the journal. */
  readonly eventId: string
  /** The account whose stream it belongs to. */
  readonly account: string
  /** Engine time of the event, µs since the epoch (the engine's clock: wall or simulated). */
  readonly tsUs: number
}

/** What a strategy asked for, as submitted (after risk allowed it). */
export interface OrderSubmitted extends EventHeader {
  readonly type: "order-submitted"
  readonly orderId: string
  readonly strategyId: string
  readonly venue: string
  readonly symbol: string
  /** 0 = buy, 1 = sell. */
  readonly side: 0 | 1
  readonly orderType: "limit" | "market"
  readonly price: number
  readonly size: number
  readonly tif: "GTC" | "IOC" | "FOK"
  readonly postOnly: boolean
}

/** Pre-trade risk refused an order: it never left the engine. */
export interface OrderDenied extends EventHeader {
  readonly type: "order-denied"
  readonly strategyId: string
  readonly venue: string
  readonly symbol: string
  readonly side: 0 | 1
  readonly price: number
  readonly size: number
  readonly reason: string
}

/** The venue acknowledged an order. */
export interface OrderAccepted extends EventHeader {
  readonly type: "order-accepted"
  readonly orderId: string
}

/** The venue rejected an order. */
export interface OrderRejected extends EventHeader {
  readonly type: "order-rejected"
  readonly orderId: string
  readonly reason: string
}

/** The strategy asked to cancel an open order. */
export interface CancelRequested extends EventHeader {
  readonly type: "cancel-requested"
  readonly orderId: string
}

/** The venue cancelled an order. */
export interface OrderCancelled extends EventHeader {
  readonly type: "order-cancelled"
  readonly orderId: string
}

/** The venue expired an order (IOC/FOK remainder, self-trade prevention, no liquidity). */
export interface OrderExpired extends EventHeader {
  readonly type: "order-expired"
  readonly orderId: string
  readonly reason: string
}

/** An order was amended (price and/or size). */
export interface OrderModified extends EventHeader {
  readonly type: "order-modified"
  readonly orderId: string
  readonly price: number
  readonly size: number
}

/** A fill of one of our orders. */
export interface FillEvent extends EventHeader {
  readonly type: "fill"
  readonly orderId: string
  /** Unique across restarts and nodes, like event ids. */
  readonly fillId: string
  readonly strategyId: string
  readonly venue: string
  readonly symbol: string
  readonly side: 0 | 1
  readonly price: number
  readonly size: number
  /** Fee at the instrument's notional scale, decimal integer text (negative: a rebate). */
  readonly fee: string
  readonly liquidity: "maker" | "taker"
  /** Time of the fill at the venue, µs since the epoch. */
  readonly venueTsUs: number
}

/** A balance was credited or debited outside fills (deposits, opening balances). */
export interface BalanceAdjusted extends EventHeader {
  readonly type: "balance-adjusted"
  readonly venue: string
  readonly asset: string
  /** Signed amount in ledger units (18 decimals), decimal integer text. */
  readonly amount: string
  readonly reason: string
}

/** The account's trading state changed. */
export interface TradingStateChanged extends EventHeader {
  readonly type: "trading-state-changed"
  readonly state: "ACTIVE" | "REDUCING" | "HALTED"
  readonly reason: string
  /** Who changed it: `engine` for automatic changes, else the caller's identity. */
  readonly by: string
}

/** A risk limit of the account changed (name and new value as text). */
export interface RiskLimitChanged extends EventHeader {
  readonly type: "risk-limit-changed"
  readonly limit: string
  readonly value: string
  readonly by: string
}

/** A strategy started on the account (first start or restart after failover). */
export interface StrategyStarted extends EventHeader {
  readonly type: "strategy-started"
  readonly strategyId: string
  readonly kind: string
  /** Parameters as given (text), so a restart decodes them again. */
  readonly params: Readonly<Record<string, string>>
}

/** A strategy stopped: asked to, or after too many failures. */
export interface StrategyStopped extends EventHeader {
  readonly type: "strategy-stopped"
  readonly strategyId: string
  readonly reason: string
}

/** An operator or API action on the account, with who issued it. */
export interface ControlAction extends EventHeader {
  readonly type: "control"
  readonly action: string
  readonly identity: string
  readonly detail: string
}

/** Every event of an account stream. */
export type EngineEvent =
  | OrderSubmitted
  | OrderDenied
  | OrderAccepted
  | OrderRejected
  | CancelRequested
  | OrderCancelled
  | OrderExpired
  | OrderModified
  | FillEvent
  | BalanceAdjusted
  | TradingStateChanged
  | RiskLimitChanged
  | StrategyStarted
  | StrategyStopped
  | ControlAction

/** Where the engine writes its events, synchronously, in order (a ring the journal drains, a test's array). */
export interface EngineEventSink {
  /** Takes one event; must not throw and must not block. */
  append(event: EngineEvent): void
}
