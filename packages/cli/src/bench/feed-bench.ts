/**
 * The feed benchmark behind `hft bench feed`: replays a capture held in memory through
 * a venue's feed and times decode + book maintenance only.
 *
 * Throughput comes from untimed passes (no clock read per frame); latency percentiles
 * from a separate pass that reads the monotonic clock around each frame. A `JSON.parse`
 * pass over the same frames is measured in the same run as the reference floor.
 *
 * @module
 */
import { type Instrument, type MarketListener, ASK, BID, Histogram, formatUnits, monoNs } from "@hft/core"
import { type CaptureRecord, type ReplayCursor, type Venue, type VenueFeed, makeReplayFeed, replayRecord } from "@hft/exchanges"

/** Benchmark options. */
export interface FeedBenchOptions {
  /** Canonical symbol whose book is reported (and followed). */
  readonly symbol: string
  /** Timed throughput passes; the median is reported. */
  readonly runs: number
  /** Levels per side in the reported book. */
  readonly depth: number
}

/** Machine-readable benchmark result. */
export interface FeedBenchResult {
  readonly venue: string
  readonly symbol: string
  /** WebSocket frames per pass. */
  readonly frames: number
  /** Median frames per second over the throughput passes. */
  readonly msgsPerSec: number
  /** Every pass's frames per second. */
  readonly runsMsgsPerSec: ReadonlyArray<number>
  /** Median ns per frame, from the latency pass. */
  readonly p50Ns: number
  /** 99th percentile ns per frame. */
  readonly p99Ns: number
  /** `JSON.parse` alone over the same frames, median frames per second: the reference. */
  readonly jsonParseMsgsPerSec: number
  /** Resynchronisations during one pass. */
  readonly resyncs: number
  /** Gaps detected during one pass. */
  readonly gaps: number
  /** The final book, top `depth` levels per side as decimal strings. */
  readonly book: { readonly bids: Array<[string, string]>; readonly asks: Array<[string, string]> }
}

const NOOP_LISTENER: MarketListener = { onBook() {}, onTrade() {} }

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const replayAll = (venue: Venue, symbol: string, records: ReadonlyArray<CaptureRecord>): VenueFeed => {
  const feed = makeReplayFeed(venue, [symbol], NOOP_LISTENER)
  const cursor: ReplayCursor = { connected: false }
  for (let i = 0; i < records.length; i++) replayRecord(feed, records[i]!, cursor)
  return feed
}

/** Runs the benchmark. Deterministic in what it computes; only the timings vary. */
export const benchFeed = (venue: Venue, records: ReadonlyArray<CaptureRecord>, options: FeedBenchOptions): FeedBenchResult => {
  const frames = records.filter((r) => r.kind === "ws" && r.body !== "").length
  // Warm-up: let the JIT see the whole capture twice.
  replayAll(venue, options.symbol, records)
  replayAll(venue, options.symbol, records)

  const runsMsgsPerSec: Array<number> = []
  let last: VenueFeed | undefined
  for (let run = 0; run < options.runs; run++) {
    const t0 = monoNs()
    last = replayAll(venue, options.symbol, records)
    runsMsgsPerSec.push(Math.round(frames / ((monoNs() - t0) / 1e9)))
  }

  const histogram = new Histogram()
  {
    const feed = makeReplayFeed(venue, [options.symbol], NOOP_LISTENER)
    const cursor: ReplayCursor = { connected: false }
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      if (record.kind !== "ws" || record.body === "") {
        replayRecord(feed, record, cursor)
        continue
      }
      const t0 = monoNs()
      feed.onFrame(record.body, record.ts, t0)
      histogram.record(Math.round(monoNs() - t0))
    }
  }

  const jsonRuns: Array<number> = []
  const bodies = records.filter((r) => r.kind === "ws" && r.body !== "").map((r) => r.body)
  for (let run = 0; run < options.runs; run++) {
    const t0 = monoNs()
    let sink = 0
    for (let i = 0; i < bodies.length; i++) sink += (JSON.parse(bodies[i]!) as object) === null ? 1 : 0
    jsonRuns.push(Math.round(bodies.length / ((monoNs() - t0) / 1e9)) + sink)
  }

  const feed = last ?? replayAll(venue, options.symbol, records)
  const book = feed.book(options.symbol)
  const instrument: Instrument | undefined = feed.instrument(options.symbol)
  const levels = (side: 0 | 1): Array<[string, string]> =>
    book === undefined || instrument === undefined
      ? []
      : book.top(side, options.depth).map(([p, s]) => [formatUnits(p, instrument.priceScale), formatUnits(s, instrument.sizeScale)])
  return {
    venue: venue.id,
    symbol: options.symbol,
    frames,
    msgsPerSec: median(runsMsgsPerSec),
    runsMsgsPerSec,
    p50Ns: histogram.percentile(50),
    p99Ns: histogram.percentile(99),
    jsonParseMsgsPerSec: median(jsonRuns),
    resyncs: feed.stats.resyncs,
    gaps: feed.stats.gaps,
    book: { bids: levels(BID), asks: levels(ASK) }
  }
}
