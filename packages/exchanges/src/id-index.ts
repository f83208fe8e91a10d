/**
 * The venue ids a decoder resolves (product ids, symbols), each with the instrument whose
 * scales its numbers are parsed at, looked up from a range of the frame's text without
 * allocating the id.
 *
 * @module
 */
import type { Instrument } from "@hft/core"

/** The venue ids a decoder resolves, each with its instrument. */
export class IdIndex {
  /** Venue ids, in index order. */
  readonly ids: ReadonlyArray<string>
  /** Instruments aligned with {@link ids}. */
  readonly instruments: ReadonlyArray<Instrument>

  constructor(entries: ReadonlyArray<readonly [id: string, instrument: Instrument]>) {
    this.ids = entries.map(([id]) => id)
    this.instruments = entries.map(([, instrument]) => instrument)
  }

  /** Index of an id, -1 when unknown. */
  indexOf(id: string): number {
    return this.ids.indexOf(id)
  }

  /** Index of the id `text[start, end)` without allocating, -1 when unknown. */
  indexAt(text: string, start: number, end: number): number {
    const ids = this.ids
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (id.length === end - start && text.startsWith(id, start)) return i
    }
    return -1
  }
}
