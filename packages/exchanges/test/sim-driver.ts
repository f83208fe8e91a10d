/**
 * Test driver for simulators: random but reproducible level changes around a mid price,
 * the way a market moves, so the connector's book can be compared with the truth.
 */
import { type Instrument, ASK, BID, type OrderBook } from "@hft/core"
import type { SimulatorHandle } from "../src/simulator/simulator-server.ts"

/** A small deterministic PRNG (mulberry32). */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seeds `levels` levels per side around `mid` and publishes them. */
export const seedBook = (sim: SimulatorHandle, instrument: Instrument, mid: number, levels: number, random: () => number): void => {
  for (let i = 1; i <= levels; i++) {
    sim.setLevel(instrument.symbol, BID, mid - i * instrument.tickSize, 1 + Math.floor(random() * 5e8))
    sim.setLevel(instrument.symbol, ASK, mid + i * instrument.tickSize, 1 + Math.floor(random() * 5e8))
  }
  sim.flush()
}

/** Publishes one batch of random changes that keep the book uncrossed around `mid`. */
export const randomBatch = (sim: SimulatorHandle, instrument: Instrument, mid: number, levels: number, random: () => number): void => {
  const n = 1 + Math.floor(random() * 12)
  for (let k = 0; k < n; k++) {
    const side = random() < 0.5 ? BID : ASK
    const offset = 1 + Math.floor(random() * levels)
    const price = side === BID ? mid - offset * instrument.tickSize : mid + offset * instrument.tickSize
    const size = random() < 0.2 ? 0 : 1 + Math.floor(random() * 5e8)
    sim.setLevel(instrument.symbol, side, price, size)
  }
  sim.flush()
}

/** Both sides of two books are identical. */
export const sameBook = (a: OrderBook, b: OrderBook): boolean =>
  JSON.stringify([a.top(BID, 10_000), a.top(ASK, 10_000)]) === JSON.stringify([b.top(BID, 10_000), b.top(ASK, 10_000)])

/** Resolves once `predicate` holds, polling every few ms; rejects with `what` after `timeoutMs`. */
export const eventually = async (what: string, predicate: () => boolean, timeoutMs = 45_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
