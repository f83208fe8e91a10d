/**
 * Strict scanning primitives for hand-written frame scanners: a cursor over compact JSON
 * text that reads keys, skips scalars, and decodes decimal text straight into integer
 * units, without `JSON.parse` and without allocating.
 *
 * Every primitive accepts only valid JSON (and fails on anything else, including escapes
 * it does not decode), so a scanner built from them accepts a subset of what the
 * reference decoder accepts and can decline the rest. Not venue-specific: Bybit and
 * Bitstamp scanners share it (it belongs beside the shared `json-raw.ts`).
 *
 * @module
 */
import { parseUnitsAt } from "@hft/core"

/** Character codes the scanners compare against. */
export const Char = {
  QUOTE: 34,
  PLUS: 43,
  COMMA: 44,
  MINUS: 45,
  DOT: 46,
  D0: 48,
  D1: 49,
  D9: 57,
  COLON: 58,
  E_UPPER: 69,
  LBRACKET: 91,
  BACKSLASH: 92,
  RBRACKET: 93,
  E_LOWER: 101,
  LBRACE: 123,
  RBRACE: 125
} as const

const isDigit = (c: number): boolean => c >= Char.D0 && c <= Char.D9

/** Price levels of one side of a message, in integer units, reused from frame to frame. */
export class LevelList {
  /** Number of levels. */
  count = 0
  /** Prices (price units). */
  prices = new Float64Array(64)
  /** Sizes (size units; 0 = delete). */
  sizes = new Float64Array(64)

  /** Appends a level, growing the arrays when full. */
  push(price: number, size: number): void {
    if (this.count === this.prices.length) {
      const prices = new Float64Array(this.count * 2)
      const sizes = new Float64Array(this.count * 2)
      prices.set(this.prices)
      sizes.set(this.sizes)
      this.prices = prices
      this.sizes = sizes
    }
    this.prices[this.count] = price
    this.sizes[this.count] = size
    this.count++
  }
}

/** A position in a text, with the primitives that advance it. */
export class JsonCursor {
  /** The text being scanned. */
  text = ""
  /** Index of the next character. */
  pos = 0
  /** Content bounds of the last key read by {@link key}. */
  keyStart = 0
  /** End (exclusive) of the last key's content. */
  keyEnd = 0
  /** End (exclusive) of the content of the last string read by {@link string}. */
  stringEnd = 0

  /** Starts scanning `text` at `pos`. */
  reset(text: string, pos: number): void {
    this.text = text
    this.pos = pos
  }

  /** Consumes the character `c` if it is next. */
  eat(c: number): boolean {
    if (this.text.charCodeAt(this.pos) !== c) return false
    this.pos++
    return true
  }

  /** Consumes `literal` if it comes next. */
  eatLiteral(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false
    this.pos += literal.length
    return true
  }

  /** After a member: 1 when `,` follows (another member), 0 when `close` does (consumed), -1 otherwise. */
  next(close: number): number {
    const c = this.text.charCodeAt(this.pos++)
    return c === Char.COMMA ? 1 : c === close ? 0 : -1
  }

  /**
   * `"key":` — sets keyStart/keyEnd and moves past the colon. The key's text is not
   * checked: compare known keys exactly with {@link keyIs}, skip others with {@link skipUnknown}.
   */
  key(): boolean {
    const text = this.text
    const start = this.pos + 1
    if (text.charCodeAt(this.pos) !== Char.QUOTE) return false
    const end = text.indexOf('"', start)
    if (end < 0 || text.charCodeAt(end + 1) !== Char.COLON) return false
    this.keyStart = start
    this.keyEnd = end
    this.pos = end + 2
    return true
  }

  /** The last key is exactly `name`. */
  keyIs(name: string): boolean {
    return this.keyEnd - this.keyStart === name.length && this.text.startsWith(name, this.keyStart)
  }

  /** The last key is the single character `c`. */
  keyIsChar(c: number): boolean {
    return this.keyEnd - this.keyStart === 1 && this.text.charCodeAt(this.keyStart) === c
  }

  /** The value of a key nobody reads: the key must be valid string text, the value a scalar. */
  skipUnknown(): boolean {
    const text = this.text
    for (let p = this.keyStart; p < this.keyEnd; p++) {
      const c = text.charCodeAt(p)
      if (c < 32 || c === Char.BACKSLASH) return false
    }
    return this.skipScalar()
  }

  /** Skips a string, number, `true`, `false` or `null`; false for anything else. */
  skipScalar(): boolean {
    const c = this.text.charCodeAt(this.pos)
    if (c === Char.QUOTE) return this.string() >= 0
    const literal = c === 116 ? "true" : c === 102 ? "false" : c === 110 ? "null" : ""
    return literal === "" ? this.number() : this.eatLiteral(literal)
  }

