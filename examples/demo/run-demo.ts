/*
 * `npm run demo`: the bundled simulated relay, an unmodified support-bot app under
 * `node --import otel-llm-relay/register`, a realistic traffic mix over four models with a latency
 * spike and a burst of 429s, then a per-model summary read back from the app's /metrics, and the
 * balance the relay reports to the health probe's balance check.
 *   node examples/demo/run-demo.ts [--duration 24] [--keep-running]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startRelaySimulator } from '../relay-simulator/server.ts';
import type { Scenario } from '../relay-simulator/server.ts';
import { histogramQuantile, parsePrometheusText, sum } from './prometheus-text.ts';
import type { Sample } from './prometheus-text.ts';

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
  return rows.map(r => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The key's quota on the relay's billing routes (`GET …/dashboard/billing/subscription`), in USD. */
const BALANCE_USD = 20;
const relay = await startRelaySimulator({
  firstChunkDelayMs: 60,
  chunkDelayMs: 12,
  outputTokens: 48,
  scenario: NORMAL,
  billing: { limitUsd: BALANCE_USD, spentUsd: 12.5, usdPerMillionTokens: 50 },
});
const metricsPort = await freePort();
const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
console.log(`simulated relay: ${relay.url}   app metrics: ${metricsUrl}`);

const app = spawn(process.execPath, ['--import', 'otel-llm-relay/register', 'examples/demo/support-bot.mjs'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    RELAY_URL: relay.url,
    OTEL_SERVICE_NAME: 'support-bot',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    // The health probe with its balance check: read once at start, then every 5 minutes.
    OTEL_LLM_RELAY_PROBE_URL: `${relay.url}/v1`,
    OTEL_LLM_RELAY_PROBE_BALANCE: 'true',
  },
});
const appExited = new Promise<number | null>(done => app.once('exit', code => done(code)));

const phase = durationMs / 3;
console.log(`[0s] normal traffic: DeepSeek for routine questions, Gemini Flash at peaks, GPT-4.1 for hard cases, Claude at night`);
await sleep(phase);
relay.setScenario(PEAK);
console.log(`[${(phase / 1000).toFixed(0)}s] sales peak: GPT-4.1 latency 0.4s -> 4s, Gemini Flash hits its rate limit (429s)`);
await sleep(phase);
relay.setScenario(NORMAL);
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
        `${(relay.spentUsd - (limit.value - left.value)).toFixed(4)} USD more since.`
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

if (values['keep-running']) {
  relay.setScenario(NORMAL);
  console.log(`\nStill running (--keep-running): point Prometheus at ${metricsUrl}; Ctrl-C to stop.`);
  await new Promise<void>(done => process.once('SIGINT', () => done()));
}
app.kill('SIGTERM');
await appExited;
await relay.close();
process.exit(exitCode);
