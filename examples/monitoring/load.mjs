// A long-running app that keeps calling an OpenAI-compatible relay, so the monitoring stack has
// traffic to show. It uses plain `fetch` and knows nothing of OpenTelemetry: run it under
//   node --import otel-llm-relay/register examples/monitoring/load.mjs
// and the relay calls become spans and metrics. It has to keep running (unlike a one-shot example)
// because Prometheus scrapes the metrics endpoint of a live process.
//
// Environment:
//   RELAY_BASE_URL    relay base URL, up to and including /v1   (default http://localhost:8080/v1)
//   RELAY_API_KEY     bearer token sent to the relay            (default sk-simulated)
//   LOAD_MODELS       comma list of models to rotate through
//   LOAD_INTERVAL_MS  pause between two calls                   (default 2000)
//   LOAD_SIM_KNOBS    `true`: ask the relay simulator (examples/relay-simulator) for an error on
//                     every 10th call and a substituted model on every 15th, through its x-sim-*
//                     headers, so the error and substitution panels have data (default false)

const baseUrl = (process.env.RELAY_BASE_URL ?? 'http://localhost:8080/v1').replace(/\/+$/, '');
const apiKey = process.env.RELAY_API_KEY ?? 'sk-simulated';
const models = (process.env.LOAD_MODELS ?? 'gpt-4.1,claude-sonnet-4-5,gemini-2.5-flash,deepseek-v3.2')
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
const intervalMs = Number(process.env.LOAD_INTERVAL_MS ?? 2000);
const simKnobs = process.env.LOAD_SIM_KNOBS === 'true';
const simFaults = ['429', '503', '500'];

const questions = [
  'Where is my order 12345?',
  'Do you have this shirt in blue, size M?',
  'How do I return an item, and what should I watch out for?',
];

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
  });
}

/** One chat call; every other one streams (with usage in the last chunk). */
async function callOnce(i) {
  const model = models[i % models.length];
  const stream = i % 2 === 1;
  const body = {
    model,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: questions[i % questions.length] }],
  };
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  if (simKnobs && i % 10 === 9) headers['x-sim-fault'] = simFaults[Math.floor(i / 10) % simFaults.length];
  if (simKnobs && i % 15 === 14) headers['x-sim-model'] = `${model}-mini`;
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  try {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    // Read the whole body: the instrumentation records the call when the response ends.
    await res.arrayBuffer();
    console.log(`${model}${stream ? ' (stream)' : ''}: HTTP ${res.status} in ${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    console.log(`${model}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

for (let i = 0; !stopping; i++) {
  await callOnce(i);
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
