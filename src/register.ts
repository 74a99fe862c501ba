/*
 * `node --import otel-llm-relay/register app.js` (or `--require`): starts an OpenTelemetry NodeSDK
 * with the relay instrumentation, configured by the standard OTEL_* variables. Defaults differ from
 * a bare NodeSDK in four ways: metrics go to a Prometheus endpoint (:9464/metrics) unless
 * OTEL_METRICS_EXPORTER says otherwise; traces/logs are exported only when asked for (an OTLP
 * endpoint or OTEL_TRACES_EXPORTER), so nothing tries to reach a Collector that isn't there; the
 * resource leaves out the process command line (it may hold a key) unless
 * OTEL_NODE_RESOURCE_DETECTORS names the detectors; and the flush at exit waits at most 2 s.
 * Whatever happens here, the app starts.
 */
import { isMainThread } from 'node:worker_threads';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { envLogLevel } from './config/env';
import { startSdk } from './sdk/start-sdk';

// Worker threads share the process: one SDK, started by the main thread, is enough.
if (isMainThread) {
  try {
    diag.setLogger(new DiagConsoleLogger(), envLogLevel(process.env, DiagLogLevel.WARN));
    startSdk(process.env);
  } catch (err) {
    console.error('otel-llm-relay: telemetry not started, the app runs without it:', err);
  }
}
