/**
 * One trading node as a single layer: the cluster runner, the market hub, the trading
 * node (accounts, order managers, paper venues, strategies) and the Strategy and
 * Account entities served by it.
 *
 * @module
 */
import { Layer } from "effect"
import * as AccountEntity from "./account-entity.ts"
import * as ClusterNode from "./cluster-node.ts"
import { MarketHub, type MarketHubConfig } from "./market-hub.ts"
import * as StrategyEntity from "./strategy-entity.ts"
import { TradingNode, type TradingNodeConfig } from "./trading-node.ts"

/** What a node is built from. */
export interface NodeConfig {
  /** How the hub reaches venues. */
  readonly hub: MarketHubConfig
  /** Accounts, limits, strategies, clock. */
  readonly trading: TradingNodeConfig
  /** Cluster knobs. */
  readonly cluster?: ClusterNode.ClusterNodeOptions
  /** Options of the Strategy entity; by default a stopped strategy is passivated after 10 minutes. */
  readonly strategyEntity?: StrategyEntity.StrategyEntityOptions
}

/**
 * The trading services and the entities they serve, over whatever cluster runner is
 * provided (`ClusterNode.layer`, `ClusterNode.layerSql`, a multi-node runner).
 */
export const nodeLayer = (config: NodeConfig) =>
  Layer.mergeAll(StrategyEntity.layer(config.strategyEntity ?? { maxIdleTime: "10 minutes" }), AccountEntity.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(TradingNode.strategyHost, TradingNode.accountHost)),
    Layer.provideMerge(TradingNode.layer(config.trading)),
    Layer.provideMerge(MarketHub.layer(config.hub))
  )

/** A single-node cluster (in-memory storage) with the trading services and entities. */
export const singleNodeLayer = (config: NodeConfig) => nodeLayer(config).pipe(Layer.provideMerge(ClusterNode.layer(config.cluster)))
