/**
 * The hft runtime: cluster node, entities, and the embedded SQL client.
 *
 * @since 0.1.0
 */

/** The `Account` entity (trading state, kill switch). @since 0.1.0 */
export * as AccountEntity from "./account-entity.ts"
/** A single-node, in-process cluster runner layer. @since 0.1.0 */
export * as ClusterNode from "./cluster-node.ts"
/** An Effect `SqlClient` over `node:sqlite`. @since 0.1.0 */
export * as SqliteClient from "./sqlite-client.ts"
/** The `Strategy` entity (Start / Stop / Status). @since 0.1.0 */
export * as StrategyEntity from "./strategy-entity.ts"
/** The `StrategyHost` service contract the Strategy entity delegates to. @since 0.1.0 */
export * as StrategyHost from "./strategy-host.ts"
