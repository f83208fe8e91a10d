/**
 * Building blocks of hand-written scanners over compact JSON frames of a known layout:
 * a cursor that matches literals, skips strings and reads integers, and a lookup of
 * venue ids that does not allocate. Nothing here is Coinbase-specific (Gemini's codec
 * uses it too); it belongs beside `json-raw.ts` once the shared folder is open to edits.
 *
 * Every method compares char codes: `String.prototype.startsWith`/`indexOf` allocate on
 * this path in Node 24, which the hot path must not.
 *
 * @module
 */
import type { Instrument } from "@hft/core"

const CH_QUOTE = 34
const CH_BACKSLASH = 92

/** A position in a frame's text. Methods that fail leave the position where it was or unspecified: the caller gives up. */
export class JsonScanner {
  /** The frame being scanned. */
  text = ""
  /** Index of the next character. */
  pos = 0

  /** Starts scanning `text` from its beginning. */
  reset(text: string): void {
    this.text = text
    this.pos = 0
  }

  /** Consumes `literal` when the text continues with it. */
  lit(literal: string): boolean {
    const text = this.text
    const at = this.pos
    const n = literal.length
    if (at + n > text.length) return false
    for (let k = 0; k < n; k++) if (text.charCodeAt(at + k) !== literal.charCodeAt(k)) return false
    this.pos = at + n
    return true
  }

  /**
   * Consumes the rest of a string whose opening quote was consumed and returns the index
   * of its closing quote; -1 on an escape, a control character or the end of the text
   * (the caller hands such frames to its reference decoder).
   */
  stringEnd(): number {
    const text = this.text
    for (let i = this.pos; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === CH_QUOTE) {
        this.pos = i + 1
        return i
      }
      if (c === CH_BACKSLASH || c < 32) return -1
    }
    return -1
  }

  /** Consumes a non-negative JSON integer that fits in a double exactly; -1 when there is none. */
  integer(): number {
    const text = this.text
    const start = this.pos
    let value = 0
    let i = start
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      value = value * 10 + c
    }
    if (i === start || (text.charCodeAt(start) === 48 && i - start > 1) || !Number.isSafeInteger(value)) return -1
    this.pos = i
    return value
  }

  /** Consumes one character and returns its code (NaN past the end). */
  next(): number {
    return this.text.charCodeAt(this.pos++)
  }

  /** Whether the whole text was consumed. */
  atEnd(): boolean {
    return this.pos === this.text.length
  }
}

/** `text` holds `id` at `start`. */
const sameText = (text: string, start: number, id: string): boolean => {
  for (let k = 0; k < id.length; k++) if (text.charCodeAt(start + k) !== id.charCodeAt(k)) return false
  return true
}

/** The venue ids a decoder resolves, each with the instrument whose scales its numbers are parsed at. */
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
      if (id.length === end - start && sameText(text, start, id)) return i
    }
    return -1
  }
}
