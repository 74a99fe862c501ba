'use strict';
/*
 * Our hook path alone, in one process, with no network and no SDK client: the undici diagnostics
 * channels are published by hand with the messages undici sends for one call (create, request body,
 * response headers, response body chunks, trailers), so every µs measured is ours or the
 * OpenTelemetry SDK's (span start and end through a SimpleSpanProcessor, metric records). The
 * bodies are those of the bench workloads (a small chat completion; a 200-chunk stream with usage).
 *
 *   node bench/hook-path.cjs [chat|stream-200|gzip-json] [calls]
 *
 * Prints µs per call (median of 7 batches). Uses dist/ (or BENCH_DIST). Far steadier than the
 * end-to-end bench, which it does not replace: it leaves out the Node 22 per-request tap (the
 * channels deliver the body here) and everything undici and the app do.
 *
 * Instruction mode, for valgrind (deterministic, unlike time on this machine): HOOK_PATH_WARMUP=W
 * runs W warm-up calls, then N calls each followed by os.loadavg(), then gc(), and no timing loop.
 * Under `valgrind --tool=callgrind --dump-after='node::os::GetLoadAvg*'` each call gets a count of
 * its own, as in the end-to-end instruction bench (bench/README.md, "Why the median call");
 * bench/instructions.sh runs it and prints the median call.
 *
 * HOOK_PATH_PROMETHEUS=1: three rounds of N calls, each followed by a scrape; prints the last
 * scrape's lines, sorted, without the timing metrics (to check a change leaves the output alone).
 */
const diagnosticsChannel = require('node:diagnostics_channel');
const os = require('node:os');
const zlib = require('node:zlib');
const { setupTelemetry } = require('./variants/telemetry.cjs');

const [workload = 'chat', callsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? (workload === 'stream-200' ? 400 : 4000));

// HOOK_PATH_BARE=1: no instrumentation, the harness alone (to subtract from the figures).
setupTelemetry('ours', () => {
  if (process.env.HOOK_PATH_BARE) return [];
  const { LlmRelayInstrumentation } = require(process.env.BENCH_DIST ?? '../dist');
  return [new LlmRelayInstrumentation()];
});
const telemetry = globalThis.__benchTelemetry;

const channel = name => diagnosticsChannel.channel(`undici:request:${name}`);
const create = channel('create');
const bodyChunkSent = channel('bodyChunkSent');
const bodySent = channel('bodySent');
const headers = channel('headers');
const bodyChunkReceived = channel('bodyChunkReceived');
const trailers = channel('trailers');

const MODEL = 'gpt-4.1-mini';
// What the openai SDK sends, as undici >= 6.7 hands it to `create` (a flat array).
const REQUEST_HEADERS = [
  'content-type',
  'application/json',
  'accept',
  'application/json',
  'authorization',
  'Bearer sk-bench',
  'user-agent',
  'OpenAI/JS 6.49.0',
  'x-stainless-arch',
  'x64',
  'x-stainless-lang',
  'js',
  'x-stainless-os',
  'Linux',
  'x-stainless-package-version',
  '6.49.0',
  'x-stainless-retry-count',
  '0',
  'x-stainless-runtime',
  'node',
  'x-stainless-runtime-version',
  process.version,
  'x-stainless-timeout',
  '120',
];
const rateLimitHeaders = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-limit-tokens': '2000000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-remaining-tokens': '1999000',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-reset-tokens': '30ms',
};
function responseHeaders(contentType, extra = {}) {
  const all = {
    'content-type': contentType,
    date: new Date().toUTCString(),
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    ...rateLimitHeaders,
    'x-request-id': 'req_bench',
    ...extra,
  };
  return Object.entries(all).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
}

const PROMPT = [{ role: 'user', content: 'Say hello to the benchmark in a few words.' }];
const usage = (input, output) => ({
  prompt_tokens: input,
  completion_tokens: output,
  total_tokens: input + output,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});
function completion(words) {
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1731000000,
    model: `${MODEL}-2025-04-14`,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: Array.from({ length: words }, (_, i) => `word${i}`).join(' '),
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usage(19, words),
    service_tier: 'default',
    system_fingerprint: 'fp_bench',
  };
}
function sseChunks(n) {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1731000000,
    model: `${MODEL}-2025-04-14`,
    service_tier: 'default',
    system_fingerprint: 'fp_bench',
  };
  const event = body => Buffer.from(`data: ${JSON.stringify(body)}\n\n`);
  const chunks = [
    event({
      ...base,
      choices: [
        { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      ],
      usage: null,
    }),
  ];
  for (let i = 0; i < n; i++)
    chunks.push(
      event({
        ...base,
        choices: [{ index: 0, delta: { content: ` word${i}` }, logprobs: null, finish_reason: null }],
        usage: null,
        obfuscation: 'abc',
      }),
    );
  chunks.push(
    event({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null }),
  );
  chunks.push(event({ ...base, choices: [], usage: usage(19, n) }));
  chunks.push(Buffer.from('data: [DONE]\n\n'));
  return chunks;
}

