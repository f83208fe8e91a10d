/** @hft/strategies: built-in strategies, written only against the public strategy API. */
import type { AnyStrategy } from "@hft/core"
import { crossExchangeArbitrage } from "./cross-exchange-arbitrage.ts"
import { marketMaker } from "./market-maker.ts"

export * from "./cross-exchange-arbitrage.ts"
export * from "./market-maker.ts"

/** Built-in strategies by name. */
export const BUILT_IN_STRATEGIES: ReadonlyMap<string, AnyStrategy> = new Map<string, AnyStrategy>([
  [marketMaker.name, marketMaker],
  [crossExchangeArbitrage.name, crossExchangeArbitrage]
])
