/**
 * Coinbase Advanced Trade instruments from the public products list
 * (`GET /api/v3/brokerage/market/products`): canonical symbols from the listed
 * `base_currency_id`/`quote_currency_id` (never by splitting `BTC-USD`), scales from the
 * price and base increments, and the `-USDC` aliasing.
 *
 * Aliasing: Coinbase lists `BTC-USDC` with `alias: "BTC-USD"` (and `BTC-USD` with
 * `alias_to: ["BTC-USDC"]`). Public market-data channels serve the aliased product's data
 * under the alias's id, so `BTC/USDC` is fed from the `BTC-USD` stream. Every product of
 * an alias family shares one order book, so the family shares one price scale and one
 * size scale (the finest of its members), which keeps the book's integer units the same
 * for every member.
 *
 * @module
 */
import { type Instrument, formatUnitsTrimmed, parseAmount, parseUnits, pow10, scaleOfStep } from "@hft/core"

/** Venue id. */
export const COINBASE = "coinbase"

/** Path of the public products list. */
export const PRODUCTS_PATH = "/api/v3/brokerage/market/products"

/** The fields of a product the adapter reads (strings as Coinbase sends them). */
interface ProductListing {
  readonly product_id: string
  readonly base_currency_id: string
  readonly quote_currency_id: string
  readonly quote_increment: string
  readonly base_increment: string
  readonly base_min_size?: string
  readonly quote_min_size?: string
  readonly price_increment?: string
  readonly status?: string
  readonly is_disabled?: boolean
  readonly product_type?: string
  readonly alias?: string
  readonly alias_to?: ReadonlyArray<string>
}

/** The instruments of a products list and the stream each is fed from. */
export interface CoinbaseCatalog {
  /** Online spot products as instruments. */
  readonly instruments: ReadonlyArray<Instrument>
  /** Venue symbol → the product id its market data arrives under (itself, or its alias). */
  readonly streamOf: ReadonlyMap<string, string>
}

/** Thrown when a products body does not have the fields the adapter needs. */
export class ProductListError extends Error {
  readonly _tag = "ProductListError"
}

const isText = (value: unknown): value is string => typeof value === "string" && value.length > 0

const checkListing = (raw: unknown): ProductListing => {
  const p = raw as Partial<ProductListing> | null
  if (
    p === null || typeof p !== "object" || !isText(p.product_id) || !isText(p.base_currency_id) ||
    !isText(p.quote_currency_id) || !isText(p.quote_increment) || !isText(p.base_increment)
  ) {
    throw new ProductListError(`product lacks product_id, base/quote_currency_id or increments: ${JSON.stringify(raw).slice(0, 200)}`)
  }
  return p as ProductListing
}

/** The product id whose stream carries a listing's market data. */
const streamIdOf = (p: ProductListing): string => (isText(p.alias) ? p.alias : p.product_id)

/** The price step: `price_increment` where listed, else `quote_increment` (equal on spot products). */
const priceStepOf = (p: ProductListing): string => (isText(p.price_increment) ? p.price_increment : p.quote_increment)

/** Parses a products body into instruments (online spot products only) and their streams. */
export const parseProducts = (body: string): CoinbaseCatalog => {
  const parsed = JSON.parse(body) as { products?: unknown }
  if (!Array.isArray(parsed.products)) throw new ProductListError("products body has no products array")
  // Futures list an empty base currency: filter before checking fields.
  const listings = (parsed.products as ReadonlyArray<Partial<ProductListing> | null>)
    .filter((p) => p !== null && (p.product_type ?? "SPOT") === "SPOT" && (p.status ?? "online") === "online" && p.is_disabled !== true)
    .map(checkListing)
  // One scale per alias family: the finest step any member lists.
  const priceScale = new Map<string, number>()
  const sizeScale = new Map<string, number>()
  for (const p of listings) {
    const family = streamIdOf(p)
    priceScale.set(family, Math.max(priceScale.get(family) ?? 0, scaleOfStep(priceStepOf(p))))
    sizeScale.set(family, Math.max(sizeScale.get(family) ?? 0, scaleOfStep(p.base_increment)))
  }
  const instruments: Array<Instrument> = []
  const streamOf = new Map<string, string>()
  for (const p of listings) {
    const family = streamIdOf(p)
    const ps = priceScale.get(family)!
    const ss = sizeScale.get(family)!
    instruments.push({
      venue: COINBASE,
      symbol: `${p.base_currency_id}/${p.quote_currency_id}`,
      venueSymbol: p.product_id,
      base: p.base_currency_id,
      quote: p.quote_currency_id,
      priceScale: ps,
      sizeScale: ss,
      tickSize: parseUnits(priceStepOf(p), ps),
      lotSize: parseUnits(p.base_increment, ss),
      minSize: parseUnits(isText(p.base_min_size) ? p.base_min_size : p.base_increment, ss),
      minNotional: isText(p.quote_min_size) ? parseAmount(p.quote_min_size, ps + ss) : 0n
    })
    streamOf.set(p.product_id, family)
  }
  return { instruments, streamOf }
}

/** Quote currency Coinbase aliases onto USD books on its public channels. */
export const USD_ALIAS_QUOTE = "USDC"

const listing = (i: Instrument, productId: string, quote: string, alias: string, aliasTo: ReadonlyArray<string>) => ({
  product_id: productId,
  price: "",
  base_increment: formatUnitsTrimmed(i.lotSize, i.sizeScale),
  quote_increment: formatUnitsTrimmed(i.tickSize, i.priceScale),
  quote_min_size: formatUnitsTrimmed(i.minNotional, i.priceScale + i.sizeScale),
  base_min_size: formatUnitsTrimmed(i.minSize, i.sizeScale),
  is_disabled: false,
  status: "online",
  trading_disabled: false,
  product_type: "SPOT",
  quote_currency_id: quote,
  base_currency_id: i.base,
  alias,
  alias_to: aliasTo,
  price_increment: formatUnitsTrimmed(i.tickSize, i.priceScale),
  display_name: productId,
  product_venue: "CBE"
})

/**
 * Renders instruments as a products body (what the simulator serves). Every USD-quoted
 * instrument also gets its `-USDC` alias, as Coinbase lists them.
 */
export const renderProducts = (instruments: ReadonlyArray<Instrument>): string => {
  const products = instruments.flatMap((i) => {
    if (i.quote !== "USD") return [listing(i, i.venueSymbol, i.quote, "", [])]
    const aliasId = `${i.base}-${USD_ALIAS_QUOTE}`
    return [listing(i, i.venueSymbol, i.quote, "", [aliasId]), listing(i, aliasId, USD_ALIAS_QUOTE, i.venueSymbol, [])]
  })
  return JSON.stringify({ products, num_products: products.length })
}

/** Instruments the Coinbase simulator serves by default (the USDC aliases come with them). */
export const COINBASE_SIM_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    venue: COINBASE, symbol: "BTC/USD", venueSymbol: "BTC-USD", base: "BTC", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1, minNotional: pow10(10)
  },
  {
    venue: COINBASE, symbol: "ETH/USD", venueSymbol: "ETH-USD", base: "ETH", quote: "USD",
    priceScale: 2, sizeScale: 8, tickSize: 1, lotSize: 1, minSize: 1, minNotional: pow10(10)
  }
]
