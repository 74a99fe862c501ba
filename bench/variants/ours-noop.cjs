'use strict';
/*
 * The instruction benchmark's split of ours (bench/instructions/): LlmRelayInstrumentation with the
 * shared setup, but handed no-op tracer and meter providers. All of our code runs (wire reading,
 * attributes, metric attribute sets); span and metric calls land in the OpenTelemetry API's no-op
 * objects. Our own code: ours-noop − ours-channels; the SDK's recording: ours − ours-noop. (With
 * a no-op span there is no valid span context, so no traceparent header is injected.)
 */
const { ProxyTracerProvider, createNoopMeter } = require('@opentelemetry/api');
const { setupTelemetry } = require('./telemetry.cjs');

const noopMeter = createNoopMeter();
setupTelemetry(
  'ours-noop',
  () => {
    const { LlmRelayInstrumentation } = require(process.env.BENCH_DIST ?? '../../dist');
    return [new LlmRelayInstrumentation()];
  },
  // A ProxyTracerProvider with no delegate hands out no-op tracers.
  { tracerProvider: new ProxyTracerProvider(), meterProvider: { getMeter: () => noopMeter } },
);
