/**
 * A single-node cluster runner, in process: the `Sharding` service and its
 * entity machinery (shard assignment, entity managers, mailboxes, restarts,
 * passivation, keep-alive, persisted messages), with no network transport.
 * Used by `hft demo`, by `hft run` on one machine, and by tests.
 *
 * It is effect's `TestRunner` / `SingleRunner` wiring made explicit, so the
 * sharding configuration comes from code rather than the environment:
 *
 * - `Runners.layerNoop`: every shard belongs to this runner, nothing is sent
 *   over a socket;
 * - `RunnerStorage.layerMemory`: runner registration and shard locks live in
 *   memory (there is no other runner to coordinate with, and a restarted
 *   process never waits for its previous incarnation's locks to expire);
 * - `RunnerHealth.layerNoop`: this runner is always healthy;
 * - message storage, chosen by the constructor:
 *   - {@link layer} (the default, as DESIGN.md says for a single node):
 *     `MessageStorage.layerMemory`. Persisted messages work and are replayed
 *     after an entity restart, but they do not survive the process, and the
 *     in-memory journal keeps every persisted message for the process's
 *     lifetime: fine for commands (halts, keep-alives), wrong for a stream of
 *     events;
 *   - {@link layerSql}: `SqlMessageStorage` over the `SqlClient` in context (for
 *     example `SqliteClient.layer({ filename })` from `sqlite-client.ts`), so
 *     persisted messages survive a restart of the process. Its migrations run
 *     when the layer starts.
 *
 * Volatile messages (the default for an `Rpc`) never touch message storage.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import {
  MessageStorage,
  RunnerHealth,
  Runners,
  RunnerStorage,
  Sharding,
  ShardingConfig,
  SqlMessageStorage
} from "effect/cluster"
import type { SqlClient } from "effect/sql"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"

/**
 * The sharding knobs this node uses unless overridden.
 *
 * The lock and refresh intervals are the measured "seconds, not 35 s" set
 * from EFFECT4.md (a killed runner's shards move in about 4 s). With one
 * runner and in-memory runner storage no lock ever has to expire, but keeping
 * the same values as the multi-node runners means one configuration for
 * every deployment. `entityMessagePollInterval` (default 10 s) bounds how
 * late a persisted message that missed the direct path is picked up from
 * storage. `entityMaxIdleTime` is only the default for entities that do not
 * set their own `maxIdleTime`.
 *
 * @since 0.1.0
 */
export const defaultShardingConfig: Partial<ShardingConfig.ShardingConfig["Service"]> = {
  shardLockExpiration: "5 seconds",
  shardLockRefreshInterval: "1 second",
  refreshAssignmentsInterval: "500 millis",
  runnerHealthCheckInterval: "1 second",
  entityMessagePollInterval: "1 second",
  entityMaxIdleTime: "5 minutes",
  entityTerminationTimeout: "10 seconds",
  // Encode and decode local calls as if they crossed the network, so a
  // payload that cannot travel fails here and not on the first multi-node run.
  simulateRemoteSerialization: true
}

/**
 * Options for {@link layer} and {@link layerSql}.
 *
 * @since 0.1.0
 */
export interface ClusterNodeOptions {
  /** Overrides merged over {@link defaultShardingConfig}. */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/**
 * The services a cluster node provides: `Sharding` (entity registration and
 * clients: `yield* MyEntity.client`), plus `Runners` and `MessageStorage` for
 * code that needs them directly.
 *
 * @since 0.1.0
 */
export type ClusterNode = Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage

const config = (options: ClusterNodeOptions | undefined) =>
  ShardingConfig.layer({ ...defaultShardingConfig, ...options?.shardingConfig })

const assemble = <E, R>(
  storage: Layer.Layer<MessageStorage.MessageStorage, E, R | ShardingConfig.ShardingConfig>,
  options: ClusterNodeOptions | undefined
): Layer.Layer<ClusterNode, E, Exclude<R, ShardingConfig.ShardingConfig>> =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(storage),
    Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
    Layer.provide(config(options))
  )

/**
 * A single-node cluster with in-memory message storage. Needs nothing.
 *
 * @since 0.1.0
 */
export const layer = (options?: ClusterNodeOptions): Layer.Layer<ClusterNode> =>
  assemble(MessageStorage.layerMemory, options)

/**
 * A single-node cluster whose message storage is SQL (tables `cluster_*`,
 * migrated on start) over the `SqlClient` in context; persisted messages
 * survive a restart of the process.
 *
 * @since 0.1.0
 */
export const layerSql = (options?: ClusterNodeOptions): Layer.Layer<ClusterNode, never, SqlClient.SqlClient> =>
  assemble(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest)), options)
