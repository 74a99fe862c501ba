// An app making one relay call whose answer is hostile, run bare and under the register hook by
// hostile-bodies.test.ts. Usage: node [--import otel-llm-relay/register] hostile-body-app.mjs <url> <case> <how>
//   how: cancel (reads the headers, cancels the body unread), read (reads the body whole),
//        abort-after-first-chunk (a streamed call: reads one chunk, then aborts).
// It warms up with one small call of the same kind, then measures `calls` hostile calls (default 1),
// one after the other, until the process
// has been idle for a while (our decoders may work on after the app is done): the longest event-loop
// stall, the RSS growth and the CPU time. Prints them as one JSON line.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const [url, hostileCase, how, calls = '1'] = process.argv.slice(2);
const streamed = how === 'abort-after-first-chunk' || hostileCase.startsWith('sse');

async function call(name) {
  const controller = new AbortController();
  const body = { model: 'gpt-4.1', stream: streamed, messages: [{ role: 'user', content: 'hi' }] };
  const response = await fetch(`${url}/v1/chat/completions?case=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  try {
    if (how === 'cancel') await response.body.cancel();
    else if (how === 'read') await response.arrayBuffer();
    else {
      const reader = response.body.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => {});
    }
  } catch {
    // What the app makes of a hostile body is not measured here, only what it costs.
  }
}

const cpuMs = since => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

await call(`warm-${hostileCase}`);
await new Promise(r => setTimeout(r, 200));
globalThis.gc?.();

const loop = monitorEventLoopDelay({ resolution: 5 });
const rssBefore = process.memoryUsage.rss();
let rssMax = rssBefore;
const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 5);
loop.enable();
const cpuBefore = process.cpuUsage();
for (let i = 0; i < Number(calls); i++) await call(hostileCase);
// Idle: less than 3 ms of CPU in 100 ms, twice in a row (at most 20 s).
for (let quiet = 0, i = 0; quiet < 2 && i < 200; i++) {
  const mark = process.cpuUsage();
  await new Promise(r => setTimeout(r, 100));
  quiet = cpuMs(mark) < 3 ? quiet + 1 : 0;
}
const cpu = cpuMs(cpuBefore);
loop.disable();
clearInterval(sampler);
rssMax = Math.max(rssMax, process.memoryUsage.rss());
process.stdout.write(
  `${JSON.stringify({ stallMs: loop.max / 1e6, rssGrowthMiB: (rssMax - rssBefore) / 2 ** 20, cpuMs: cpu })}\n`,
);
