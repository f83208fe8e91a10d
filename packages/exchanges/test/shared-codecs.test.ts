import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { crc32, crc32Signed } from "../src/crc32.ts"
import { JsonCursor } from "../src/json-cursor.ts"
import { SideTexts } from "../src/level-texts.ts"
import { RawNumber, parseRawJson } from "../src/json-raw.ts"

describe("crc32", () => {
  it("matches zlib's CRC-32 on known vectors", () => {
    expect(crc32("")).toBe(0)
    expect(crc32("123456789")).toBe(0xcbf43926)
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339)
  })
  it("reproduces OKX's documented checksums (signed)", () => {
    expect(crc32Signed("3366.1:7:3366.8:9:3366:6:3368:8")).toBe(-1881014294)
    expect(crc32Signed("3366.1:7:3366.8:9:3368:8:3372:8")).toBe(831078360)
  })
})

describe("parseRawJson", () => {
  it("keeps numbers as their exact source text, including beyond 2^53", () => {
    const v = parseRawJson(`{"connection_id":8423536080466635000,"p":0.5666,"q":[1.10,-2e-3],"s":"x\\"y","t":true,"n":null}`) as Record<string, unknown>
    expect((v["connection_id"] as RawNumber).text).toBe("8423536080466635000")
    expect((v["p"] as RawNumber).text).toBe("0.5666")
    expect(((v["q"] as Array<RawNumber>)[0]!).text).toBe("1.10")
    expect(((v["q"] as Array<RawNumber>)[1]!).text).toBe("-2e-3")
    expect(v["s"]).toBe('x"y')
    expect(v["t"]).toBe(true)
    expect(v["n"]).toBe(null)
  })
  it("keeps a __proto__ key as data, never as the prototype", () => {
    const v = parseRawJson(`{"__proto__":{"polluted":1}}`) as Record<string, unknown>
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(["__proto__"])
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })
  it("rejects invalid JSON", () => {
    for (const bad of ["", "{", '{"a":}', "[1,]", "tru", '{"a":1} x', "01"]) expect(() => parseRawJson(bad)).toThrow()
  })
  it("agrees with JSON.parse on everything but number representation", () => {
    const strip = (v: unknown): unknown =>
      v instanceof RawNumber ? Number(v.text) : Array.isArray(v) ? v.map(strip) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)])) : v
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        expect(strip(parseRawJson(text))).toEqual(JSON.parse(text))
      }),
      { numRuns: 300 }
    )
  })
})

describe("JsonCursor", () => {
  const skipsWhole = (text: string): boolean => {
    const c = new JsonCursor()
    c.reset(text)
    return c.skip() && c.atEnd()
  }
  const parses = (text: string): boolean => {
    try {
      JSON.parse(text)
      return true
    } catch {
      return false
    }
  }
  it("skips any valid JSON without escapes, compact or indented", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 1, "\t"), (value, indent) => {
        const text = ` ${JSON.stringify(value, null, indent)}\n`
        // JSON.stringify escapes quotes, backslashes and control characters: the cursor declines escapes.
        expect(skipsWhole(text)).toBe(!text.includes("\\"))
      }),
      { numRuns: 500 }
    )
  })
  it("accepts only valid JSON: a damaged text it skips whole is one JSON.parse reads", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.constantFrom("", " ", ",", "]", "}", '"', "0", "-", ".", "e", "\\", "\u0001"), (value, at, insert) => {
        const text = JSON.stringify(value)
        const i = at % (text.length + 1)
        const damaged = text.slice(0, i) + insert + text.slice(i + (insert === "" ? 1 : 0))
        if (skipsWhole(damaged)) expect(parses(damaged)).toBe(true)
      }),
      { numRuns: 2000 }
    )
  })
  it("steps over whitespace before tokens, never inside literals or digits", () => {
    const c = new JsonCursor()
    c.reset(`{ "a" : [ "x" , -12 , 3.5e1 ] , "b":"12345"}`)
    expect(c.eat(123) && c.key() && c.is("a") && c.eat(91) && c.string() && c.is("x")).toBe(true)
    expect(c.eat(44) && c.integer()).toBe(-12)
    expect(c.eat(44) && c.number() && c.is("3.5e1")).toBe(true)
    expect(c.eat(93) && c.next(125)).toBe(1)
    expect(c.key() && c.isChar(98) && c.quotedUint()).toBe(12345)
    expect(c.next(125) === 0 && c.atEnd()).toBe(true)
    c.reset(` 1`)
    expect(c.uint()).toBe(-1)
    expect(c.literal("1")).toBe(false)
    expect(c.integer()).toBe(1)
    c.reset(`12.5`)
    expect(c.integer()).toBeNaN()
    expect(c.uint()).toBe(12)
    c.reset(`9007199254740992`)
    expect(c.uint()).toBe(-1)
  })
})

describe("SideTexts", () => {
  it("keeps the same texts as a map under random sets and deletes, through growth", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.constantFrom(1, 100_000_000, 7_777_777)), { maxLength: 600 }), (ops) => {
        const texts = new SideTexts()
        const model = new Map<number, string>()
        for (const [remove, tick, scale] of ops) {
          const price = tick * scale
          if (remove) {
            texts.delete(price)
            model.delete(price)
          } else {
            texts.set(price, String(price), `${tick}`)
            model.set(price, `${tick}`)
          }
        }
        expect(texts.count).toBe(model.size)
        for (const [, tick, scale] of ops) {
          const price = tick * scale
          const at = texts.indexOf(price)
          if (!model.has(price)) expect(at).toBe(-1)
          else expect([texts.priceText(at), texts.sizeText(at)]).toEqual([String(price), model.get(price)])
        }
      }),
      { numRuns: 300 }
    )
  })
})
