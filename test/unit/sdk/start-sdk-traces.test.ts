/*
 * The register hook's trace defaults (src/sdk/start-sdk.ts): with no trace exporter configured, no
 * span records at all (NodeSDK sets no tracer provider for an empty processor list), so the app pays
 * nothing for spans nobody exports; naming an exporter brings recording spans back.
 */
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { sdkOptionsFromEnv } from '../../../src/sdk/start-sdk';

let sdk: NodeSDK | undefined;

afterEach(async () => {
  // The refused export of the recording case fails the flush; that is not what is tested here.
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
  trace.disable();
});

/** Whether a span started after the SDK built from `env` starts records. */
function spansRecordWith(env: Record<string, string>): boolean {
  // No metrics exporter: nothing listens on a port.
  sdk = new NodeSDK(sdkOptionsFromEnv({ OTEL_METRICS_EXPORTER: 'none', ...env }));
  sdk.start();
  const span = trace.getTracer('start-sdk-traces-test').startSpan('probe');
  span.end();
  return span.isRecording() || span.spanContext().traceId !== '00000000000000000000000000000000';
}

describe('register hook: traces', () => {
  it('records no span when no trace exporter or OTLP endpoint is configured', () => {
    expect(sdkOptionsFromEnv({}).spanProcessors).toEqual([]);
    expect(spansRecordWith({})).toBe(false);
  });

  it('leaves the trace exporter to NodeSDK when OTEL_TRACES_EXPORTER or an OTLP endpoint is set', () => {
    expect(sdkOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'console' }).spanProcessors).toBeUndefined();
    expect(sdkOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).spanProcessors).toBeUndefined();
    expect(
      sdkOptionsFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).spanProcessors,
    ).toBeUndefined();
  });

  it('records spans once an OTLP traces endpoint is set', () => {
    // NodeSDK reads its exporter from process.env; port 9 (discard) refuses, so the flush at shutdown ends at once.
    const endpoint = 'http://127.0.0.1:9/v1/traces';
    const before = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = endpoint;
    try {
      expect(spansRecordWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint })).toBe(true);
    } finally {
      if (before === undefined) delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = before;
    }
  });
});
