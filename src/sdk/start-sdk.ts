import { diag } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { LlmRelayInstrumentation } from '../instrumentation';

type Env = Readonly<Record<string, string | undefined>>;

function isSet(env: Env, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

function isTrue(env: Env, name: string): boolean {
  return env[name]?.trim().toLowerCase() === 'true';
}

/** True when an OTLP endpoint for `signal` (traces, logs) is configured. */
function hasOtlpEndpoint(env: Env, signal: 'TRACES' | 'LOGS'): boolean {
  return isSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') || isSet(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
}

/**
 * The NodeSDK options the register hook uses. What the environment names is left to NodeSDK's own
 * env handling; only the defaults that differ (see register.ts) are filled in here.
 */
export function sdkOptionsFromEnv(env: Env, instrumentation = new LlmRelayInstrumentation()): Partial<NodeSDKConfiguration> {
  const options: Partial<NodeSDKConfiguration> = {
    instrumentations: [instrumentation],
  };
  if (!isSet(env, 'OTEL_METRICS_EXPORTER')) {
    const port = Number(env.OTEL_EXPORTER_PROMETHEUS_PORT);
    options.metricReaders = [
      new PrometheusExporter({
        host: env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || undefined,
        port: Number.isInteger(port) && port > 0 ? port : undefined,
        // Started by startSdk() once the resource has settled (see settleThenServe).
        preventServerStart: true,
      }),
    ];
  }
  if (!isSet(env, 'OTEL_TRACES_EXPORTER') && !hasOtlpEndpoint(env, 'TRACES')) options.spanProcessors = [];
  if (!isSet(env, 'OTEL_LOGS_EXPORTER') && !hasOtlpEndpoint(env, 'LOGS')) options.logRecordProcessors = [];
  return options;
}

let started: NodeSDK | undefined;

/**
 * The Prometheus exporter reads the resource on every scrape but, unlike the periodic readers,
 * never waits for its asynchronous attributes (host id), so a scrape before they settle logs a diag
 * error. One collect gives us the shared resource object to settle; then /metrics starts serving.
 */
function settleThenServe(options: Partial<NodeSDKConfiguration>): void {
  const exporter = options.metricReaders?.find(r => r instanceof PrometheusExporter);
  if (!exporter) return;
  exporter
    .collect()
    .then(({ resourceMetrics }) => resourceMetrics.resource.waitForAsyncAttributes?.())
    .catch(err => diag.debug('otel-llm-relay: could not settle resource attributes:', err))
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
  if (isTrue(env, 'OTEL_SDK_DISABLED')) {
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

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    // NodeSDK.shutdown() leaves instrumentations enabled: disabling ours stops the probe's timers too.
    instrumentation.disable();
    shuttingDown ??= sdk.shutdown().catch(err => diag.error('otel-llm-relay: shutdown failed:', err));
    return shuttingDown;
  };
  process.once('beforeExit', () => void shutdown());
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
