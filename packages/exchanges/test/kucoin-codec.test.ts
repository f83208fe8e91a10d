import { ASK, BID, type Instrument } from "@hft/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { KucoinDecoder, KucoinFrameKind, decodeKucoinSnapshot, encodeKucoinSnapshot, encodeL2Update, encodeMatch } from "../src/kucoin/codec.ts"
import { KUCOIN_SIM_INSTRUMENTS, parseKucoinSymbols, renderKucoinSymbols } from "../src/kucoin/instruments.ts"

const BTC = KUCOIN_SIM_INSTRUMENTS[0]!
const resolver = (symbol: string): Instrument | undefined => (symbol === "BTC-USDT" ? BTC : undefined)

/** Everything the decoder says about a frame, for comparing two decoders. */
const decoded = (d: KucoinDecoder, kind: KucoinFrameKind) => {
  const side = (s: typeof d.diff.bids) => Array.from({ length: s.count }, (_, i) => [s.prices[i], s.sizes[i], s.seqs[i]])
  switch (kind) {
    case KucoinFrameKind.L2Update:
      return { kind, symbol: d.diff.instrument?.symbol, start: d.diff.sequenceStart, end: d.diff.sequenceEnd, asks: side(d.diff.asks), bids: side(d.diff.bids) }
    case KucoinFrameKind.Match: {
      const m = d.match
      return { kind, symbol: m.instrument?.symbol, price: m.price, size: m.size, side: m.takerSide, id: m.tradeId, timeUs: m.timeUs }
    }
    case KucoinFrameKind.Welcome:
    case KucoinFrameKind.Ack:
    case KucoinFrameKind.Pong:
      return { kind, id: d.id }
    case KucoinFrameKind.Error:
      return { kind, id: d.id, error: d.error }
    default:
      return { kind }
  }
}

const decode = (text: string, resolve = resolver) => {
  const d = new KucoinDecoder(resolve)
  return decoded(d, d.decode(text))
}

