/*
 * `npm run demo`: the bundled simulated relay, an unmodified support-bot app under
 * `node --import otel-llm-relay/register`, a realistic traffic mix over four models with a latency
 * spike and a burst of 429s, then a per-model summary read back from the app's /metrics and a few
 * telling spans of the run, exported by the app over OTLP to a receiver inside this process, and the
 * balance the relay reports to the health probe's balance check.
 *   node examples/demo/run-demo.ts [--duration 24] [--keep-running]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startRelaySimulator } from '../relay-simulator/server.ts';
import type { RecordedRequest, Scenario } from '../relay-simulator/server.ts';
import type { ReceivedSpan } from './otlp-trace-receiver.ts';
import { startTraceReceiver } from './otlp-trace-receiver.ts';
import { histogramQuantile, parsePrometheusText, sum } from './prometheus-text.ts';
import type { Sample } from './prometheus-text.ts';
import { RELAY_SCOPE, renderSpan, tellingSpans } from './trace-view.ts';
import type { Window } from './trace-view.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '24' },
    'keep-running': { type: 'boolean', default: false },
  },
});
const durationMs = Math.max(6, Number(values.duration) || 24) * 1000;
const root = resolve(import.meta.dirname, '../..');

const MODELS = ['deepseek-v3.2', 'gemini-2.5-flash', 'gpt-4.1', 'claude-sonnet-4.5'];
/** Usual latency before the first byte, per model (scaled down from the articles' production figures). */
const NORMAL: Scenario = {
  latencyMs: { 'deepseek-v3.2': 250, 'gemini-2.5-flash': 150, 'gpt-4.1': 400, 'claude-sonnet-4.5': 450 },
  seed: 7,
};
/** The sales peak: GPT-4.1 goes from 0.4 s to 4 s, and Gemini Flash runs into its rate limit. */
const PEAK: Scenario = {
  latencyMs: { ...NORMAL.latencyMs, 'gpt-4.1': 4000, 'deepseek-v3.2': 600 },
  errorRate: { 'gemini-2.5-flash': 0.6 },
  errorFault: '429',
  seed: 7,
};

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : value < 10 ? `${value.toFixed(2)}s` : `${value.toFixed(1)}s`;
}

