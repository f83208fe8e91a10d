/**
 * An allocation-free cursor over JSON text for hand-written frame scanners: tokens are
 * reported as index ranges into the text, never as new strings or doubles. Every method
 * returns false instead of throwing when the text is not what it expects, so a scanner
 * can hand anything unusual to its reference decoder.
 *
 * @module
 */

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const MINUS = 45
const PLUS = 43
const DOT = 46
const D0 = 48
const D9 = 57
const LOWER_E = 101
const UPPER_E = 69
const LBRACKET = 91
const RBRACKET = 93
const LBRACE = 123
const RBRACE = 125

/** Largest digit count parsed as an exact integer (10^15 < 2^53). */
const MAX_INT_DIGITS = 15

/** A position in a JSON text plus the range of the last token read. */
export class JsonCursor {
  /** The text being scanned. */
  text = ""
  /** Index of the next character. */
  pos = 0
  /** Start of the last string's content or number. */
  start = 0
  /** End (exclusive) of the last string's content or number. */
  end = 0
  /** Value of the last {@link integer}. */
  int = 0

  /** Starts scanning `text` from the beginning. */
  reset(text: string): void {
    this.text = text
    this.pos = 0
  }

  /** Skips whitespace and returns the next character code without consuming it (−1 at the end). */
  peek(): number {
    const text = this.text
    let i = this.pos
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break
      i++
    }
    this.pos = i
    return i < text.length ? text.charCodeAt(i) : -1
  }

  /** Consumes `code` (after whitespace); false when the next character is another. */
  eat(code: number): boolean {
    if (this.peek() !== code) return false
    this.pos++
    return true
  }

  /** Consumes `literal` exactly as written (no whitespace skipped); false when the text differs. */
  literal(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false
    this.pos += literal.length
    return true
  }

  /** True when nothing but whitespace is left. */
  atEnd(): boolean {
    return this.peek() === -1
  }

  /** Reads a string into [{@link start}, {@link end}); the text must have no escapes (see {@link hasEscape}). */
  string(): boolean {
    if (!this.eat(QUOTE)) return false
    const close = this.text.indexOf('"', this.pos)
    if (close < 0) return false
    this.start = this.pos
    this.end = close
    this.pos = close + 1
    return true
  }

  /** Reads an object key and its colon; the key is left in [{@link start}, {@link end}). */
  key(): boolean {
    return this.string() && this.eat(COLON)
  }

  /** True when the last string read is exactly `literal`. */
  is(literal: string): boolean {
    return this.end - this.start === literal.length && this.text.startsWith(literal, this.start)
  }

  /** Reads a JSON number token into [{@link start}, {@link end}) (grammar checked, value not computed). */
  number(): boolean {
    const text = this.text
    this.peek()
    let i = this.pos
    const begin = i
    if (text.charCodeAt(i) === MINUS) i++
    const intStart = i
    while (i < text.length && text.charCodeAt(i) >= D0 && text.charCodeAt(i) <= D9) i++
    if (i === intStart || (text.charCodeAt(intStart) === D0 && i - intStart > 1)) return false
    if (text.charCodeAt(i) === DOT) {
      const f = ++i
      while (i < text.length && text.charCodeAt(i) >= D0 && text.charCodeAt(i) <= D9) i++
      if (i === f) return false
    }
    const e = text.charCodeAt(i)
    if (e === LOWER_E || e === UPPER_E) {
      i++
      const s = text.charCodeAt(i)
      if (s === PLUS || s === MINUS) i++
      const x = i
      while (i < text.length && text.charCodeAt(i) >= D0 && text.charCodeAt(i) <= D9) i++
      if (i === x) return false
    }
    this.start = begin
    this.end = i
    this.pos = i
    return true
  }

  /** Reads an integer of at most 15 digits (no fraction, no exponent) into {@link int}. */
  integer(): boolean {
    const text = this.text
    this.peek()
    let i = this.pos
    const negative = text.charCodeAt(i) === MINUS
    if (negative) i++
    const first = i
    let value = 0
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c < D0 || c > D9) break
      value = value * 10 + (c - D0)
    }
    const digits = i - first
    if (digits === 0 || digits > MAX_INT_DIGITS || (digits > 1 && text.charCodeAt(first) === D0)) return false
    const next = text.charCodeAt(i)
    if (next === DOT || next === LOWER_E || next === UPPER_E) return false
    this.start = this.pos
    this.end = i
    this.pos = i
    this.int = negative ? -value : value
    return true
  }

  /** Skips one JSON value of any kind, checking its grammar. */
  skip(): boolean {
    const c = this.peek()
    if (c === QUOTE) return this.skipString()
    if (c === LBRACE) {
      this.pos++
      if (this.eat(RBRACE)) return true
      do {
        if (!this.skipString() || !this.eat(COLON) || !this.skip()) return false
      } while (this.eat(COMMA))
      return this.eat(RBRACE)
    }
    if (c === LBRACKET) {
      this.pos++
      if (this.eat(RBRACKET)) return true
      do {
        if (!this.skip()) return false
      } while (this.eat(COMMA))
      return this.eat(RBRACKET)
    }
    if (c === MINUS || (c >= D0 && c <= D9)) return this.number()
    for (const literal of LITERALS) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length
        return true
      }
    }
    return false
  }

  /** Skips a string, escapes included. */
  private skipString(): boolean {
    if (!this.eat(QUOTE)) return false
    const text = this.text
    let i = this.pos
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) {
        this.pos = i + 1
        return true
      }
      if (c < 32) return false
      i += c === BACKSLASH ? 2 : 1
    }
    return false
  }
}

const LITERALS = ["true", "false", "null"] as const

/**
 * True when `text` has a backslash anywhere. The cursor reads strings without decoding
 * escapes, so a scanner hands such (never hot) frames to its reference decoder unless it
 * only matches literals and known names.
 */
export const hasEscape = (text: string): boolean => text.indexOf("\\") >= 0

/** Character codes the scanners test for. */
export const Ch = { QUOTE, COMMA, COLON, LBRACKET, RBRACKET, LBRACE, RBRACE } as const
