/**
 * Kraken v2 frames from Kraken's documentation and from live captures (ccxt's static WS
 * test data), with numbers kept as the text they had on the wire.
 */

/** A level as the JSON number texts of its price and qty. */
export type RawLevel = readonly [price: string, qty: string]

const levels = (ls: ReadonlyArray<RawLevel>): string => ls.map(([p, q]) => `{"price":${p},"qty":${q}}`).join(",")

/** A `book` frame with the number texts inserted verbatim. */
export const bookFrame = (
  type: "snapshot" | "update",
  symbol: string,
  bids: ReadonlyArray<RawLevel>,
  asks: ReadonlyArray<RawLevel>,
  checksum?: number
): string =>
  `{"channel":"book","type":"${type}","data":[{"symbol":"${symbol}","bids":[${levels(bids)}],"asks":[${levels(asks)}]${checksum === undefined ? "" : `,"checksum":${checksum}`},"timestamp":"2023-10-06T17:35:55.440295Z"}]}`

/** A pair of the `instrument` channel, fields as Kraken names them (numbers as text). */
export const pairJson = (symbol: string, base: string, quote: string, pricePrecision: number, priceIncrement: string, qtyPrecision = 8): string =>
  `{"symbol":"${symbol}","base":"${base}","quote":"${quote}","status":"online","qty_precision":${qtyPrecision},"qty_increment":1e-08,` +
  `"price_precision":${pricePrecision},"cost_precision":5,"marginable":false,"has_index":true,"cost_min":0.5,` +
  `"tick_size":${priceIncrement},"price_increment":${priceIncrement},"qty_min":0.0001}`

/** An `instrument` snapshot frame with these pairs. */
export const instrumentFrame = (pairs: ReadonlyArray<string>, type: "snapshot" | "update" = "snapshot"): string =>
  `{"channel":"instrument","type":"${type}","data":{"assets":[],"pairs":[${pairs.join(",")}]}}`

/** The worked example of Kraken's "Book checksum (WebSocket v2)" guide (BTC/USD, checksum 3310070434). */
export const GUIDE_BTC_USD_SNAPSHOT = bookFrame(
  "snapshot",
  "BTC/USD",
  [
    ["45283.5", "0.10000000"], ["45283.4", "1.54582015"], ["45282.1", "0.10000000"], ["45281.0", "0.10000000"],
    ["45280.3", "1.54592586"], ["45279.0", "0.07990000"], ["45277.6", "0.03310103"], ["45277.5", "0.30000000"],
    ["45277.3", "1.54602737"], ["45276.6", "0.15445238"]
  ],
  [
    ["45285.2", "0.00100000"], ["45286.4", "1.54571953"], ["45286.6", "1.54571109"], ["45289.6", "1.54560911"],
    ["45290.2", "0.15890660"], ["45291.8", "1.54553491"], ["45294.7", "0.04454749"], ["45296.1", "0.35380000"],
    ["45297.5", "0.09945542"], ["45299.5", "0.18772827"]
  ],
  3310070434
)

/** The snapshot example of Kraken's `book` channel page (MATIC/USD, checksum 2439117997). */
export const DOC_MATIC_SNAPSHOT = bookFrame(
  "snapshot",
  "MATIC/USD",
  [
    ["0.5666", "4831.75496356"], ["0.5665", "6658.22734739"], ["0.5664", "18724.91513344"], ["0.5663", "11563.92544914"],
    ["0.5662", "14006.65365711"], ["0.5661", "17454.85679807"], ["0.566", "18097.1547"], ["0.5659", "33644.89175666"],
    ["0.5658", "148.3464"], ["0.5657", "606.70854372"]
  ],
  [
    ["0.5668", "4410.79769741"], ["0.5669", "4655.40412487"], ["0.567", "49844.89424998"], ["0.5671", "24306.41678"],
    ["0.5672", "29783.25223475"], ["0.5673", "57234.71239278"], ["0.5674", "45065.04744"], ["0.5675", "5912.76380354"],
    ["0.5676", "42514.92434778"], ["0.5677", "36304.0847022"]
  ],
  2439117997
)

/** The update example of Kraken's `book` channel page, applied to {@link DOC_MATIC_SNAPSHOT} (checksum 2114181697). */
export const DOC_MATIC_UPDATE = bookFrame("update", "MATIC/USD", [["0.5657", "1098.3947558"]], [], 2114181697)

/** MATIC/USD as the instrument channel would list it (price precision 4, qty precision 8). */
export const MATIC_USD_PAIR = pairJson("MATIC/USD", "MATIC", "USD", 4, "0.0001")

/** The example of Kraken's `trade` channel page. */
export const DOC_MATIC_TRADE = `{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"sell","price":0.5117,"qty":40.0,"ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"}]}`

/** The snapshot example of Kraken's `instrument` channel page (note `1e-08`). */
export const DOC_INSTRUMENT_SNAPSHOT = `{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"USD","status":"enabled","precision":4,"precision_display":2,"borrowable":true,"collateral_value":1.0,"margin_rate":0.015},{"id":"BTC","status":"enabled","precision":10,"precision_display":5,"borrowable":true,"collateral_value":1.0,"margin_rate":0.01}],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":1e-08,"price_precision":1,"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,"margin_initial":0.2,"position_limit_long":250,"position_limit_short":200,"tick_size":0.1,"price_increment":0.1,"qty_min":0.0001},{"symbol":"MATIC/GBP","base":"MATIC","quote":"GBP","status":"online","qty_precision":8,"qty_increment":1e-08,"price_precision":4,"cost_precision":6,"marginable":false,"has_index":true,"cost_min":0.43,"tick_size":0.0001,"price_increment":0.0001,"qty_min":4.0}]}}`

