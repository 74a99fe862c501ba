import { diag } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { LlmRelayInstrumentation } from '../instrumentation';
import { envBoolean, envNumber, envText } from '../config/env';
import type { Env } from '../config/env';
import { resourceDetectorsFromEnv, settleResource } from './resource-detectors';

function isSet(env: Env, name: string): boolean {
  return envText(env, name) !== undefined;
}

/** True when an OTLP endpoint for `signal` (traces, logs) is configured. */
function hasOtlpEndpoint(env: Env, signal: 'TRACES' | 'LOGS'): boolean {
  return isSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') || isSet(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
}

/**
 * The NodeSDK options the register hook uses. What the environment names is left to NodeSDK's own
 * env handling; only the defaults that differ (see register.ts) are filled in here.
 */
export function sdkOptionsFromEnv(
  env: Env,
  instrumentation = new LlmRelayInstrumentation(),
): Partial<NodeSDKConfiguration> {
  const options: Partial<NodeSDKConfiguration> = {
    instrumentations: [instrumentation],
  };
  const resourceDetectors = resourceDetectorsFromEnv(env);
  if (resourceDetectors) options.resourceDetectors = resourceDetectors;
  if (!isSet(env, 'OTEL_METRICS_EXPORTER')) {
    const port = envNumber(env, 'OTEL_EXPORTER_PROMETHEUS_PORT');
    options.metricReaders = [
      new PrometheusExporter({
        host: envText(env, 'OTEL_EXPORTER_PROMETHEUS_HOST'),
        port: port !== undefined && Number.isInteger(port) && port > 0 ? port : undefined,
        // Started by startSdk() once the resource has settled (see settleThenServe).
        preventServerStart: true,
      }),
    ];
  }
  if (!isSet(env, 'OTEL_TRACES_EXPORTER') && !hasOtlpEndpoint(env, 'TRACES')) options.spanProcessors = [];
  if (!isSet(env, 'OTEL_LOGS_EXPORTER') && !hasOtlpEndpoint(env, 'LOGS')) options.logRecordProcessors = [];
  return options;
}

/**
 * Longest wait for the flush at exit or on SIGTERM/SIGINT: under `docker stop`'s 10 s grace
 * period, so that a Collector that never answers costs the telemetry in flight, not the app.
 */
export const SHUTDOWN_TIMEOUT_MS = 2000;

/** Resolves true when `work` settles within `ms`, false otherwise; the timer keeps nothing alive. */
function withinTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    void work.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

let started: NodeSDK | undefined;

/** Serves /metrics once the resource has settled (see settleResource). */
function settleThenServe(options: Partial<NodeSDKConfiguration>): void {
  const exporter = options.metricReaders?.find(r => r instanceof PrometheusExporter);
  if (!exporter) return;
  settleResource(exporter)
    .then(() => exporter.startServer())
    .catch(err => diag.error('otel-llm-relay: the Prometheus endpoint could not start:', err));
}

/**
 * True when something (e.g. `--import @opentelemetry/auto-instrumentations-node/register` placed
 * before us) already registered global tracer or meter providers. The API keeps them under this
 * versioned global symbol; a second NodeSDK could not register its own and would only log errors.
 */
function anotherSdkStarted(): boolean {
  const api = (globalThis as Record<symbol, { trace?: unknown; metrics?: unknown } | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];
  return Boolean(api?.trace ?? api?.metrics);
}

/** Starts the SDK once per process and arranges a flush on exit; returns undefined when disabled. */
export function startSdk(env: Env): NodeSDK | undefined {
  if (started) return started;
  if (envBoolean(env, 'OTEL_SDK_DISABLED') === true) {
    diag.info('otel-llm-relay: OTEL_SDK_DISABLED=true, telemetry not started');
    return undefined;
  }
  if (anotherSdkStarted()) {
    // Join the SDK that is already there: its exporters get our spans and metrics.
    registerInstrumentations({ instrumentations: [new LlmRelayInstrumentation()] });
    diag.info('otel-llm-relay: an OpenTelemetry SDK is already started; added the relay instrumentation to it');
    return undefined;
  }
  const instrumentation = new LlmRelayInstrumentation();
  const options = sdkOptionsFromEnv(env, instrumentation);
  const sdk = new NodeSDK(options);
  sdk.start();
  started = sdk;
  settleThenServe(options);

  let shuttingDown: Promise<boolean> | undefined;
  /** Flushes and stops the SDK; resolves false when that took longer than SHUTDOWN_TIMEOUT_MS. */
  const shutdown = () => {
    // NodeSDK.shutdown() leaves instrumentations enabled: disabling ours stops the probe's timers too.
    instrumentation.disable();
    shuttingDown ??= withinTimeout(
      sdk.shutdown().catch(err => diag.error('otel-llm-relay: shutdown failed:', err)),
      SHUTDOWN_TIMEOUT_MS,
    ).then(finished => {
      if (!finished)
        diag.warn(
          `otel-llm-relay: the telemetry flush did not finish within ${SHUTDOWN_TIMEOUT_MS} ms; no longer waiting for it`,
        );
      return finished;
    });
    return shuttingDown;
  };
  const onBeforeExit = () => {
    process.removeListener('beforeExit', onBeforeExit);
    // Another listener may start work of its own (the loop then goes on): only then is an exit not ours to force.
    const appListens = process.listenerCount('beforeExit') > 0;
    void shutdown().then(finished => {
      // An export still hangs and keeps the loop alive: end the process as it was about to end.
      if (!finished && !appListens) process.exit();
    });
  };
  process.on('beforeExit', onBeforeExit);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      process.removeListener(signal, onSignal);
      // Counted now, while the app's own listeners (if any) have not run yet: once they have, Node
      // removes its `once` listeners and the count would say nobody handles the signal.
      const appHandlesIt = process.listenerCount(signal) > 0;
      void shutdown().finally(() => {
        // Our listener replaced Node's default action; when the app has none of its own, restore it.
        if (!appHandlesIt) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  return sdk;
}
