/**
 * An Effect `SqlClient` over Node 24's built-in `node:sqlite` (`DatabaseSync`).
 *
 * It exists because the published `@effect/sql-sqlite-node` is a 4.0 beta that
 * imports `effect/unstable/*`, which effect 4.1 no longer has. The embedded
 * (zero-setup) journal backend and, optionally, the single-node cluster's
 * message storage (`ClusterNode.layerSql`) run on it.
 *
 * Shape of the driver:
 * - one `DatabaseSync` connection per client, shared through a one-permit
 *   semaphore (`SqlClient.makeSqliteAcquirers`), so a transaction owns the
 *   connection until it ends and no statement interleaves with it;
 * - statements compiled by `Statement.makeCompilerSqlite` (`?` placeholders,
 *   `"quoted"` identifiers, dialect `"sqlite"`), so code that switches on
 *   `sql.onDialectOrElse` (the cluster's `SqlMessageStorage` and
 *   `SqlRunnerStorage` among others) takes its SQLite branch;
 * - prepared statements cached per SQL text (bounded, least recently used);
 * - native errors classified with `SqlError.classifySqliteError` (unique
 *   violations, constraint errors, busy/locked, cannot-open ...);
 * - `SqlClient.SafeIntegers` honoured per statement: by default SQLite
 *   integers are read as numbers and a value beyond 2^53 fails the statement;
 *   provide `SafeIntegers` `true` to read `bigint`s.
 *
 * All calls are synchronous inside the fiber that runs them: this is a
 * control-plane client (journals, cluster storage), not a hot-path one.
 *
 * @since 0.1.0
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import { Reactivity } from "effect/reactivity"
import { SqlClient, SqlError, Statement } from "effect/sql"
import type { SqlConnection } from "effect/sql"

/**
 * Options for opening a SQLite database.
 *
 * @since 0.1.0
 */
export interface SqliteClientConfig {
  /** A file path, or `":memory:"` for a private in-memory database. */
  readonly filename: string
  /** Open the file read-only (it must exist). Defaults to `false`. */
  readonly readOnly?: boolean | undefined
  /**
   * How long SQLite waits for another process's lock before failing with a
   * `LockTimeoutError` reason. Defaults to 5000 ms.
   */
  readonly busyTimeoutMillis?: number | undefined
  /**
   * Keep SQLite's rollback journal instead of switching a file database to
   * write-ahead logging. Defaults to `false` (WAL on; ignored for `:memory:`).
   */
  readonly disableWAL?: boolean | undefined
  /** How many prepared statements to keep. Defaults to 200. */
  readonly prepareCacheSize?: number | undefined
  /** Renames identifiers written into queries (e.g. camelCase to snake_case). */
  readonly transformQueryNames?: ((name: string) => string) | undefined
  /** Renames the columns of result rows (e.g. snake_case to camelCase). */
  readonly transformResultNames?: ((name: string) => string) | undefined
}

/**
 * A `SqlClient` backed by `node:sqlite`, with the configuration it was opened
 * with.
 *
 * @since 0.1.0
 */
export interface SqliteClient extends SqlClient.SqlClient {
  readonly config: SqliteClientConfig
}

/**
 * Service tag for the `node:sqlite` client. `layer` provides the same value
 * under the generic `SqlClient.SqlClient` tag as well.
 *
 * @since 0.1.0
 */
export const SqliteClient: Context.Service<SqliteClient, SqliteClient> = Context.Service<SqliteClient>(
  "@hft/actors/SqliteClient"
)

/**
 * The `SqlClient.driver` name this adapter reports.
 *
 * @since 0.1.0
 */
export const driverName = "node-sqlite"

/**
 * Opens the database and builds the client. The connection closes when the
 * scope closes. Fails with a `SqlError` when the file cannot be opened.
 *
 * @since 0.1.0
 */
export const make = (
  config: SqliteClientConfig
): Effect.Effect<SqliteClient, SqlError.SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const db = new DatabaseSync(config.filename, {
            readOnly: config.readOnly ?? false,
            timeout: config.busyTimeoutMillis ?? 5000
          })
          if (config.disableWAL !== true && config.filename !== ":memory:" && config.readOnly !== true) {
            db.exec("PRAGMA journal_mode = WAL")
          }
          return db
        },
        catch: (cause) => toSqlError(cause, "Failed to open database", "open")
      }),
      (db) => Effect.sync(() => db.isOpen && db.close())
    )

    const connection = makeConnection(db, config.prepareCacheSize ?? 200)
    const semaphore = yield* Semaphore.make(1)
    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore,
      isTransaction: () => db.isTransaction
    })

    const client = yield* SqlClient.make({
      acquirer: acquirers.acquirer,
      borrower: acquirers.borrower,
      transactionAcquirer: acquirers.transactionAcquirer,
      onCommitFailure: acquirers.onCommitFailure,
      isTransaction: acquirers.isTransaction,
      // SQLite prepares BEGIN / COMMIT / SAVEPOINT like any statement.
      prepareTransactionControls: true,
      compiler: Statement.makeCompilerSqlite(config.transformQueryNames),
      driver: driverName,
      spanAttributes: [["db.system.name", "sqlite"]],
      transformRows: config.transformResultNames
        ? Statement.defaultTransforms(config.transformResultNames).array
        : undefined
    })
    return Object.assign(client, { config }) as SqliteClient
  })

