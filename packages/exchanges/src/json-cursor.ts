/**
 * An allocation-free cursor over JSON text for the hand-written frame scanners: tokens
 * are reported as index ranges into the text or as numbers, never as new strings or
 * objects. Every method returns false (or −1, or NaN) instead of throwing when the text
 * is not what it expects, so a scanner declines the frame and hands it to its reference
 * decoder, which is the authority.
 *
 * Whitespace: every reader that starts at a JSON token steps over whitespace before it,
 * looking for any only when the token is not right at the cursor (compact text pays
 * nothing); none skips whitespace after its token. The exceptions are
 * {@link JsonCursor.literal} and {@link JsonCursor.uint}, which read exactly at the
 * cursor, as a known compact layout and the inside of a string need.
 *
 * Strings (keys included) are accepted only without escapes or control characters, and
 * numbers only in JSON's grammar, so whatever a scanner accepts is valid JSON that the
 * reference decoder reads the same way.
 *
 * @module
 */
import { parseUnitsAt } from "@hft/core"
import type { LevelList } from "./level-list.ts"

/** Character codes the scanners compare against. */
export const Char = {
  TAB: 9,
  LF: 10,
  CR: 13,
  SPACE: 32,
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

/** Containers nested deeper than this are declined by {@link JsonCursor.skip} (no deep recursion on hostile text). */
const MAX_SKIP_DEPTH = 32

const LOWER_F = 102
const LOWER_N = 110
const LOWER_T = 116

const isDigit = (c: number): boolean => c >= Char.D0 && c <= Char.D9

const isSpace = (c: number): boolean => c === Char.SPACE || c === Char.LF || c === Char.CR || c === Char.TAB

/**
 * End (exclusive) of the JSON number token at `start`, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`,
 * or −1 when there is none there. The one reading of JSON's number grammar every
 * scanner uses.
 */
export const jsonNumberEnd = (text: string, start: number): number => {
  let p = start
  if (text.charCodeAt(p) === Char.MINUS) p++
  const first = text.charCodeAt(p)
  if (first === Char.D0) p++
  else if (first >= Char.D1 && first <= Char.D9) while (isDigit(text.charCodeAt(p))) p++
  else return -1
  if (text.charCodeAt(p) === Char.DOT) {
    if (!isDigit(text.charCodeAt(++p))) return -1
    while (isDigit(text.charCodeAt(p))) p++
  }
  const e = text.charCodeAt(p)
  if (e === Char.E_LOWER || e === Char.E_UPPER) {
    const sign = text.charCodeAt(++p)
    if (sign === Char.PLUS || sign === Char.MINUS) p++
    if (!isDigit(text.charCodeAt(p))) return -1
    while (isDigit(text.charCodeAt(p))) p++
  }
  return p
}

/**
 * True when `text` has a backslash anywhere. The cursor declines strings with escapes,
 * so a scanner whose own literal matching does not check for them hands such (never hot)
 * frames to its reference decoder up front.
 */
export const hasEscape = (text: string): boolean => text.indexOf("\\") >= 0

/** A position in a JSON text, the range of the last token read, and the primitives that advance it. */
export class JsonCursor {
  /** The text being scanned. */
  text = ""
  /** Index of the next character. */
  pos = 0
  /** Start of the content of the last key or string read, or of the last number. */
  start = 0
  /** End (exclusive) of the content of the last key or string read, or of the last number. */
  end = 0

  /** Starts scanning `text` at `pos`. */
  reset(text: string, pos = 0): void {
    this.text = text
    this.pos = pos
  }

  /** Skips whitespace and returns the code of the next character (−1 at the end) without consuming it. */
  peek(): number {
    const text = this.text
    let c = text.charCodeAt(this.pos)
    if (c <= Char.SPACE) c = text.charCodeAt(this.space())
    return c === c ? c : -1
  }

  /** Consumes the punctuation `code` (after any whitespace); false when the next character is another. */
  eat(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code && !this.spaceThen(code)) return false
    this.pos++
    return true
  }

  /** After a member or element: 1 when `,` follows (consumed: another one comes), 0 when `close` does (consumed), −1 otherwise. */
  next(close: number): number {
    const text = this.text
    let c = text.charCodeAt(this.pos)
    if (c <= Char.SPACE) c = text.charCodeAt(this.space())
    this.pos++
    return c === Char.COMMA ? 1 : c === close ? 0 : -1
  }

  /**
   * Reads an object key and its colon; the key's content is left in [{@link start},
   * {@link end}). The content is not checked here: a key that {@link is} or
   * {@link isChar} match is valid, and any other must be passed over with
   * {@link skipUnknown}, which checks it.
   */
  key(): boolean {
    const text = this.text
    if (text.charCodeAt(this.pos) !== Char.QUOTE && !this.spaceThen(Char.QUOTE)) return false
    const start = this.pos + 1
    const close = text.indexOf('"', start)
    if (close < 0) return false
    this.start = start
    this.end = close
    this.pos = close + 1
    if (text.charCodeAt(this.pos) !== Char.COLON && !this.spaceThen(Char.COLON)) return false
    this.pos++
    return true
  }

  /** Passes over the member of a key nobody reads: checks the key's text (no escapes or control characters) and skips its value. */
  skipUnknown(): boolean {
    return this.plainRange() && this.skipValue(0)
  }

  /** Skips one JSON value of any kind (containers at most 32 deep), checking its grammar. */
  skip(): boolean {
    return this.skipValue(0)
  }

  /** True when nothing but whitespace is left. */
  atEnd(): boolean {
    return this.peek() === -1
  }

  /** Consumes `literal` exactly as written (no whitespace skipped); false when the text differs. */
  literal(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false
    this.pos += literal.length
    return true
  }

  /** True when the last key, string or number read is exactly `literal`. */
  is(literal: string): boolean {
    return this.end - this.start === literal.length && this.text.startsWith(literal, this.start)
  }

  /** True when the last key, string or number read is the single character `code`. */
  isChar(code: number): boolean {
    return this.end - this.start === 1 && this.text.charCodeAt(this.start) === code
  }

  /** Reads a string without escapes or control characters; its content is left in [{@link start}, {@link end}). */
  string(): boolean {
    // Kept small (literal char codes, one loop) so that scanners calling it several times per level can inline it.
    const text = this.text
    if (text.charCodeAt(this.pos) !== 34 && !this.spaceThen(34)) return false
    const start = this.pos + 1
    let p = start
    for (let c = text.charCodeAt(p); c !== 34 /* " */; c = text.charCodeAt(++p)) {
      // Control characters, a backslash, or NaN past the end.
      if (!(c >= 32) || c === 92) return false
    }
    this.start = start
    this.end = p
    this.pos = p + 1
    return true
  }

  /** Reads a JSON number, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, into [{@link start}, {@link end}) (its value is not computed). */
  number(): boolean {
    const text = this.text
    let p = this.pos
    if (text.charCodeAt(p) <= Char.SPACE) p = this.space()
    const end = jsonNumberEnd(text, p)
    if (end < 0) return false
    this.start = p
    this.end = end
    this.pos = end
    return true
  }


  /**
   * Reads digits exactly at the cursor as a non-negative integer (no sign, no leading
   * zero, at most 2^53 − 1); −1 when there is none. What follows is not checked (`50.`
   * inside a topic is fine), and no whitespace is skipped (it may stand inside a string).
   */
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

  /** Reads a JSON number that is a safe integer written without fraction or exponent; NaN otherwise. */
  integer(): number {
    // One loop of its own rather than a call to uint(): it sits on the canonical book paths and must inline.
    const text = this.text
    let p = this.pos
    if (text.charCodeAt(p) <= Char.SPACE) p = this.space()
    const negative = text.charCodeAt(p) === Char.MINUS
    if (negative) p++
    const first = p
    let value = 0
    for (let c = text.charCodeAt(p); c >= Char.D0 && c <= Char.D9; c = text.charCodeAt(++p)) value = value * 10 + (c - Char.D0)
    const n = p - first
    const next = text.charCodeAt(p)
    if (n === 0 || n > 16 || (n > 1 && text.charCodeAt(first) === Char.D0) || value > Number.MAX_SAFE_INTEGER) return NaN
    if (next === Char.DOT || next === Char.E_LOWER || next === Char.E_UPPER) return NaN
    this.pos = p
    return negative ? -value : value
  }

  /** Reads a {@link uint} in quotes (`"1583656800237527"`); −1 otherwise. */
  quotedUint(): number {
    const text = this.text
    if (text.charCodeAt(this.pos) !== Char.QUOTE && !this.spaceThen(Char.QUOTE)) return -1
    const at = this.pos++
    const value = this.uint()
    if (value < 0 || text.charCodeAt(this.pos) !== Char.QUOTE) {
      this.pos = at
      return -1
    }
    this.pos++
    return value
  }

  /** Reads a quoted plain non-negative decimal as units at `scale`; −1 when it is not one. */
  decimal(scale: number): number {
    const text = this.text
    if (text.charCodeAt(this.pos) !== Char.QUOTE && !this.spaceThen(Char.QUOTE)) return -1
    const start = this.pos + 1
    const end = text.indexOf('"', start)
    if (end < 0) return -1
    const value = parseUnitsAt(text, start, end, scale)
    if (!(value >= 0)) return -1
    this.pos = end + 1
    return value
  }

  /**
   * Reads compact `[["price","size"],…]` into `out` (cleared first) as units at the
   * scales. Entries may carry further scalars after the size (`["price","size","id"]`);
   * they are skipped. The hot loop of several scanners, so it keeps its position in a local.
   */
  levels(out: LevelList, priceScale: number, sizeScale: number): boolean {
    const text = this.text
    if (text.charCodeAt(this.pos) !== Char.LBRACKET && !this.spaceThen(Char.LBRACKET)) return false
    let p = this.pos + 1
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

  /**
   * Called only when `code` is not at the cursor (so it stays off the inlined hot path):
   * skips whitespace and tells whether `code` is next.
   */
  private spaceThen(code: number): boolean {
    return isSpace(this.text.charCodeAt(this.pos)) && this.text.charCodeAt(this.space()) === code
  }

  /** Moves past whitespace (if any) and returns the new position. */
  private space(): number {
    const text = this.text
    let p = this.pos
    while (isSpace(text.charCodeAt(p))) p++
    this.pos = p
    return p
  }

  /** The range [{@link start}, {@link end}) holds no escape or control character. */
  private plainRange(): boolean {
    const text = this.text
    for (let p = this.start; p < this.end; p++) {
      const c = text.charCodeAt(p)
      if (c < 32 || c === Char.BACKSLASH) return false
    }
    return true
  }

  private skipValue(depth: number): boolean {
    const c = this.peek()
    return c === Char.LBRACE || c === Char.LBRACKET ? this.skipContainer(c, depth) : this.skipScalar()
  }

  /** Skips a string, number, `true`, `false` or `null` exactly at the cursor. */
  private skipScalar(): boolean {
    const text = this.text
    const c = text.charCodeAt(this.pos)
    if (c === Char.QUOTE) return this.string()
    const word = c === LOWER_T ? "true" : c === LOWER_F ? "false" : c === LOWER_N ? "null" : ""
    if (word === "") return this.number()
    if (!text.startsWith(word, this.pos)) return false
    this.pos += word.length
    return true
  }

  private skipContainer(open: number, depth: number): boolean {
    if (depth === MAX_SKIP_DEPTH) return false
    const close = open === Char.LBRACE ? Char.RBRACE : Char.RBRACKET
    this.pos++
    if (this.eat(close)) return true
    do {
      if (open === Char.LBRACE && !(this.key() && this.plainRange())) return false
      if (!this.skipValue(depth + 1)) return false
    } while (this.eat(Char.COMMA))
    return this.eat(close)
  }
}
