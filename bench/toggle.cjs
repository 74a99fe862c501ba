'use strict';
/*
 * Our own cost per call, measured in one process: the same client makes batches of calls with the
 * instrumentation enabled and disabled in turn (ABAB…), so JIT state, heap, SDK setup and machine
 * drift are shared and only our subscribers differ. Far less noisy than comparing processes
 * (bench/run.ts), but it measures only what `enable()` adds: not the SDK's own setup (`sdk-only`).
 *
 *   node --expose-gc bench/toggle.cjs [workload] [batches] [callsPerBatch]
 *
 * Uses the relay simulator (bench/relay.ts, in a child process) and the openai copy run.ts unpacks
 * (run `npm run bench -- --quick` once first). Prints the median CPU µs per call on and off.
 */
const { spawn } = require('node:child_process');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { once } = require('node:events');
const { setupTelemetry } = require('./variants/telemetry.cjs');

const [workload = 'chat', batchArg = '20', callsArg] = process.argv.slice(2);
const batches = Number(batchArg);
const perBatch = Number(callsArg ?? (workload === 'chat' ? 200 : 30));

setupTelemetry('ours', () => {
  const { LlmRelayInstrumentation } = require(process.env.BENCH_DIST ?? '../dist');
  return [new LlmRelayInstrumentation(JSON.parse(process.env.BENCH_OPTIONS ?? '{}'))];
});
const [instrumentation] = globalThis.__benchTelemetry.instrumentations;
const root = join(__dirname, '..');
const { OpenAI } = createRequire(join(root, 'node_modules/.cache/otel-llm-relay-bench/openai-6.49.0/package.json'))(
  'openai',
);
const PROMPT = [{ role: 'user', content: 'Say hello to the benchmark in a few words.' }];

async function main() {
  const relay = spawn(process.execPath, [join(__dirname, 'relay.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(relay.stdout, 'data');
  const url = String(line).trim().split('\n')[0];
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL: `${url}/v1`, maxRetries: 0 });
  const calls = {
    chat: () => client.chat.completions.create({ model: 'gpt-4.1-mini', messages: PROMPT, max_tokens: 16 }),
    'stream-200': async () => {
      const stream = await client.chat.completions.create(
        { model: 'gpt-4.1-mini', messages: PROMPT, stream: true, stream_options: { include_usage: true } },
        { headers: { 'x-sim-output-tokens': '200' } },
      );
      for await (const chunk of stream) void chunk;
    },
    'gzip-json': () =>
      client.chat.completions.create(
        { model: 'gpt-4.1-mini', messages: PROMPT },
        { headers: { 'x-sim-output-tokens': '1000', 'x-sim-encoding': 'gzip' } },
      ),
  };
  const call = calls[workload];
  if (!call) throw new Error(`unknown workload ${workload}`);
  const samples = { on: [], off: [] };
  for (let i = 0; i < perBatch * 2; i++) await call();
  for (let b = 0; b < batches * 2; b++) {
    const on = b % 2 === 0;
    if (on) instrumentation.enable();
    else instrumentation.disable();
    for (let i = 0; i < 10; i++) await call();
    globalThis.gc?.();
    const start = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) await call();
    const used = process.cpuUsage(start);
    samples[on ? 'on' : 'off'].push((used.user + used.system) / perBatch);
  }
  relay.stdin.end();
  const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const on = median(samples.on);
  const off = median(samples.off);
  const diffs = samples.on.map((x, i) => x - samples.off[i]);
  console.log(
    `${workload} on ${process.version}: on ${on.toFixed(0)} µs/call, off ${off.toFixed(0)} µs/call, ` +
      `added (median of paired batches) ${median(diffs).toFixed(0)} µs/call ` +
      `[${Math.min(...diffs).toFixed(0)}…${Math.max(...diffs).toFixed(0)}]`,
  );
  process.exit(0);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