describe("KuCoin codec", () => {
  it("decodes the documented level-2 push (docs key order) and the live key order alike", () => {
    const docs = `{"type":"message","topic":"/market/level2:BTC-USDT","subject":"trade.l2update","data":{"sequenceStart":1545896669105,"sequenceEnd":1545896669106,"symbol":"BTC-USDT","changes":{"asks":[["6","1","1545896669105"]],"bids":[["4","1","1545896669106"]]}}}`
    const expected = { kind: KucoinFrameKind.L2Update, symbol: "BTC/USDT", start: 1545896669105, end: 1545896669106, asks: [[60, 100_000_000, 1545896669105]], bids: [[40, 100_000_000, 1545896669106]] }
    expect(decode(docs)).toEqual(expected)
    expect(new KucoinDecoder(resolver).scan(docs)).toBe(KucoinFrameKind.L2Update)
    const live = `{"topic":"/market/level2:BTC-USDT","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[["6","1","1545896669105"]],"bids":[["4","1","1545896669106"]]},"sequenceEnd":1545896669106,"sequenceStart":1545896669105,"symbol":"BTC-USDT","time":1663747970273}}`
    expect(decode(live)).toEqual(expected)
    expect(new KucoinDecoder(resolver).scan(live)).toBe(KucoinFrameKind.L2Update)
  })

  it("decodes the documented match push and a 2026 live capture (trade id beyond 2^53 kept exact)", () => {
    const kcs: Instrument = { ...BTC, priceScale: 8, sizeScale: 8 }
    const docs = `{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"sequence":"1545896669145","symbol":"BTC-USDT","side":"buy","size":"0.01022222000000000000","price":"0.08200000000000000000","takerOrderId":"5c24c5d903aa6772d55b371e","time":"1545913818099033203","type":"match","makerOrderId":"5c2187d003aa677bd09d5c93","tradeId":"5c24c5da03aa673885cd67aa"}}`
    expect(decode(docs, (s) => (s === "BTC-USDT" ? kcs : undefined))).toEqual({
      kind: KucoinFrameKind.Match, symbol: "BTC/USDT", price: 8_200_000, size: 1_022_222, side: BID, id: "5c24c5da03aa673885cd67aa", timeUs: 1545913818099033
    })
    const live = `{"topic":"/market/match:BTC-USDT","type":"message","subject":"trade.l3match","data":{"makerOrderId":"476999776659865600","price":"64024.4","sequence":"23898084682776576","side":"sell","size":"0.003","symbol":"BTC-USDT","takerOrderId":"476999819110465538","time":"1786538821105000000","tradeId":"23898084682776576","type":"match"}}`
    expect(decode(live)).toEqual({ kind: KucoinFrameKind.Match, symbol: "BTC/USDT", price: 640_244, size: 300_000, side: ASK, id: "23898084682776576", timeUs: 1786538821105000 })
    expect(new KucoinDecoder(resolver).scan(live)).toBe(KucoinFrameKind.Match)
  })

  it("decodes control frames (2026 captures) and reports malformed ones", () => {
    expect(decode(`{"id":"public","type":"welcome"}`)).toEqual({ kind: KucoinFrameKind.Welcome, id: "public" })
    expect(decode(`{"id":"1","type":"ack"}`)).toEqual({ kind: KucoinFrameKind.Ack, id: "1" })
    expect(decode(`{"id":"1545910590801","type":"pong"}`)).toEqual({ kind: KucoinFrameKind.Pong, id: "1545910590801" })
    expect(decode(`{"id":"x","type":"error","code":401,"data":"token is invalid"}`)).toEqual({ kind: KucoinFrameKind.Error, id: "x", error: "code 401: token is invalid" })
    expect(decode(`{"topic":"/market/level2:XRP-USDT","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[],"bids":[]},"sequenceEnd":2,"sequenceStart":1,"symbol":"XRP-USDT","time":1}}`).kind).toBe(KucoinFrameKind.Other)
    for (const bad of [
      `{"topic":"/market/level2:BTC-USDT","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[["6.05","1","2"]],"bids":[]},"sequenceEnd":2,"sequenceStart":2,"symbol":"BTC-USDT"}}`,
      `{"topic":"/market/level2:BTC-USDT","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[],"bids":[]},"sequenceStart":2,"symbol":"BTC-USDT"}}`,
      `{"topic":"/market/level2:BTC-USDT","type":"message","subject":"trade.l2update","data":{"changes":{"asks":[],"bids":[]},"sequenceEnd":9007199254740993,"sequenceStart":2,"symbol":"BTC-USDT"}}`,
      `{"type":"message","subject":"trade.l3match","data":{"price":"1","size":"1","side":"up","symbol":"BTC-USDT","tradeId":"1","time":"1000"}}`,
      `{"type":"mess`
    ]) {
      expect(decode(bad).kind, bad).toBe(KucoinFrameKind.Malformed)
    }
  })

  it("decodes the documented REST snapshot", () => {
    const eth: Instrument = { ...BTC, priceScale: 2 }
    const body = `{"code":"200000","data":{"sequence":"3262786978","time":1550653727731,"bids":[["6500.12","0.45054140"],["6500.11","0.45054140"]],"asks":[["6500.16","0.57753524"],["6500.15","0.57753524"]]}}`
    expect(decodeKucoinSnapshot(body, eth)).toEqual({
      sequence: 3262786978,
      bids: [[650_012, 45_054_140], [650_011, 45_054_140]],
      asks: [[650_016, 57_753_524], [650_015, 57_753_524]]
    })
    expect(() => decodeKucoinSnapshot(`{"code":"400100","msg":"nope"}`, eth)).toThrow(/400100/)
    expect(() => decodeKucoinSnapshot(`{"code":"200000","data":{"sequence":3,"bids":[],"asks":[]}}`, eth)).toThrow(/sequence/)
  })

  it("encode → decode round-trips pushes, matches and snapshots", () => {
    const change = fc.record({ side: fc.constantFrom(BID, ASK), price: fc.integer({ min: 0, max: 1e9 }), size: fc.integer({ min: 0, max: 1e13 }), seq: fc.integer({ min: 1, max: 2 ** 40 }) })
    fc.assert(
      fc.property(fc.array(change, { maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e13 }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (changes, start, price, size, id) => {
        const frame = encodeL2Update(BTC, start, start + changes.length, 1, changes)
        const pick = (side: 0 | 1) => changes.filter((c) => c.side === side).map((c) => [c.price, c.size, c.seq])
        expect(decode(frame)).toEqual({ kind: KucoinFrameKind.L2Update, symbol: "BTC/USDT", start, end: start + changes.length, asks: pick(ASK), bids: pick(BID) })
        expect(new KucoinDecoder(resolver).scan(frame)).toBe(KucoinFrameKind.L2Update)
        const match = encodeMatch({ instrument: BTC, takerSide: ASK, price, size, tradeId: String(id), sequence: start, timeUs: 1_786_538_821_105_123 })
        expect(decode(match)).toEqual({ kind: KucoinFrameKind.Match, symbol: "BTC/USDT", price, size, side: ASK, id: String(id), timeUs: 1_786_538_821_105_123 })
        const levels = changes.filter((c) => c.size > 0).map((c) => [c.price, c.size] as const)
        expect(decodeKucoinSnapshot(encodeKucoinSnapshot(BTC, start, 0, levels, levels), BTC)).toEqual({ sequence: start, bids: levels, asks: levels })
      }),
      { numRuns: 300 }
    )
  })

  it("scanner and JSON.parse reference agree on fuzzed, reordered and mutated frames", () => {
    /** Mostly what the venue sends, sometimes something it should not. */
    const usually = (valid: fc.Arbitrary<string>, odd: fc.Arbitrary<string>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: odd, weight: 1 })
    const decimal = usually(
      fc.oneof(fc.tuple(fc.nat(99_999), fc.nat(9)).map(([i, f]) => `${i}.${f}`), fc.nat(99_999).map(String)),
      fc.constantFrom("0", "00.1", "1.", ".5", "", "1e5", "-1", "6.05", "0.000000001", "9007199254740993")
    )
    const seq = usually(fc.nat().map(String), fc.constantFrom("0", "012", "-1", "1.5", "9007199254740993", ""))
    const change = fc.tuple(decimal, decimal, seq).map(([p, s, q]) => `["${p}","${s}","${q}"]`)
    const seqValue = usually(fc.oneof(fc.nat().map(String), fc.nat().map((n) => `"${n}"`)), fc.constantFrom("1.5", "-3", "1e3", '"x"', "9007199254740993", "null"))
    const l2 = fc
      .record({
        asks: fc.array(change, { maxLength: 6 }),
        bids: fc.array(change, { maxLength: 6 }),
        start: seqValue,
        end: seqValue,
        symbol: usually(fc.constant("BTC-USDT"), fc.constantFrom("ETH-USDT", "BTC-USD\\u0054")),
        extra: fc.constantFrom("", `"time":1663747970273,`, `"x":{"y":[1,{"z":null}],"w":"v"},`, `"n":-0.5e+3,`),
        order: fc.boolean(),
        topic: usually(fc.constant(""), fc.constantFrom("ETH-USDT", "BTC-USDT", "BTC\\"))
      })
      .map((f) => {
        const changes = `"changes":{"asks":[${f.asks.join(",")}],"bids":[${f.bids.join(",")}]}`
        const data = f.order
          ? `{${f.extra}${changes},"sequenceEnd":${f.end},"sequenceStart":${f.start},"symbol":"${f.symbol}"}`
          : `{"sequenceStart":${f.start},"symbol":"${f.symbol}",${f.extra}"sequenceEnd":${f.end},${changes}}`
        return f.order
          ? `{"topic":"/market/level2:${f.topic || f.symbol}","type":"message","subject":"trade.l2update","data":${data}}`
          : `{"data":${data},"subject":"trade.l2update","topic":"/market/level2:${f.symbol}","type":"message"}`
      })
    const match = fc
      .record({ price: decimal, size: decimal, side: fc.constantFrom("buy", "sell", "hold"), id: fc.oneof(fc.nat().map(String), fc.constant("5c24c5da03aa673885cd67aa")), time: fc.constantFrom("1786538821105000000", "12", "x1", "1786538821105000000000000"), order: fc.boolean() })
      .map((m) => {
        const fields = [`"price":"${m.price}"`, `"side":"${m.side}"`, `"size":"${m.size}"`, `"symbol":"BTC-USDT"`, `"time":"${m.time}"`, `"tradeId":"${m.id}"`, `"type":"match"`]
        const data = `{${(m.order ? fields : fields.reverse()).join(",")}}`
        return m.order ? `{"topic":"/market/match:BTC-USDT","type":"message","subject":"trade.l3match","data":${data}}` : `{"data":${data},"type":"message","subject":"trade.l3match"}`
      })
    const control = fc.constantFrom(`{"id":"1","type":"ack"}`, `{"id":"public","type":"welcome"}`, `{"type":"notice","data":{}}`, `{"type":"message","subject":"trade.ticker","data":{"price":"1"}}`, `[1]`, `null`)
    const frame = fc.oneof(l2, match, control)
    const mutated = fc.tuple(frame, fc.nat(), fc.constantFrom("cut", "space", "append", "none")).map(([text, n, how]) => {
      const at = n % (text.length + 1)
      if (how === "cut") return text.slice(0, at)
      if (how === "space") return `${text.slice(0, at)} ${text.slice(at)}`
      if (how === "append") return `${text}}`
      return text
    })
    // The scanner must take a good share of the frames, or this compares the reference with itself.
    const scanner = new KucoinDecoder(resolver)
    let taken = 0
    fc.assert(
      fc.property(fc.oneof(frame, mutated), (text) => {
        if (scanner.scan(text) !== -2) taken++
        const fast = new KucoinDecoder(resolver)
        const reference = new KucoinDecoder(resolver)
        expect(decoded(fast, fast.decode(text))).toEqual(decoded(reference, reference.decodeReference(text)))
      }),
      { numRuns: 5000 }
    )
    expect(taken).toBeGreaterThan(400)
  })
})

