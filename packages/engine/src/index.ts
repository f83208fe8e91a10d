/** @hft/engine: the trading engine — one wiring for the node, backtests, benchmarks and tests. */
export * from "./events.ts"
