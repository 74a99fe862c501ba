'use strict';
/*
 * The measured process: one variant (preloaded with --require bench/variants/<name>.cjs), one
 * workload. It is CommonJS so that the SDK-patching peers, which hook `require`, see `openai` load.
 *
 *   node --expose-gc --require bench/variants/ours.cjs bench/client.cjs '<json job>'
 *
 * job: { url, openai, workload, calls, warmup, concurrency, out }
 *   openai  directory of the openai package every variant uses (the same copy for all)
 *   out     file the result (JSON) is written to
 *
 * Measured: wall time and process CPU (all threads: zlib, GC helpers) over `calls` calls after
 * `warmup` calls, each call's latency (request to last body byte), peak RSS, and heap after GC.
 */
const { writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');

const job = JSON.parse(process.argv[2]);
const { OpenAI } = createRequire(join(job.openai, 'package.json'))('openai');

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const gc = globalThis.gc;
const telemetry = globalThis.__benchTelemetry;

// maxRetries as the SDK's default: under load a keep-alive connection can be closed by the relay just
// as a request is sent on it (ECONNRESET); the SDK retries that, as it would in an app.
const client = new OpenAI({ apiKey: 'sk-bench', baseURL: `${job.url}/v1`, maxRetries: 2, timeout: 120_000 });

const PROMPT = [{ role: 'user', content: 'Say hello to the benchmark in a few words.' }];
/** 80 inputs × 3072 dimensions (text-embedding-3-large) as JSON floats: a ~5.2 MB response. */
const EMBEDDING_INPUTS = Array.from(
  { length: 80 },
  (_, i) => `document ${i}: the quick brown fox jumps over the lazy dog`,
);

/** A streamed chat answer of 200 output chunks (plus the role chunk and the usage chunk), read to the end. */
async function stream200() {
  // `await`, not `.then`: a patched `create` may return a plain promise or another thenable.
  const stream = await client.chat.completions.create(
    { model: 'gpt-4.1-mini', messages: PROMPT, stream: true, stream_options: { include_usage: true } },
    { headers: { 'x-sim-output-tokens': '200' } },
  );
  let chunks = 0;
  for await (const chunk of stream) if (chunk) chunks++;
  return chunks;
}

/** One call of each workload; each resolves once the whole body has been read by the SDK. */
const CALLS = {
  chat: () => client.chat.completions.create({ model: 'gpt-4.1-mini', messages: PROMPT, max_tokens: 16 }),
  'stream-200': stream200,
  'gzip-json': () =>
    client.chat.completions.create(
      { model: 'gpt-4.1-mini', messages: PROMPT },
      { headers: { 'x-sim-output-tokens': '1000', 'x-sim-encoding': 'gzip' } },
    ),
  'embeddings-5mb': () =>
    client.embeddings.create({ model: 'text-embedding-3-large', input: EMBEDDING_INPUTS, encoding_format: 'float' }),
  'streams-64': stream200,
};

/** Runs `total` calls, `concurrency` at a time; returns each call's latency in ms. */
async function run(call, total, concurrency) {
  const latencies = new Array(total);
  let next = 0;
  async function worker() {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      await call();
      latencies[i] = performance.now() - started;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return latencies;
}

/** Waits until the span count stops changing (spans may end a tick after the body). */
async function settleSpans() {
  if (!telemetry) return;
  let last = -1;
  for (let i = 0; i < 50; i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
    const now = telemetry.spanCount();
    if (now === last) return;
    last = now;
  }
}

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  const call = CALLS[job.workload];
  if (!call) throw new Error(`unknown workload ${job.workload}`);
  await run(call, job.warmup, job.concurrency);
  await settleSpans();
  const heapBefore = heapAfterGc();
  const spansBefore = telemetry?.spanCount() ?? 0;

  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const latencies = await run(call, job.calls, job.concurrency);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);

  await settleSpans();
  const heapAfter = heapAfterGc();
  const spanCount = telemetry?.spanCount();
  const result = {
    variant: telemetry?.variant ?? 'bare',
    workload: job.workload,
    node: process.version,
    calls: job.calls,
    concurrency: job.concurrency,
    wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    latenciesMs: latencies,
    maxRssKiB: process.resourceUsage().maxRSS,
    heapBeforeBytes: heapBefore,
    heapAfterBytes: heapAfter,
    // Spans ended during the measured calls, all scopes together (undefined when they cannot be counted).
    spansMeasured: spanCount === undefined ? undefined : spanCount - spansBefore,
    spans: telemetry ? telemetry.spans() : [],
    metrics: telemetry ? await telemetry.scrape() : {},
  };
  writeFileSync(job.out, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  },
);
