/** @hft/exchanges: venue adapters, live sessions and loopback simulators. */
export * from "./connection.ts"
export * from "./feed.ts"
export * from "./registry.ts"
export * from "./simulator/simulator-server.ts"
export * from "./venue.ts"
export * from "./crc32.ts"
export * from "./json-raw.ts"