const WORKLOADS = {
  chat: {
    body: { model: MODEL, messages: PROMPT, max_tokens: 16 },
    headers: responseHeaders('application/json'),
    chunks: [Buffer.from(JSON.stringify(completion(12)))],
  },
  'gzip-json': {
    body: { model: MODEL, messages: PROMPT },
    headers: responseHeaders('application/json', { 'content-encoding': 'gzip' }),
    chunks: [zlib.gzipSync(JSON.stringify(completion(1000)))],
  },
  'stream-200': {
    body: { model: MODEL, messages: PROMPT, stream: true, stream_options: { include_usage: true } },
    headers: responseHeaders('text/event-stream; charset=utf-8'),
    chunks: sseChunks(200),
  },
};
const spec = WORKLOADS[workload];
if (!spec) throw new Error(`unknown workload ${workload} (known: ${Object.keys(WORKLOADS).join(', ')})`);
const requestBody = Buffer.from(JSON.stringify(spec.body));

/** undici's Request stand-in: what our subscriber reads, and addHeader for traceparent injection. */
class Request {
  constructor() {
    this.method = 'POST';
    this.origin = 'http://127.0.0.1:8080';
    this.path = '/v1/chat/completions'; // every workload is a chat completion
    this.headers = [...REQUEST_HEADERS];
  }
  addHeader(name, value) {
    this.headers.push(name, value);
    return this;
  }
}

/** One call through the channels; resolves once the span has ended (a compressed body decodes on later ticks). */
function oneCall() {
  const request = new Request();
  create.publish({ request });
  bodyChunkSent.publish({ request, chunk: requestBody });
  bodySent.publish({ request });
  headers.publish({ request, response: { statusCode: 200, statusText: 'OK', headers: spec.headers } });
  for (const chunk of spec.chunks) bodyChunkReceived.publish({ request, chunk });
  trailers.publish({ request, trailers: [] });
}

async function batch(n) {
  const spansBefore = telemetry.spanCount();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    oneCall();
    // Let zlib callbacks and span ends run, as the event loop would between calls.
    if (workload === 'gzip-json') await new Promise(setImmediate);
  }
  // Nobody listening (HOOK_PATH_BARE): no span will come.
  const spansExpected = create.hasSubscribers && process.env.BENCH_TRACER !== 'none' ? n : 0;
  while (telemetry.spanCount() - spansBefore < spansExpected) await new Promise(setImmediate);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

async function instructionMode(warmup) {
  if (typeof globalThis.gc !== 'function') throw new Error('instruction mode needs --expose-gc');
  // No gc() before the measured calls: a full GC with no call in flight discards optimised code.
  await batch(warmup);
  os.loadavg(); // callgrind dumps here: start-up and warm-up
  for (let i = 0; i < calls; i++) {
    await batch(1);
    os.loadavg(); // this call's count
  }
  globalThis.gc(); // dumped too: the garbage left
}

async function prometheusMode() {
  for (let round = 0; round < 3; round++) {
    await batch(calls);
    const text = await telemetry.prometheusText();
    if (round < 2) continue;
    const timing = /duration|time_to_first|time_per_output/;
    console.log(
      text
        .split('\n')
        .filter(line => line && !timing.test(line))
        .sort()
        .join('\n'),
    );
  }
}

async function main() {
  if (process.env.HOOK_PATH_PROMETHEUS !== undefined) return prometheusMode();
  if (process.env.HOOK_PATH_WARMUP !== undefined) return instructionMode(Number(process.env.HOOK_PATH_WARMUP));
  await batch(Math.min(calls, 500)); // warm-up: JIT, first-use module loading
  const results = [];
  for (let i = 0; i < 7; i++) results.push(await batch(calls));
  results.sort((a, b) => a - b);
  const spans = telemetry.spans();
  const last = spans[0]?.lastAttributes ?? {};
  console.log(
    `${workload} on ${process.version}: ${results[3].toFixed(1)} µs per call (batches ${results[0].toFixed(1)}…${results[6].toFixed(1)}); ` +
      `last span: output_tokens=${last['gen_ai.usage.output_tokens']} cost=${last['llm_relay.cost.usd']}`,
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
