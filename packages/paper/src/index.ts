/** @hft/paper: the paper venue that fills our orders against live books, and its models. */
export * from "./consumed-overlay.ts"
export * from "./delay-line.ts"
export * from "./fees.ts"
export * from "./latency.ts"
export * from "./paper-venue.ts"
export * from "./queue-position.ts"
