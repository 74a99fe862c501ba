/*
 * The running part of `otel-llm-relay probe`: a Prometheus endpoint, an SDK with the relay
 * instrumentation (for the chat probe's GenAI metrics and cost), and the probe, until SIGINT/SIGTERM.
 */
import { diag, metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { LlmRelayInstrumentation } from '../instrumentation';
import { resourceDetectorsFromEnv, settleResource } from './resource-detectors';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import type { ResolvedProbeConfig } from '../probe/probe-config';
import { RelayProbe } from '../probe/relay-probe';
import { envText } from '../config/env';

export interface MetricsEndpoint {
  port: number;
  /** `localhost` (the Prometheus exporter's default) when undefined; `0.0.0.0` or `::` for every interface. */
  host?: string;
}

function startExporter(endpoint: MetricsEndpoint): Promise<PrometheusExporter> {
  const { port, host } = endpoint;
  return new Promise((resolve, reject) => {
    const exporter: PrometheusExporter = new PrometheusExporter(
      host === undefined ? { port } : { port, host },
      error => (error ? reject(error) : resolve(exporter)),
    );
  });
}

/** Where /metrics is served, as the start-up line says it. */
function metricsUrl(endpoint: MetricsEndpoint): string {
  const everyInterface = endpoint.host === '0.0.0.0' || endpoint.host === '::';
  const host = endpoint.host === undefined || everyInterface ? 'localhost' : endpoint.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${endpoint.port}/metrics`;
  if (everyInterface) return `${url} (every interface)`;
  return endpoint.host === undefined ? `${url} (this host only: --host 0.0.0.0 serves every interface)` : url;
}

/**
 * Serves the probe's metrics until SIGINT/SIGTERM. Resolves with an exit code when it cannot start
 * (1: the port is taken), else with undefined once running (the process then lives until a signal).
 */
export async function runProbeExporter(
  config: ResolvedProbeConfig,
  endpoint: MetricsEndpoint,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  // The variables are consumed; the instrumentation must not start a probe of its own from them.
  for (const name of Object.keys(env)) {
    if (name.startsWith('OTEL_LLM_RELAY_PROBE_')) delete env[name];
  }
  let exporter: PrometheusExporter;
  try {
    exporter = await startExporter(endpoint);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    console.error(
      `otel-llm-relay probe: cannot serve metrics on port ${endpoint.port}: ${typeof code === 'string' ? code : String(error)}`,
    );
    return 1;
  }
  // Sees the chat probe's request: its GenAI metrics and cost, marked llm_relay.probe=chat.
  const instrumentation = new LlmRelayInstrumentation({ relayHosts: [new URL(config.modelsUrl).origin] });
  const resourceDetectors = resourceDetectorsFromEnv(env);
  // NodeSDK brings the context manager the probe's request marking needs; traces and logs stay off.
  const sdk = new NodeSDK({
    metricReaders: [exporter],
    spanProcessors: [],
    logRecordProcessors: [],
    instrumentations: [instrumentation],
    // Without the command line: a base URL or key on it must not reach target_info.
    ...(resourceDetectors ? { resourceDetectors } : {}),
    ...(envText(env, 'OTEL_SERVICE_NAME') ? {} : { serviceName: 'otel-llm-relay-probe' }),
  });
  sdk.start();
  await settleResource(exporter);

  const probe = new RelayProbe(
    config,
    metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION),
    diag.createComponentLogger({ namespace: 'otel-llm-relay' }),
  );
  probe.start();
  // The exporter's server and the probe's timers are unref'd: this keeps the process alive until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const kinds =
    (config.chatModel ? `models and chat (${config.chatModel})` : 'models') +
    (config.balance ? `, balance every ${config.balance.intervalMs / 1000} s` : '');
  console.log(
    `otel-llm-relay probe: probing ${config.displayUrl} (${kinds}) every ${config.intervalMs / 1000} s; ` +
      `metrics at ${metricsUrl(endpoint)}`,
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // a second signal: stop waiting
    stopping = true;
    console.log(`otel-llm-relay probe: ${signal}, stopping`);
    probe.stop();
    clearInterval(keepAlive);
    // A scraper holding a connection open must not keep us waiting for long.
    setTimeout(() => process.exit(0), 3000).unref();
    sdk.shutdown().then(
      () => (process.exitCode = 0),
      error => {
        console.error('otel-llm-relay probe: shutdown:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return undefined;
}