/**
 * A layer that opens the database for the layer's lifetime and provides it as
 * both `SqliteClient` and `SqlClient.SqlClient` (with its own `Reactivity`).
 *
 * @since 0.1.0
 */
export const layer = (
  config: SqliteClientConfig
): Layer.Layer<SqliteClient | SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.effectContext(
    Effect.map(make(config), (client) =>
      Context.make(SqliteClient, client).pipe(
        Context.add(SqlClient.SqlClient, client)
      ))
  ).pipe(Layer.provide(Reactivity.layer))

// ---------------------------------------------------------------------------
// internal
// ---------------------------------------------------------------------------

type Row = Record<string, unknown>

/** node:sqlite accepts null, numbers, bigints, strings and byte views. */
const toInput = (value: unknown): SQLInputValue => {
  if (value === undefined) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  return value as SQLInputValue
}

const bind = (params: ReadonlyArray<unknown>): Array<SQLInputValue> => {
  const out = new Array<SQLInputValue>(params.length)
  for (let i = 0; i < params.length; i++) out[i] = toInput(params[i])
  return out
}

/**
 * node:sqlite errors carry the SQLite result code in `errcode` and a generic
 * `code` ("ERR_SQLITE_ERROR"); the classifier reads `errno`.
 */
const toSqlError = (cause: unknown, message: string, operation: string): SqlError.SqlError => {
  const errcode = typeof cause === "object" && cause !== null && "errcode" in cause
    ? (cause as { readonly errcode: unknown }).errcode
    : undefined
  const view = typeof errcode === "number"
    ? { errno: errcode, message: (cause as Error).message, cause }
    : cause
  const detail = cause instanceof Error ? `${message}: ${cause.message}` : message
  return new SqlError.SqlError({ reason: SqlError.classifySqliteError(view, { message: detail, operation }) })
}

/** Rows come back with a null prototype; give them an ordinary one. */
const plainRows = (rows: ReadonlyArray<Row>): Array<Row> => {
  const out = new Array<Row>(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = { ...rows[i] }
  return out
}

const makeConnection = (db: DatabaseSync, cacheSize: number): SqlConnection.Connection => {
  // Map iteration order is insertion order: re-inserting on use makes the
  // first key the least recently used one.
  const cache = new Map<string, StatementSync>()
  const prepare = (sql: string): StatementSync => {
    const cached = cache.get(sql)
    if (cached !== undefined) {
      cache.delete(sql)
      cache.set(sql, cached)
      return cached
    }
    const statement = db.prepare(sql)
    if (cacheSize > 0) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
      cache.set(sql, statement)
    }
    return statement
  }

  const run = <A>(
    sql: string,
    params: ReadonlyArray<unknown>,
    prepared: boolean,
    f: (statement: StatementSync, args: Array<SQLInputValue>) => A
  ): Effect.Effect<A, SqlError.SqlError> =>
    Effect.withFiber((fiber) => {
      const safeIntegers = fiber.getRef(SqlClient.SafeIntegers)
      try {
        const statement = prepared ? prepare(sql) : db.prepare(sql)
        statement.setReadBigInts(safeIntegers)
        return Effect.succeed(f(statement, bind(params)))
      } catch (cause) {
        return Effect.fail(toSqlError(cause, "Failed to execute statement", "execute"))
      }
    })

  const rows = (statement: StatementSync, args: Array<SQLInputValue>): Array<Row> => {
    if (statement.columns().length === 0) {
      statement.run(...args)
      return []
    }
    statement.setReturnArrays(false)
    return plainRows(statement.all(...args))
  }

  const values = (statement: StatementSync, args: Array<SQLInputValue>): Array<ReadonlyArray<unknown>> => {
    if (statement.columns().length === 0) {
      statement.run(...args)
      return []
    }
    statement.setReturnArrays(true)
    try {
      return statement.all(...args) as unknown as Array<ReadonlyArray<unknown>>
    } finally {
      statement.setReturnArrays(false)
    }
  }

  const raw = (statement: StatementSync, args: Array<SQLInputValue>): unknown => {
    if (statement.columns().length > 0) return plainRows(statement.all(...args))
    const result = statement.run(...args)
    return { changes: result.changes, lastInsertRowid: result.lastInsertRowid }
  }

  const withTransform = (
    effect: Effect.Effect<ReadonlyArray<Row>, SqlError.SqlError>,
    transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) => (transformRows === undefined ? effect : Effect.map(effect, transformRows))

  return {
    execute: (sql, params, transformRows) => withTransform(run(sql, params, true, rows), transformRows),
    executeUnprepared: (sql, params, transformRows) => withTransform(run(sql, params, false, rows), transformRows),
    executeRaw: (sql, params) => run(sql, params, true, raw),
    executeValues: (sql, params) => run(sql, params, true, values),
    executeValuesUnprepared: (sql, params) => run(sql, params, false, values),
    // Reads the whole result, then emits it: results here are small, and a
    // lazy cursor would hold the single connection across stream pulls.
    executeStream: (sql, params, transformRows) =>
      Stream.fromIterableEffect(withTransform(run(sql, params, true, rows), transformRows))
  }
}