function summary(samples: Sample[]): string {
  const rows = [['model', 'calls', 'errors', 'p50', 'p95', 'TTFC p50', 'tokens in', 'tokens out', 'cost USD']];
  for (const model of MODELS) {
    const m = { gen_ai_request_model: model };
    const calls = sum(samples, 'gen_ai_client_operation_duration_count', m);
    const ok = sum(samples, 'gen_ai_client_operation_duration_count', { ...m, error_type: undefined });
    rows.push([
      model,
      String(calls),
      calls ? `${calls - ok} (${(((calls - ok) / calls) * 100).toFixed(1)}%)` : '0',
      seconds(histogramQuantile(0.5, samples, 'gen_ai_client_operation_duration', m)),
      seconds(histogramQuantile(0.95, samples, 'gen_ai_client_operation_duration', m)),
      seconds(histogramQuantile(0.5, samples, 'gen_ai_client_operation_time_to_first_chunk', m)),
      String(sum(samples, 'gen_ai_client_token_usage_sum', { ...m, gen_ai_token_type: 'input' })),
      String(sum(samples, 'gen_ai_client_token_usage_sum', { ...m, gen_ai_token_type: 'output' })),
      sum(samples, 'llm_relay_cost_usd_total', m).toFixed(6),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)));
  return rows
    .map(r => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** Where the same data goes outside the demo (ports of examples/monitoring/docker-compose.yml). */
const PRODUCTION = `In production the same data goes where the standard OTEL_* variables point, with no code change:
  metrics  Prometheus scrapes the app's /metrics (port 9464 by default, OTEL_EXPORTER_PROMETHEUS_PORT)
  traces   OTLP to your Collector or tracing backend: OTEL_EXPORTER_OTLP_ENDPOINT=http://<collector>:4318
  both     with Docker: docker compose -f examples/monitoring/docker-compose.yml up, then
           Grafana http://localhost:3000 (dashboard), Prometheus http://localhost:9090 (alerts),
           Jaeger http://localhost:16686 (these spans)`;

function traceSection(spans: ReceivedSpan[], endpoint: string, requests: RecordedRequest[], spike: Window): string {
  const ours = spans.filter(s => s.scope === RELAY_SCOPE);
  const others = spans.length - ours.length;
  const picked = tellingSpans(spans, spike);
  const parts = [
    `Traces: ${ours.length} spans, one per HTTP call to the relay${others ? ` (and ${others} that Anthropic's SDK opens around its calls)` : ''},`,
    `exported by the app over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}).`,
    ...(picked.length
      ? [`${['', 'One', 'Two', 'Three'][picked.length]} of them, as a trace view such as Jaeger shows them:`]
      : []),
  ].join('\n');
  const blocks = picked.map(p => renderSpan(p, spans));
  // The relay got the trace context too (as the simulator recorded it), so the trace goes on past the app.
  const root = picked.find(p => p.span.parentSpanId === undefined);
  const traceparent = root && `00-${root.span.traceId}-${root.span.spanId}-01`;
  const propagated =
    traceparent && requests.some(r => r.headers['traceparent'] === traceparent)
      ? `The relay received the trace context too: ${root.title.replace(/^The/, 'the')} came with\n` +
        `traceparent ${traceparent}, so a relay that traces itself\nadds its own spans to that trace.`
      : undefined;
  return [parts, ...blocks, propagated].filter(Boolean).join('\n\n');
}

/** The key's quota on the relay's billing routes (`GET …/dashboard/billing/subscription`), in USD. */
const BALANCE_USD = 20;
const relay = await startRelaySimulator({
  firstChunkDelayMs: 60,
  chunkDelayMs: 12,
  outputTokens: 48,
  scenario: NORMAL,
  // Enough to find the calls shown in the trace section among the relay's records (a run makes a few hundred).
  maxRecordedRequests: 5000,
  billing: { limitUsd: BALANCE_USD, spentUsd: 12.5, usdPerMillionTokens: 50 },
});
const traces = await startTraceReceiver();
const metricsPort = await freePort();
const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
console.log(`simulated relay: ${relay.url}   app metrics: ${metricsUrl}   OTLP trace receiver: ${traces.endpoint}`);

const app = spawn(process.execPath, ['--import', 'otel-llm-relay/register', 'examples/demo/support-bot.mjs'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    RELAY_URL: relay.url,
    OTEL_SERVICE_NAME: 'support-bot',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    // Spans go to the receiver above, as they would to a Collector (JSON: the receiver stays small).
    OTEL_EXPORTER_OTLP_ENDPOINT: traces.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    // The health probe with its balance check: read once at start, then every 5 minutes.
    OTEL_LLM_RELAY_PROBE_URL: `${relay.url}/v1`,
    OTEL_LLM_RELAY_PROBE_BALANCE: 'true',
  },
});
const appExited = new Promise<number | null>(done => app.once('exit', code => done(code)));

const phase = durationMs / 3;
console.log(
  `[0s] normal traffic: DeepSeek for routine questions, Gemini Flash at peaks, GPT-4.1 for hard cases, Claude at night`,
);
await sleep(phase);
const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const spike: Window = { fromNs: nowNs(), toNs: nowNs() };
relay.setScenario(PEAK);
console.log(
  `[${(phase / 1000).toFixed(0)}s] sales peak: GPT-4.1 latency 0.4s -> 4s, Gemini Flash hits its rate limit (429s)`,
);
await sleep(phase);
relay.setScenario(NORMAL);
spike.toNs = nowNs();
console.log(`[${((2 * phase) / 1000).toFixed(0)}s] the relay recovers`);
await sleep(phase);

let exitCode = 0;
try {
  const text = await (await fetch(metricsUrl)).text();
  const samples = parsePrometheusText(text);
  console.log(`\nPer-model summary, read back from ${metricsUrl}:\n`);
  console.log(summary(samples));
  const left = samples.find(s => s.name === 'llm_relay_balance_remaining_usd');
  const limit = samples.find(s => s.name === 'llm_relay_balance_limit_usd');
  if (left && limit) {
    console.log(
      `\nRelay balance (the probe's balance check, read at start; every 5 minutes after): ` +
        `${left.value.toFixed(2)} USD left of ${limit.value.toFixed(2)} USD. The relay has booked ` +
        `${(relay.spentUsd - (limit.value - left.value)).toFixed(4)} USD more since.`,
    );
  }
  if (sum(samples, 'gen_ai_client_operation_duration_count') === 0) {
    console.error('\nno calls were recorded');
    exitCode = 1;
  }
} catch (err) {
  console.error('could not read the app metrics:', err);
  exitCode = 1;
}

// Stopping the app flushes its last spans (with --keep-running, the ones of the last half second wait).
if (values['keep-running']) await sleep(1000);
else {
  app.kill('SIGTERM');
  await appExited;
}
console.log(`\n${traceSection(traces.spans, traces.endpoint, relay.requests, spike)}`);
if (!traces.spans.some(s => s.scope === RELAY_SCOPE)) {
  console.error('\nno spans were received');
  exitCode = 1;
}
console.log(`\n${PRODUCTION}`);

if (values['keep-running']) {
  relay.setScenario(NORMAL);
  console.log(`\nStill running (--keep-running): point Prometheus at ${metricsUrl}; Ctrl-C to stop.`);
  await new Promise<void>(done => process.once('SIGINT', () => done()));
  app.kill('SIGTERM');
  await appExited;
}
await relay.close();
await traces.close();
process.exit(exitCode);