/** The first frame of a live connection (ccxt capture, 2026-10): `connection_id` beyond 2^64 / 2. */
export const LIVE_STATUS = `{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2","connection_id":17181695158986582000,"upcoming_maintenance":[],"emergency":[]}]}`

const LIVE_BTC_BIDS: ReadonlyArray<RawLevel> = [
  ["85600.4", "0.20401971"], ["85599.6", "0.04385864"], ["85599.5", "0.17523456"], ["85597.8", "5e-05"], ["85597.7", "2.92063885"],
  ["85596.3", "5.1e-05"], ["85595.8", "0.00596174"], ["85595.2", "0.58888844"], ["85593.6", "2.92077632"], ["85592", "5.1e-05"]
]
const LIVE_BTC_ASKS: ReadonlyArray<RawLevel> = [
  ["85600.5", "0.90679198"], ["85601.6", "0.21608516"], ["85601.7", "2.92050281"], ["85602.1", "0.000233"], ["85603", "0.0077"],
  ["85603.7", "2.92043523"], ["85604.4", "0.87632208"], ["85604.8", "5.1e-05"], ["85606.2", "0.00116814"], ["85607.7", "2.92029921"]
]

/**
 * A live BTC/USD depth-10 sequence (ccxt capture, 2026-10-06): an ask leaves and a new
 * one enters at the bottom, then the ask comes back — its checksum (817831036, equal to
 * the snapshot's) only holds if the book is truncated back to 10 after the re-insert.
 */
export const LIVE_BTC_USD_REINSERT: ReadonlyArray<string> = [
  bookFrame("snapshot", "BTC/USD", LIVE_BTC_BIDS, LIVE_BTC_ASKS, 817831036),
  bookFrame("update", "BTC/USD", [], [["85601.6", "0"], ["85608", "0.04358176"]], 3973935795),
  bookFrame("update", "BTC/USD", [], [["85600.5", "1.12287714"]], 402752521),
  bookFrame("update", "BTC/USD", [], [["85600.5", "0.90679198"]], 3973935795),
  bookFrame("update", "BTC/USD", [], [["85601.6", "0.21608516"]], 817831036)
]

/** A live BTC/USD depth-10 snapshot and update (ccxt capture, 2026-08-12). */
export const LIVE_BTC_USD: ReadonlyArray<string> = [
  bookFrame(
    "snapshot",
    "BTC/USD",
    [
      ["63299.4", "0.00209987"], ["63298.7", "5.1e-05"], ["63298.1", "0.05742569"], ["63298", "0.01534518"], ["63297.8", "0.504238"],
      ["63297.7", "0.78991808"], ["63296.7", "1.27336513"], ["63295.8", "0.56593064"], ["63295.7", "0.78994295"], ["63295.5", "5.1e-05"]
    ],
    [
      ["63299.5", "0.4388201"], ["63303.3", "0.05742569"], ["63303.4", "0.78984756"], ["63305", "5.1e-05"], ["63305.4", "0.03159716"],
      ["63305.5", "0.789821"], ["63306", "0.0789929"], ["63307", "0.31581476"], ["63307.8", "0.06"], ["63308", "0.00650419"]
    ],
    1490766955
  ),
  bookFrame("update", "BTC/USD", [["63296.7", "0"], ["63294.6", "0.31581476"]], [], 1153589921)
]

/** DOGE/USDT as listed (price precision 5). */
export const DOGE_USDT_PAIR = pairJson("DOGE/USDT", "DOGE", "USDT", 5, "0.00001")

/** A live DOGE/USDT sequence (ccxt capture, 2026-10-06): a thin snapshot without checksum, a deeper one, updates. */
export const LIVE_DOGE_USDT: ReadonlyArray<string> = [
  bookFrame(
    "snapshot",
    "DOGE/USDT",
    [["0.09563", "10349.6924174"], ["0.09562", "8701.5635622"], ["0.0956", "335.3906"], ["0.09559", "335.3906"]],
    [["0.09567", "10349.6924174"], ["0.09568", "4335.3906"], ["0.09569", "4335.3906"], ["0.0957", "22781.07363289"]]
  ),
  bookFrame(
    "snapshot",
    "DOGE/USDT",
    [
      ["0.09561", "10349.6924174"], ["0.0956", "8701.5635622"], ["0.09559", "335.3906"], ["0.09558", "2143.76327964"], ["0.09556", "335.3906"],
      ["0.09555", "33808.76870428"], ["0.09554", "109073.80997243"], ["0.09553", "57.99950688"], ["0.09552", "335.3906"], ["0.09551", "33941.58961997"]
    ],
    [
      ["0.09567", "14349.6924174"], ["0.09568", "22781.07363289"], ["0.09569", "17825.00110247"], ["0.0957", "13036.9541622"], ["0.09571", "4335.3906"],
      ["0.09574", "335.3906"], ["0.09575", "2405.86580116"], ["0.09576", "5791.58944814"], ["0.09577", "29278.2113423"], ["0.09578", "1588.39258391"]
    ],
    448911239
  ),
  bookFrame("update", "DOGE/USDT", [], [["0.09574", "2605.97847548"]], 3956438850),
  bookFrame("update", "DOGE/USDT", [], [["0.09577", "22970.4669424"]], 2590320375)
]
