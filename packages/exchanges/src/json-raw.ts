/**
 * A JSON parser that keeps every number as its exact source text, for venues that send
 * prices and sizes as JSON numbers (Kraken, Bitfinex, Deribit) and ids beyond 2^53.
 * `JSON.parse` would round them through doubles; this never does.
 *
 * Numbers come back as {@link RawNumber}; everything else as `JSON.parse` would give it.
 *
 * @module
 */

/** A JSON number kept as its source text (`"0.5666"`, `"8423536080466635000"`). */
export class RawNumber {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  /** The value as a double (only for fields where rounding cannot matter). */
  toNumber(): number {
    return Number(this.text)
  }
  /** The value as a bigint (integers only). */
  toBigInt(): bigint {
    return BigInt(this.text)
  }
}

/** A JSON value with numbers as {@link RawNumber}. */
export type RawJson = null | boolean | string | RawNumber | Array<RawJson> | { [key: string]: RawJson }

/** Thrown with the position of the first offending character. */
export class RawJsonError extends Error {
  readonly _tag = "RawJsonError"
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** Parses JSON text, keeping numbers as source text. @throws RawJsonError */
export const parseRawJson = (text: string): RawJson => {
  let i = 0
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 32 || c === 10 || c === 13 || c === 9) i++
      else break
    }
  }
  const fail = (what: string): never => {
    throw new RawJsonError(`invalid JSON at ${i}: ${what}`)
  }
  const value = (): RawJson => {
    ws()
    const c = text[i]
    if (c === "{") {
      i++
      const obj: { [key: string]: RawJson } = {}
      ws()
      if (text[i] === "}") {
        i++
        return obj
      }
      while (true) {
        ws()
        if (text[i] !== '"') fail("expected a key")
        const key = string()
        ws()
        if (text[i++] !== ":") fail("expected ':'")
        const v = value()
        // A "__proto__" key is data, never the object's prototype.
        if (key === "__proto__") Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true })
        else obj[key] = v
        ws()
        const sep = text[i++]
        if (sep === "}") return obj
        if (sep !== ",") fail("expected ',' or '}'")
      }
    }
    if (c === "[") {
      i++
      const arr: Array<RawJson> = []
      ws()
      if (text[i] === "]") {
        i++
        return arr
      }
      while (true) {
        arr.push(value())
        ws()
        const sep = text[i++]
        if (sep === "]") return arr
        if (sep !== ",") fail("expected ',' or ']'")
      }
    }
    if (c === '"') return string()
    if (text.startsWith("true", i)) return (i += 4), true
    if (text.startsWith("false", i)) return (i += 5), false
    if (text.startsWith("null", i)) return (i += 4), null
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m === null) return fail("unexpected character")
    i += m[0].length
    return new RawNumber(m[0])
  }
  const string = (): string => {
    const start = i
    i++
    let escaped = false
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 92) {
        escaped = true
        i += 2
        continue
      }
      if (c === 34) break
      i++
    }
    if (i >= text.length) fail("unterminated string")
    i++
    const raw = text.slice(start, i)
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1)
  }
  const result = value()
  ws()
  if (i !== text.length) fail("trailing characters")
  return result
}
