'use strict';
/*
 * otel-llm-relay as a user starts it with no code: `--require otel-llm-relay/register` (loaded just
 * before this file) with its defaults, i.e. a NodeSDK, metrics on a Prometheus endpoint and no trace
 * exporter. NodeSDK then sets no TracerProvider: the spans do not record (cheaper than with one, see
 * bench/RESULTS.md) and cannot be counted here; the bench checks the call count on the Prometheus
 * endpoint instead.
 */
const { summarizeExposition } = require('./prometheus-text.cjs');

const port = Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT);

globalThis.__benchTelemetry = {
  variant: 'ours-register',
  spanCount: () => undefined,
  spans: () => [],
  async scrape() {
    const response = await fetch(`http://localhost:${port}/metrics`);
    return summarizeExposition(await response.text());
  },
};
