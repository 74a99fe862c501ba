// An app's own OpenTelemetry setup, with the relay instrumentation added to it: your exporters,
// your views, your resource. Load it before the app:
//   node --require ./examples/existing-sdk/telemetry.cjs examples/zero-code/chat-app.mjs
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { LlmRelayInstrumentation } = require('otel-llm-relay');

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'support-bot',
  metricReaders: [new PrometheusExporter({ port: Number(process.env.METRICS_PORT ?? 9464) })],
  instrumentations: [
    new LlmRelayInstrumentation({
      // Only calls to this relay are observed (default: any host on a known LLM API route).
      relayHosts: process.env.RELAY_HOST ? [process.env.RELAY_HOST] : undefined,
      // The relay bills 20% above list prices, and one in-house model has its own price.
      pricing: {
        models: { 'support-bot-ft': { input: 0.3, output: 1.2 } },
      },
      // A low-cardinality label of your own on every metric point.
      metricAttributesHook: () => ({ 'app.team': 'customer-service' }),
    }),
  ],
});
sdk.start();

process.once('SIGTERM', () => {
  sdk.shutdown().finally(() => process.exit(0));
});
