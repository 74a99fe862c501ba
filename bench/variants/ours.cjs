'use strict';
// otel-llm-relay, from the built package (dist/, or the copy bench/run.ts took of it: BENCH_DIST),
// with the shared providers (see telemetry.cjs).
const { setupTelemetry } = require('./telemetry.cjs');

setupTelemetry('ours', () => {
  const { LlmRelayInstrumentation } = require(process.env.BENCH_DIST ?? '../../dist');
  return [new LlmRelayInstrumentation()];
});