describe("KuCoin instruments", () => {
  it("takes base and quote from the list, scales from the increments, skips symbols not trading", () => {
    const body = JSON.stringify({
      code: "200000",
      data: [
        { symbol: "BTC-USDT", name: "BTC-USDT", baseCurrency: "BTC", quoteCurrency: "USDT", baseMinSize: "0.00001", baseIncrement: "0.00000001", priceIncrement: "0.1", minFunds: "0.1", enableTrading: true },
        { symbol: "BSV-USDT", name: "BCHSV-USDT", baseCurrency: "BSV", quoteCurrency: "USDT", baseMinSize: "0.01", baseIncrement: "0.0001", priceIncrement: "0.01", enableTrading: true },
        { symbol: "OLD-USDT", baseCurrency: "OLD", quoteCurrency: "USDT", baseMinSize: "1", baseIncrement: "1", priceIncrement: "1", enableTrading: false }
      ]
    })
    const list = parseKucoinSymbols(body)
    expect(list.map((i) => [i.symbol, i.venueSymbol, i.priceScale, i.sizeScale, i.tickSize, i.lotSize, i.minSize, i.minNotional])).toEqual([
      ["BTC/USDT", "BTC-USDT", 1, 8, 1, 1, 1_000, 100_000_000n],
      ["BSV/USDT", "BSV-USDT", 2, 4, 1, 1, 100, 0n]
    ])
    expect(() => parseKucoinSymbols(`{"code":"400001","msg":"x"}`)).toThrow(/400001/)
  })

  it("parses what the simulator serves back into its instruments", () => {
    expect(parseKucoinSymbols(renderKucoinSymbols(KUCOIN_SIM_INSTRUMENTS))).toEqual(KUCOIN_SIM_INSTRUMENTS)
  })
})
