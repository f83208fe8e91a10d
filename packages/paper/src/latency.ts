/**
 * Latency legs of the paper venue: order entry (us → venue) and response (venue → us,
 * for acks, fills and cancels), each a base delay plus exponential jitter plus
 * occasional spikes, drawn from a seeded generator.
 *
 * @module
 */
import type { Prng } from "@hft/core"

/** One latency leg, in microseconds. */
export interface LatencyLeg {
  /** Fixed part of the delay. */
  readonly baseUs: number
  /** Mean of the exponential jitter added to it. */
  readonly jitterUs: number
  /** Probability that a message also suffers a spike. */
  readonly spikeProbability: number
  /** Mean of a spike's extra delay (exponential). */
  readonly spikeUs: number
}

/** Default order-entry leg: ~2 ms with 0.5 ms jitter, 1 % spikes of ~20 ms. */
export const DEFAULT_ENTRY_LATENCY: LatencyLeg = { baseUs: 2_000, jitterUs: 500, spikeProbability: 0.01, spikeUs: 20_000 }

/** Default response leg: ~1.5 ms with 0.4 ms jitter, 1 % spikes of ~15 ms. */
export const DEFAULT_ACK_LATENCY: LatencyLeg = { baseUs: 1_500, jitterUs: 400, spikeProbability: 0.01, spikeUs: 15_000 }

/** No delay at all (tests that are about matching, not timing). */
export const ZERO_LATENCY: LatencyLeg = { baseUs: 0, jitterUs: 0, spikeProbability: 0, spikeUs: 0 }

/** A fixed delay with no jitter and no spikes. */
export const fixedLatency = (us: number): LatencyLeg => ({ baseUs: us, jitterUs: 0, spikeProbability: 0, spikeUs: 0 })

/** Draws one delay of `leg` in whole microseconds (≥ 0). */
export const sampleLatencyUs = (leg: LatencyLeg, prng: Prng): number => {
  let us = leg.baseUs
  if (leg.jitterUs > 0) us += prng.exponential(leg.jitterUs)
  if (leg.spikeProbability > 0 && prng.chance(leg.spikeProbability)) us += prng.exponential(leg.spikeUs)
  return Math.max(0, Math.round(us))
}
