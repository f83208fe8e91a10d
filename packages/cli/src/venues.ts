/**
 * `hft venues`: every venue with its capabilities.
 *
 * @module
 */
import { VENUES } from "@hft/exchanges"
import { Effect } from "effect"

/** Prints the venue table (or JSON lines). */
export const runVenues = (json: boolean) =>
  Effect.sync(() => {
    for (const v of VENUES) {
      const row = {
        venue: v.id,
        name: v.name,
        sequencing: v.capabilities.sequencing,
        checksum: v.capabilities.checksum,
        snapshot: v.capabilities.snapshotSource,
        fees: `${v.fees.makerPpm / 10_000}% maker / ${v.fees.takerPpm / 10_000}% taker (${v.fees.tier})`,
        symbols: v.simulatedInstruments.map((i) => `${i.symbol} (${i.venueSymbol})`).join(", ")
      }
      if (json) console.log(JSON.stringify(row))
      else {
        console.log(`${row.name} [${row.venue}]`)
        console.log(`  sequencing: ${row.sequencing}\n  checksum:   ${row.checksum}\n  snapshot:   ${row.snapshot}\n  fees:       ${row.fees}\n  simulator:  ${row.symbols}`)
      }
    }
  })
