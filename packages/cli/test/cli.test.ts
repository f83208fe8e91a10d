/**
 * The `hft` command end to end: real processes, real simulators on loopback.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "hft-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hft = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })

const lastJsonLine = (stdout: string): Record<string, unknown> => {
  const lines = stdout.trim().split("\n")
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>
}

describe("hft", () => {
  it("demo --duration 5s --json exits 0, trades, and ends with a machine-readable summary", async () => {
    const { code, stdout, stderr } = await hft(["demo", "--duration", "5s", "--json"])
    expect(code, stderr).toBe(0)
    const summary = lastJsonLine(stdout)
    expect(summary["fills"] as number).toBeGreaterThan(0)
    expect(summary["tradingState"]).toBe("ACTIVE")
    const venues = summary["venues"] as Array<Record<string, number>>
    expect(venues.length).toBeGreaterThanOrEqual(1)
    for (const v of venues) expect(v["messages"]).toBeGreaterThan(0)
    const accounts = summary["accounts"] as Array<{ account: string; venues: Array<{ balances: Array<string> }> }>
    expect(accounts[0]!.account).toBe("mm")
    expect(accounts[0]!.venues[0]!.balances.length).toBe(2)
    expect(summary["tickToTradeSamples"] as number).toBeGreaterThan(0)
  })

  it("capture then bench feed replays the capture without a network and reports the book", async () => {
    const file = join(dir, "binance.ndjson")
    const captured = await hft(["capture", "--venue", "binance", "--out", file, "--duration", "3s", "--speed", "20"])
    expect(captured.code, captured.stderr).toBe(0)
    const records = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; url: string })
    expect(records.some((r) => r.kind === "rest" && r.url.startsWith("/api/v3/exchangeInfo"))).toBe(true)
    expect(records.some((r) => r.kind === "rest" && r.url.startsWith("/api/v3/depth"))).toBe(true)
    const { code, stdout, stderr } = await hft(["bench", "feed", "--venue", "binance", "--capture", file, "--runs", "3", "--json"])
    expect(code, stderr).toBe(0)
    const result = lastJsonLine(stdout) as { frames: number; resyncs: number; book: { bids: Array<[string, string]>; asks: Array<[string, string]> } }
    expect(result.frames).toBeGreaterThan(10)
    expect(result.resyncs).toBe(0)
    expect(result.book.bids.length).toBe(10)
    expect(result.book.asks.length).toBe(10)
    expect(Number(result.book.bids[0]![0])).toBeLessThan(Number(result.book.asks[0]![0]))
    expect(result.book.bids[0]![0]).toMatch(/^\d+\.\d{2}$/)
  })

  it("venues lists every venue with its capabilities", async () => {
    const { code, stdout } = await hft(["venues", "--json"])
    expect(code).toBe(0)
    const rows = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, string>)
    expect(rows.map((r) => r["venue"])).toContain("binance")
    expect(rows.find((r) => r["venue"] === "binance")).toMatchObject({ checksum: "none", snapshot: "REST /api/v3/depth" })
  })

  it("rejects bad input with a clear message and a non-zero exit", async () => {
    const badDuration = await hft(["demo", "--duration", "ten"])
    expect(badDuration.code).not.toBe(0)
    expect(badDuration.stdout + badDuration.stderr).toMatch(/invalid duration "ten"/)
    const badVenue = await hft(["demo", "--venues", "nasdaq"])
    expect(badVenue.code).not.toBe(0)
    expect(badVenue.stdout + badVenue.stderr).toMatch(/unknown venue 'nasdaq'/)
  })
})
