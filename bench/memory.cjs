'use strict';
/*
 * The memory test: one large response read through Node's fetch, its bytes dropped as they come, so
 * that whatever the heap keeps while the body passes is what undici and the instrumentation (if any)
 * keep.
 *
 *   node --expose-gc --require bench/variants/ours.cjs bench/memory.cjs '<json job>'
 *
 * job: { url, body: 'sse' | 'json', targetBytes, samples, out }
 *   sse   a streamed chat answer of about targetBytes (one SSE event per output token)
 *   json  an embeddings response (JSON floats) of about targetBytes, one body with content-length
 *
 * The heap is read after a full GC: before the request, `samples` times while the body passes, and
 * once the response has ended. Only the spaces that hold data count; code and bytecode spaces grow
 * as V8 compiles hot functions, whatever keeps memory. "In flight" = a sample minus the heap after
 * the end (what the request held while it was open); "after" = end minus before.
 */
const { writeFileSync } = require('node:fs');

const job = JSON.parse(process.argv[2]);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const gc = globalThis.gc;
const telemetry = globalThis.__benchTelemetry;

/** Bytes of one simulated chat.completion.chunk event carrying one word (measured on the simulator). */
const SSE_BYTES_PER_TOKEN = 295;
/** Bytes of one 3072-float embedding as the simulator writes it. */
const JSON_BYTES_PER_EMBEDDING = 65_500;

function request(targetBytes) {
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
  if (job.body === 'sse') {
    const tokens = Math.max(1, Math.round(targetBytes / SSE_BYTES_PER_TOKEN));
    return fetch(`${job.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'x-sim-output-tokens': String(tokens) },
      body: JSON.stringify({
        model: 'gpt-4.1-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Write a very long answer.' }],
      }),
    });
  }
  const inputs = Math.max(1, Math.round(targetBytes / JSON_BYTES_PER_EMBEDDING));
  return fetch(`${job.url}/v1/embeddings`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: 'text-embedding-3-large',
      encoding_format: 'float',
      input: Array.from({ length: inputs }, (_, i) => `document ${i}`),
    }),
  });
}

const v8 = require('node:v8');

/** Bytes used in the V8 spaces that hold objects (not code, bytecode or read-only data), after a full GC. */
function dataHeapAfterGc() {
  gc();
  gc();
  let bytes = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (/code|trusted|read_only/.test(space.space_name)) continue;
    bytes += space.space_used_size;
  }
  return bytes;
}

async function main() {
  // Two 1 MB calls first, so that lazily built state (price table, parsers, metric series,
  // connection) is not counted.
  for (let i = 0; i < 2; i++) await (await request(1_000_000)).arrayBuffer();
  const target = job.targetBytes;

  const before = dataHeapAfterGc();
  const started = performance.now();
  const response = await request(target);
  const reader = response.body.getReader();
  const step = target / job.samples;
  const samples = [];
  let bytes = 0;
  let nextSample = step / 2;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes >= nextSample) {
      samples.push({ bytes, heapBytes: dataHeapAfterGc() });
      nextSample += step;
    }
  }
  const wallMs = performance.now() - started;
  // Let the instrumentation end its span (it may do so a tick after the last byte).
  await new Promise(resolve => setTimeout(resolve, 50));
  const end = dataHeapAfterGc();
  const spans = telemetry ? telemetry.spans() : [];
  writeFileSync(
    job.out,
    JSON.stringify({
      variant: telemetry?.variant ?? 'bare',
      body: job.body,
      status: response.status,
      bytes,
      wallMs,
      // In flight: each sample minus the heap once the response had ended.
      inFlightBytes: samples.map(sample => ({ bytes: sample.bytes, heapBytes: sample.heapBytes - end })),
      afterBytes: end - before,
      maxRssKiB: process.resourceUsage().maxRSS,
      spans,
    }),
  );
}

main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  },
);
