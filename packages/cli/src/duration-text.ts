/**
 * Durations as the CLI takes them: `500ms`, `30s`, `5m`, `1h`.
 *
 * @module
 */

/** A duration flag that is not `<integer><ms|s|m|h>`. */
export class DurationTextError extends Error {
  readonly _tag = "DurationTextError"
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds of a duration text. @throws DurationTextError */
export const parseDurationMs = (text: string): number => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim())
  if (m === null) throw new DurationTextError(`invalid duration ${JSON.stringify(text)}: use e.g. 500ms, 30s, 5m, 1h`)
  return Number(m[1]) * UNIT_MS[m[2]!]!
}