  /** A string without escapes or control characters; returns where its content starts (end in {@link stringEnd}), or -1. */
  string(): number {
    const text = this.text
    const end = text.length
    let p = this.pos
    if (text.charCodeAt(p) !== Char.QUOTE) return -1
    const start = ++p
    while (p < end) {
      const c = text.charCodeAt(p)
      if (c === Char.QUOTE) {
        this.stringEnd = p
        this.pos = p + 1
        return start
      }
      if (c < 32 || c === Char.BACKSLASH) return -1
      p++
    }
    return -1
  }

  /** A JSON number, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`; false (not moved) when there is none. */
  number(): boolean {
    const text = this.text
    let p = this.pos
    if (text.charCodeAt(p) === Char.MINUS) p++
    const first = text.charCodeAt(p)
    if (first === Char.D0) p++
    else if (first >= Char.D1 && first <= Char.D9) while (isDigit(text.charCodeAt(p))) p++
    else return false
    if (text.charCodeAt(p) === Char.DOT) {
      if (!isDigit(text.charCodeAt(++p))) return false
      while (isDigit(text.charCodeAt(p))) p++
    }
    const e = text.charCodeAt(p)
    if (e === Char.E_LOWER || e === Char.E_UPPER) {
      const sign = text.charCodeAt(++p)
      if (sign === Char.PLUS || sign === Char.MINUS) p++
      if (!isDigit(text.charCodeAt(p))) return false
      while (isDigit(text.charCodeAt(p))) p++
    }
    this.pos = p
    return true
  }

  /** A non-negative integer without sign, fraction or exponent, at most 2^53 − 1; -1 otherwise. */
  uint(): number {
    const text = this.text
    let p = this.pos
    const start = p
    let value = 0
    while (isDigit(text.charCodeAt(p))) value = value * 10 + (text.charCodeAt(p++) - Char.D0)
    const n = p - start
    if (n === 0 || n > 16 || (n > 1 && text.charCodeAt(start) === Char.D0) || value > Number.MAX_SAFE_INTEGER) return -1
    this.pos = p
    return value
  }

  /** A {@link uint} in quotes (`"1583656800237527"`); -1 otherwise. */
  quotedUint(): number {
    const at = this.pos
    if (!this.eat(Char.QUOTE)) return -1
    const value = this.uint()
    if (value < 0 || !this.eat(Char.QUOTE)) {
      this.pos = at
      return -1
    }
    return value
  }

  /** A quoted plain decimal at `scale`, non-negative; -1 when it is not one. */
  decimal(scale: number): number {
    const text = this.text
    const start = this.pos + 1
    if (text.charCodeAt(this.pos) !== Char.QUOTE) return -1
    const end = text.indexOf('"', start)
    if (end < 0) return -1
    const value = parseUnitsAt(text, start, end, scale)
    if (!(value >= 0)) return -1
    this.pos = end + 1
    return value
  }

  /**
   * `[["price","size"],…]` into `out` (cleared first). Entries may carry further scalars
   * after the size (`["price","size","id"]`); they are skipped. The hot loop of every
   * scanner, so it keeps its position in a local.
   */
  levels(out: LevelList, priceScale: number, sizeScale: number): boolean {
    const text = this.text
    let p = this.pos
    if (text.charCodeAt(p++) !== Char.LBRACKET) return false
    out.count = 0
    if (text.charCodeAt(p) === Char.RBRACKET) {
      this.pos = p + 1
      return true
    }
    for (;;) {
      if (text.charCodeAt(p) !== Char.LBRACKET || text.charCodeAt(p + 1) !== Char.QUOTE) return false
      const priceStart = p + 2
      const priceEnd = text.indexOf('"', priceStart)
      if (priceEnd < 0 || text.charCodeAt(priceEnd + 1) !== Char.COMMA || text.charCodeAt(priceEnd + 2) !== Char.QUOTE) return false
      const sizeStart = priceEnd + 3
      const sizeEnd = text.indexOf('"', sizeStart)
      if (sizeEnd < 0) return false
      const price = parseUnitsAt(text, priceStart, priceEnd, priceScale)
      const size = parseUnitsAt(text, sizeStart, sizeEnd, sizeScale)
      // NaN (not a plain decimal at the scale) fails both comparisons.
      if (!(price >= 0 && size >= 0)) return false
      p = sizeEnd + 1
      let c = text.charCodeAt(p++)
      if (c === Char.COMMA) {
        this.pos = p
        do {
          if (!this.skipScalar()) return false
          c = text.charCodeAt(this.pos++)
        } while (c === Char.COMMA)
        p = this.pos
      }
      if (c !== Char.RBRACKET) return false
      out.push(price, size)
      c = text.charCodeAt(p++)
      if (c === Char.RBRACKET) break
      if (c !== Char.COMMA) return false
    }
    this.pos = p
    return true
  }
}
