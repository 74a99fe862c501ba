// A long-running app that keeps calling an OpenAI-compatible relay, so the monitoring stack has
// traffic to show. It uses plain `fetch` and knows nothing of OpenTelemetry: run it under
//   node --import otel-llm-relay/register examples/monitoring/load.mjs
// and the relay calls become spans and metrics. It has to keep running (unlike a one-shot example)
// because Prometheus scrapes the metrics endpoint of a live process.
//
// Calls start at a steady pace whatever the relay's latency (a slow model does not slow the others
// down, as with real users), each model in turn; every model alternates plain and streaming calls.
//
// Environment:
//   RELAY_BASE_URL     relay base URL, up to and including /v1   (default http://localhost:8080/v1)
//   RELAY_API_KEY      bearer token sent to the relay            (default sk-simulated)
//   LOAD_MODELS        comma list of models to rotate through
//   LOAD_INTERVAL_MS   time between the starts of two calls      (default 2000)
//   LOAD_MAX_IN_FLIGHT calls waiting for the relay at most; the next call waits for one to end (default 20)
//   LOAD_SIM_KNOBS     `true`: ask the relay simulator (examples/relay-simulator) for an error on
//                      every 10th call and a substituted model on every 15th, through its x-sim-*
//                      headers, so the error and substitution panels have data (default false)
//   LOAD_CACHED_TOKENS, LOAD_CACHE_WRITE_TOKENS
//                      ask the relay simulator to report this many prompt tokens as read from / written
//                      to its prompt cache on every call (x-sim-cached-tokens, x-sim-cache-write-tokens),
//                      so the cache panel has data (default: not asked)
//
// Like the OpenAI and Anthropic SDKs, it retries a 429 or 5xx answer twice after a short backoff
// and marks every attempt with `x-stainless-retry-count` (0 first), so the retry panel has data.

const baseUrl = (process.env.RELAY_BASE_URL ?? 'http://localhost:8080/v1').replace(/\/+$/, '');
const apiKey = process.env.RELAY_API_KEY ?? 'sk-simulated';
const models = (process.env.LOAD_MODELS ?? 'gpt-4.1,claude-sonnet-4-5,gemini-2.5-flash,deepseek-v3.2')
  .split(',')
  .map(m => m.trim())
  .filter(Boolean);
const intervalMs = Math.max(1, Number(process.env.LOAD_INTERVAL_MS ?? 2000) || 2000);
const maxInFlight = Math.max(1, Number(process.env.LOAD_MAX_IN_FLIGHT ?? 20) || 20);
const simKnobs = process.env.LOAD_SIM_KNOBS === 'true';
const simFaults = ['429', '503', '500'];
const cacheKnobs = {
  ...(process.env.LOAD_CACHED_TOKENS ? { 'x-sim-cached-tokens': process.env.LOAD_CACHED_TOKENS } : {}),
  ...(process.env.LOAD_CACHE_WRITE_TOKENS ? { 'x-sim-cache-write-tokens': process.env.LOAD_CACHE_WRITE_TOKENS } : {}),
};

const questions = [
  'Where is my order 12345?',
  'Do you have this shirt in blue, size M?',
  'How do I return an item, and what should I watch out for?',
];

/** Calls waiting for the relay; aborted on SIGINT/SIGTERM so that the app stops at once. */
const inFlight = new Set();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    for (const controller of inFlight) controller.abort();
  });
}

/** One chat call. Call i is for model i mod n; each model's calls alternate plain and streaming. */
async function callOnce(i) {
  const model = models[i % models.length];
  const stream = Math.floor(i / models.length) % 2 === 1;
  const body = {
    model,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: questions[i % questions.length] }],
  };
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...cacheKnobs };
  if (simKnobs && i % 10 === 9) headers['x-sim-fault'] = simFaults[Math.floor(i / 10) % simFaults.length];
  if (simKnobs && i % 15 === 14) headers['x-sim-model'] = `${model}-mini`;
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  inFlight.add(controller);
  try {
    let res;
    for (let attempt = 0; ; attempt++) {
      res = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { ...headers, 'x-stainless-retry-count': String(attempt) },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      // Read the whole body: the instrumentation records the call when the response ends.
      await res.arrayBuffer();
      if (attempt >= 2 || (res.status !== 429 && res.status < 500) || stopping) break;
      await sleep(250 * 2 ** attempt);
    }
    console.log(
      `${model}${stream ? ' (stream)' : ''}: HTTP ${res.status} in ${Math.round(performance.now() - started)} ms`,
    );
  } catch (err) {
    if (!stopping) console.log(`${model}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
    inFlight.delete(controller);
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

for (let i = 0; !stopping; i++) {
  while (inFlight.size >= maxInFlight && !stopping) await sleep(Math.min(intervalMs, 100));
  if (stopping) break;
  void callOnce(i);
  await sleep(intervalMs);
}
