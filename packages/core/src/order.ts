/**
 * Orders and their state machine.
 *
 * new → accepted → partially_filled → filled | canceled | rejected | expired.
 * Every event either moves an order to a legal next state or is refused with an
 * {@link IllegalTransition}; terminal states accept nothing.
 *
 * @module
 */
import type { Side } from "./order-book.ts"

/** Limit or market order. */
export type OrderType = "limit" | "market"

/** Time in force: good-till-canceled, immediate-or-cancel, fill-or-kill. */
export type TimeInForce = "GTC" | "IOC" | "FOK"

/** Where an order is in its life. */
export type OrderStatus = "new" | "accepted" | "partially_filled" | "filled" | "canceled" | "rejected" | "expired"

/** Statuses from which nothing moves. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(["filled", "canceled", "rejected", "expired"])

/** True when no further event can change the order. */
export const isTerminal = (status: OrderStatus): boolean => TERMINAL_STATUSES.has(status)

/** What a strategy asks for. Prices and sizes are integer units of the instrument. */
export interface OrderRequest {
  /** Venue the order goes to. */
  readonly venue: string
  /** Canonical symbol (`BTC/USDT`). */
  readonly symbol: string
  /** 0 = buy, 1 = sell. */
  readonly side: Side
  /** Limit or market. */
  readonly type: OrderType
  /** Limit price in price units; ignored for market orders. */
  readonly price: number
  /** Size in size units. */
  readonly size: number
  /** Time in force; market orders behave as IOC. */
  readonly tif: TimeInForce
  /** Rejected instead of taking liquidity when it would cross. */
  readonly postOnly: boolean
  /** Optional client order id; one is assigned when absent. */
  readonly clientId?: string
}

/** An order as the order manager tracks it. */
export interface Order extends OrderRequest {
  /** Unique order id. */
  readonly id: string
  /** Strategy or account that owns it. */
  readonly owner: string
  /** Current status. */
  status: OrderStatus
  /** Size filled so far, in size units. */
  filled: number
  /** Sum of price × size over fills (exact), for the average fill price. */
  filledNotional: bigint
  /** Why it was rejected or expired, when it was. */
  reason?: string
}

/** An event applied to an order. */
export type OrderEvent =
  | { readonly type: "accept" }
  | { readonly type: "reject"; readonly reason: string }
  | { readonly type: "fill"; readonly size: number; readonly price: number }
  | { readonly type: "cancel" }
  | { readonly type: "expire"; readonly reason: string }

/** An event that the order's current status does not allow. */
export class IllegalTransition extends Error {
  readonly _tag = "IllegalTransition"
  readonly from: OrderStatus
  readonly event: OrderEvent["type"]
  constructor(from: OrderStatus, event: OrderEvent["type"], detail?: string) {
    super(`illegal order transition: ${event} in status ${from}${detail ? ` (${detail})` : ""}`)
    this.from = from
    this.event = event
  }
}

/**
 * The status an event leads to, or an {@link IllegalTransition}. `remaining` is the
 * unfilled size before the event (a fill of all of it fills the order). A fill must have
 * a positive integer size no larger than `remaining` and an integer price.
 */
export const nextStatus = (status: OrderStatus, event: OrderEvent, remaining: number): OrderStatus | IllegalTransition => {
  switch (event.type) {
    case "accept":
      return status === "new" ? "accepted" : new IllegalTransition(status, "accept")
    case "reject":
      return status === "new" ? "rejected" : new IllegalTransition(status, "reject")
    case "fill":
      if (status !== "accepted" && status !== "partially_filled") return new IllegalTransition(status, "fill")
      if (!Number.isSafeInteger(event.size) || event.size <= 0 || event.size > remaining) {
        return new IllegalTransition(status, "fill", `size ${event.size} with ${remaining} remaining`)
      }
      // Units are integers; anything else would throw half-way through applyOrderEvent.
      if (!Number.isSafeInteger(event.price)) return new IllegalTransition(status, "fill", `price ${event.price}`)
      return event.size === remaining ? "filled" : "partially_filled"
    case "cancel":
      return status === "new" || status === "accepted" || status === "partially_filled"
        ? "canceled"
        : new IllegalTransition(status, "cancel")
    case "expire":
      return status === "accepted" || status === "partially_filled" ? "expired" : new IllegalTransition(status, "expire")
  }
}

/** Applies an event to an order in place; returns the illegal transition instead of applying it. */
export const applyOrderEvent = (order: Order, event: OrderEvent): IllegalTransition | undefined => {
  const next = nextStatus(order.status, event, order.size - order.filled)
  if (next instanceof IllegalTransition) return next
  if (event.type === "fill") {
    order.filled += event.size
    order.filledNotional += BigInt(event.price) * BigInt(event.size)
  } else if (event.type === "reject" || event.type === "expire") {
    order.reason = event.reason
  }
  order.status = next
  return undefined
}

/** Creates a tracked order in status `new` from a request. */
export const newOrder = (request: OrderRequest, id: string, owner: string): Order => ({
  ...request,
  id,
  owner,
  status: "new",
  filled: 0,
  filledNotional: 0n
})
