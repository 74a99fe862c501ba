'use strict';
/*
 * The process the instruction benchmark counts (bench/instructions/run.ts runs it under
 * `valgrind --tool=callgrind --dump-after=node::os::GetLoadAvg* --dump-after=v8::internal::GCExtension::GC*`):
 * one variant (preloaded with --require bench/variants/<name>.cjs), one workload, calls one at a time.
 *
 *   node --predictable --predictable-gc-schedule --expose-gc --require bench/variants/ours.cjs bench/instructions/client.cjs '<json job>'
 *
 * job: { url, ackPort, openai, workload, warmup, calls, out }
 *
 * `warmup` calls, then `calls` measured calls with an os.loadavg() after the warm-up and after each
 * call, then gc(); then the span processor is flushed and a summary of what the variant recorded is
 * written to `out`. callgrind dumps and zeroes its count at each os.loadavg() and after the gc(), so
 * every measured call has a count of its own, and the last dump is the gc() of their garbage.
 * No gc() before the measured calls: a full GC with no call in flight makes V8 discard the
 * optimised code of the per-call path (bench/NOTES.md, "One count per stream").
 *
 * Streams: for each event the SDK hands over, one byte goes to the relay's ack port; the relay
 * writes the next event only then (bench/relay.ts --ack), so every event is a read of its own
 * whatever the client's speed. Every variant pays the same for the acknowledgements.
 */
const { writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { connect } = require('node:net');
const { loadavg } = require('node:os');
const { join } = require('node:path');

const job = JSON.parse(process.argv[2]);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const gc = globalThis.gc;
const telemetry = globalThis.__benchTelemetry;

const { OpenAI } = createRequire(join(job.openai, 'package.json'))('openai');

const PROMPT = 'Say hello to the benchmark in a few words.';
const MESSAGES = [{ role: 'user', content: PROMPT }];
const EMBEDDING_INPUTS = Array.from(
  { length: 80 },
  (_, i) => `document ${i}: the quick brown fox jumps over the lazy dog`,
);
const STREAM_HEADERS = { 'x-sim-output-tokens': '200' };
const ACK = Buffer.from([1]);

let ackSocket;
let events = 0;

/** Counts an event the SDK handed over and lets the relay write the next one. */
function handed() {
  events++;
  ackSocket.write(ACK);
}

function workloads() {
  const openai = () => new OpenAI({ apiKey: 'sk-bench', baseURL: `${job.url}/v1`, maxRetries: 0, timeout: 600_000 });
  switch (job.workload) {
    case 'chat': {
      const client = openai();
      return () => client.chat.completions.create({ model: 'gpt-4.1-mini', messages: MESSAGES, max_tokens: 16 });
    }
    case 'gzip-json': {
      const client = openai();
      const headers = { 'x-sim-output-tokens': '1000', 'x-sim-encoding': 'gzip' };
      return () => client.chat.completions.create({ model: 'gpt-4.1-mini', messages: MESSAGES }, { headers });
    }
    case 'embeddings-5mb': {
      const client = openai();
      return () =>
        client.embeddings.create({
          model: 'text-embedding-3-large',
          input: EMBEDDING_INPUTS,
          encoding_format: 'float',
        });
    }
    case 'stream-200': {
      const client = openai();
      return async () => {
        const stream = await client.chat.completions.create(
          { model: 'gpt-4.1-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
          { headers: STREAM_HEADERS },
        );
        for await (const chunk of stream) if (chunk) handed();
      };
    }
    case 'anthropic-stream': {
      const Anthropic = require('@anthropic-ai/sdk').default;
      const client = new Anthropic({ apiKey: 'sk-ant-bench', baseURL: job.url, maxRetries: 0, timeout: 600_000 });
      return async () => {
        const stream = await client.messages.create(
          { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: MESSAGES, stream: true },
          { headers: STREAM_HEADERS },
        );
        for await (const event of stream) if (event) handed();
      };
    }
    case 'gemini-stream': {
      const { GoogleGenAI } = require('@google/genai');
      const client = new GoogleGenAI({
        apiKey: 'gemini-bench',
        httpOptions: { baseUrl: job.url, headers: STREAM_HEADERS },
      });
      return async () => {
        const stream = await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: PROMPT });
        for await (const chunk of stream) if (chunk) handed();
      };
    }
    default:
      throw new Error(`unknown workload ${job.workload}`);
  }
}

async function run(call, n) {
  for (let i = 0; i < n; i++) await call();
}

async function main() {
  ackSocket = connect(job.ackPort, '127.0.0.1');
  ackSocket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    ackSocket.once('connect', resolve);
    ackSocket.once('error', reject);
  });
  const call = workloads();
  await run(call, job.warmup);
  const eventsBefore = events;
  loadavg();
  for (let i = 0; i < job.calls; i++) {
    await call();
    loadavg();
  }
  gc();
  await telemetry?.flush?.();
  const spanCount = telemetry?.spanCount();
  const result = {
    variant: telemetry?.variant ?? 'bare',
    workload: job.workload,
    node: process.version,
    warmup: job.warmup,
    calls: job.calls,
    eventsPerCall: job.calls > 0 ? (events - eventsBefore) / job.calls : 0,
    // Spans exported per call, warm-up included (undefined: the variant cannot count them).
    spansPerCall: spanCount === undefined ? undefined : spanCount / (job.warmup + job.calls),
    // Spans per call by instrumentation scope (an SDK tracing itself, e.g. @anthropic-ai/sdk, has its own).
    spansByScope: telemetry
      ? Object.fromEntries(telemetry.spans().map(s => [s.scope, s.spans / (job.warmup + job.calls)]))
      : {},
    metrics: telemetry ? await telemetry.scrape() : {},
  };
  writeFileSync(job.out, JSON.stringify(result));
  ackSocket.end();
}

main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  },
);
