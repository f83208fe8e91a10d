/**
 * The `node:sqlite` SqlClient adapter against real SQLite databases (in
 * memory and on disk).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { SqlClient, SqlError } from "effect/sql"
import * as SqliteClient from "../src/sqlite-client.ts"

const reasonOf = (error: unknown): string => {
  assert.isTrue(SqlError.isSqlError(error), `expected a SqlError, got ${String(error)}`)
  return (error as SqlError.SqlError).reason._tag
}

layer(SqliteClient.layer({ filename: ":memory:" }), { excludeTestServices: true })("SqliteClient (:memory:)", (it) => {
  it.effect("binds parameters, uses the insert helper, returns plain rows", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      assert.strictEqual(sql.driver, SqliteClient.driverName)
      assert.strictEqual(sql.onDialectOrElse({ sqlite: () => "sqlite", orElse: () => "other" }), "sqlite")

      yield* sql`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active BOOLEAN, note TEXT)`
      yield* sql`INSERT INTO people ${sql.insert([
        { id: 1, name: "ada", active: true, note: null },
        { id: 2, name: "lin", active: false, note: "x" }
      ])}`
      const rows = yield* sql`SELECT * FROM people WHERE name = ${"ada"}`
      assert.deepStrictEqual(rows, [{ id: 1, name: "ada", active: 1, note: null }])
      assert.strictEqual(Object.getPrototypeOf(rows[0]), Object.prototype)

      const values = yield* sql`SELECT id, name FROM people ORDER BY id`.values
      assert.deepStrictEqual(values, [[1, "ada"], [2, "lin"]])
      // values() must not leave the cached statement returning arrays
      assert.deepStrictEqual(yield* sql`SELECT id, name FROM people ORDER BY id`, [
        { id: 1, name: "ada" },
        { id: 2, name: "lin" }
      ])

      const raw = yield* sql`UPDATE people SET note = ${"y"} WHERE id IN ${sql.in([1, 2])}`.raw
      assert.deepInclude(raw as object, { changes: 2 })

      const streamed = yield* Stream.runCollect(sql<{ id: number }>`SELECT id FROM people ORDER BY id`.stream)
      assert.deepStrictEqual(Array.from(streamed, (row) => row.id), [1, 2])
    }))

  it.effect("commits, rolls back, and rolls back a nested transaction to its savepoint", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)`
      const count = Effect.map(sql<{ n: number }>`SELECT count(*) AS n FROM ledger`, (rows) => rows[0].n)

      yield* sql.withTransaction(sql`INSERT INTO ledger VALUES (1, 10)`)
      assert.strictEqual(yield* count, 1)

      const failed = yield* sql`INSERT INTO ledger VALUES (2, 20)`.pipe(
        Effect.andThen(Effect.fail("abort" as const)),
        sql.withTransaction,
        Effect.flip
      )
      assert.strictEqual(failed, "abort")
      assert.strictEqual(yield* count, 1)

      yield* Effect.gen(function*() {
        yield* sql`INSERT INTO ledger VALUES (3, 30)`
        yield* sql`INSERT INTO ledger VALUES (4, 40)`.pipe(
          Effect.andThen(Effect.fail("inner" as const)),
          sql.withTransaction,
          Effect.ignore
        )
      }).pipe(sql.withTransaction)
      assert.deepStrictEqual(
        yield* sql<{ id: number }>`SELECT id FROM ledger ORDER BY id`,
        [{ id: 1 }, { id: 3 }]
      )
    }))

  it.effect("classifies SQLite errors", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE uniq (id INTEGER PRIMARY KEY, code TEXT UNIQUE)`
      yield* sql`INSERT INTO uniq VALUES (1, 'a')`
      assert.strictEqual(reasonOf(yield* Effect.flip(sql`INSERT INTO uniq VALUES (2, 'a')`)), "UniqueViolation")
      assert.strictEqual(reasonOf(yield* Effect.flip(sql`SELEKT 1`)), "UnknownError")
      assert.include((yield* Effect.flip(sql`SELECT * FROM missing`)).message, "no such table")
    }))

  it.effect("reads integers beyond 2^53 only with SafeIntegers", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const big = 2n ** 62n + 1n
      yield* sql`CREATE TABLE bigs (v INTEGER)`
      yield* sql`INSERT INTO bigs VALUES (${big})`
      const unsafe = yield* Effect.flip(sql`SELECT v FROM bigs`)
      assert.isTrue(SqlError.isSqlError(unsafe))
      const safe = yield* sql<{ v: bigint }>`SELECT v FROM bigs`.pipe(
        Effect.provideService(SqlClient.SafeIntegers, true)
      )
      assert.strictEqual(safe[0].v, big)
    }))
})

layer(
  SqliteClient.layer({
    filename: ":memory:",
    transformQueryNames: (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    transformResultNames: (name) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
  }),
  { excludeTestServices: true }
)("SqliteClient name transforms", (it) => {
  it.effect("maps camelCase identifiers to snake_case columns and back", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE ${sql("orderEvents")} (${sql("orderId")} TEXT, ${sql("filledSize")} TEXT)`
      yield* sql`INSERT INTO ${sql("orderEvents")} ${sql.insert({ orderId: "o-1", filledSize: "0.5" })}`
      const physical = yield* sql`SELECT name FROM pragma_table_info('order_events') ORDER BY cid`.withoutTransform
      assert.deepStrictEqual(physical, [{ name: "order_id" }, { name: "filled_size" }])
      assert.deepStrictEqual(yield* sql`SELECT * FROM ${sql("orderEvents")}`, [{ orderId: "o-1", filledSize: "0.5" }])
    }))
})

describe("SqliteClient on a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "hft-sqlite-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.live("uses WAL and keeps data across reopening", () =>
    Effect.gen(function*() {
      const file = SqliteClient.layer({ filename: join(dir, "journal.db") })
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const mode = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
        assert.strictEqual(mode[0].journal_mode, "wal")
        yield* sql`CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)`
        yield* sql`INSERT INTO events ${sql.insert([{ seq: 1, body: "a" }, { seq: 2, body: "b" }])}`
      }).pipe(Effect.provide(file))

      const rows = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ seq: number; body: string }>`SELECT seq, body FROM events ORDER BY seq`
      }).pipe(Effect.provide(Layer.fresh(file)))
      assert.deepStrictEqual(rows, [{ seq: 1, body: "a" }, { seq: 2, body: "b" }])
    }))

  it.live("fails to open a missing file read-only with a SqlError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(Effect.void, SqliteClient.layer({ filename: join(dir, "absent.db"), readOnly: true }))
      )
      assert.strictEqual(reasonOf(error), "ConnectionError")
    }))
})
