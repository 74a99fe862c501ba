// `npm run demo` (its Node 22+ part): the support bot runs under the register hook against the
// simulated relay; the per-model summary read back from /metrics covers all four models, and the
// trace section shows telling spans the app exported over OTLP, with the values of this run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const MODEL_ROW = /^(deepseek-v3\.2|gemini-2\.5-flash|gpt-4\.1|claude-sonnet-4\.5)\s/;

let output: { code: number | null; stdout: string };

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  output = await new Promise(done => {
    // 6 s per phase and 12 workers: the latency spike surely catches some GPT-4.1 calls, and they
    // end (4 s later) before the run does.
    const child = spawn(process.execPath, ['examples/demo/run-demo.ts', '--duration', '18'], {
      cwd: root,
      env: { ...process.env, BOT_CONCURRENCY: '12' },
    });
    let stdout = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stdout += d));
    child.on('close', code => done({ code, stdout }));
  });
}, 90_000);

describe('npm run demo', () => {
  it('prints a per-model summary with calls, latency, tokens and cost for the four models', () => {
    expect(output.code, output.stdout).toBe(0);
    expect(output.stdout).toContain('sales peak');
    const rows = output.stdout.split('\n').filter(line => MODEL_ROW.test(line));
    expect(rows).toHaveLength(4);
    // The bot picks models at random (half of the questions go to DeepSeek): a short run may miss the rarest.
    const withCalls = rows.filter(row => Number(row.trim().split(/\s+/)[1]) > 0);
    expect(withCalls.length, rows.join('\n')).toBeGreaterThanOrEqual(2);
    for (const row of withCalls) {
      const [, , , , p50, p95] = row.trim().split(/\s+/);
      expect(p50, row).toMatch(/^\d+(\.\d+)?s$/);
      expect(p95, row).toMatch(/^\d+(\.\d+)?s$/);
    }
    // Cost is the last column: priced models cost something.
    expect(rows.some(row => Number(row.trim().split(/\s+/).at(-1)) > 0)).toBe(true);
    // The probe's balance check read the simulated relay's billing routes.
    expect(output.stdout).toMatch(/Relay balance \(the probe's balance check.*\): \d+\.\d\d USD left of 20\.00 USD/);
    // No diag noise in front of the user.
    expect(output.stdout).not.toMatch(/Accessing resource attributes|Error:/);
  });

  it('shows the slowest call of the spike, a 429 and a stream as spans with their attributes and place in the trace', () => {
    expect(output.code, output.stdout).toBe(0);
    const { stdout } = output;
    const slow = spanBlock(stdout, 'The slowest call of the latency spike');
    const limited = spanBlock(stdout, 'A rate-limited call (429)');
    const stream = spanBlock(stdout, 'A streamed answer');

    // Each span sits in its own trace, with well-formed ids; a parent, when shown, is named.
    for (const span of [slow, limited, stream]) {
      expect(span.traceId, span.text).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId, span.text).toMatch(/^[0-9a-f]{16}$/);
      expect(span.parent, span.text).toMatch(/^(none \(a root span\)|[\w.]+ [0-9a-f]{16})$/);
      expect(span.name).toBe(`chat ${span.attributes['gen_ai.request.model']}`);
      expect(span.attributes['gen_ai.operation.name']).toBe('chat');
      expect(span.attributes['server.address'], span.text).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    expect(new Set([slow.traceId, limited.traceId, stream.traceId]).size).toBe(3);

    // The slowest call is one the spike slowed down, and slower than the others shown.
    const spikeLatency = Number(/GPT-4\.1 latency [\d.]+s -> ([\d.]+)s/.exec(stdout)?.[1]);
    expect(spikeLatency).toBeGreaterThan(1);
    expect(slow.attributes['gen_ai.request.model'], slow.text).toBe('gpt-4.1');
    expect(slow.seconds, slow.text).toBeGreaterThanOrEqual(spikeLatency);
    expect(slow.seconds).toBeGreaterThan(Math.max(limited.seconds, stream.seconds));
    expect(Number(slow.attributes['gen_ai.usage.output_tokens'])).toBeGreaterThan(0);
    expect(Number(slow.attributes['llm_relay.cost.usd'])).toBeGreaterThan(0);
    expect(slow.attributes['gen_ai.response.finish_reasons']).toBe('stop');

    // The 429 comes from the model whose rate limit the peak exhausts; it has no usage and is an error.
    expect(limited.attributes['error.type'], limited.text).toBe('429');
    expect(limited.status).toBe('ERROR');
    expect(limited.attributes['gen_ai.request.model']).toBe('gemini-2.5-flash');
    expect(limited.attributes['gen_ai.usage.output_tokens']).toBeUndefined();

    // The stream has its time to first chunk, shorter than the whole call, and its usage.
    const ttfc = Number(stream.attributes['gen_ai.response.time_to_first_chunk']?.replace(/s$/, ''));
    expect(ttfc, stream.text).toBeGreaterThan(0);
    expect(ttfc).toBeLessThan(stream.seconds);
    expect(Number(stream.attributes['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
    expect(Number(stream.attributes['gen_ai.usage.output_tokens'])).toBeGreaterThan(0);
    expect(stream.attributes['gen_ai.response.finish_reasons']).toBeDefined();
    expect(stream.attributes['error.type']).toBeUndefined();

    // The relay received the root span's context: its trace goes on past the app.
    const root = [slow, limited, stream].find(s => s.parent.startsWith('none'))!;
    expect(stdout).toMatch(new RegExp(`traceparent\\s+00-${root.traceId}-${root.spanId}-01`));

    // Every call the metrics counted has its span (the spans are read after the app flushed them).
    const spanCount = Number(/^Traces: (\d+) spans/m.exec(stdout)?.[1]);
    const calls = stdout
      .split('\n')
      .filter(line => MODEL_ROW.test(line))
      .reduce((n, row) => n + Number(row.trim().split(/\s+/)[1]), 0);
    expect(calls).toBeGreaterThan(0);
    expect(spanCount).toBeGreaterThanOrEqual(calls);

    // Where the same data goes in production.
    expect(stdout).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=');
    expect(stdout).toMatch(/Grafana http:\/\/localhost:3000/);
    expect(stdout).toMatch(/Jaeger http:\/\/localhost:16686/);
  });
});

interface SpanBlock {
  text: string;
  name: string;
  seconds: number;
  status: string;
  traceId: string;
  spanId: string;
  parent: string;
  attributes: Record<string, string>;
}

/** One span as the demo prints it: a title line, an ids line, then attribute rows in two columns. */
function spanBlock(stdout: string, title: string): SpanBlock {
  const start = stdout.indexOf(`${title}: `);
  expect(start, `no "${title}" in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const text = stdout.slice(start).split('\n\n')[0]!;
  const [head, ids, ...rows] = text.split('\n');
  const headMatch = /: (.+), ([\d.]+)s, status (\w+)$/.exec(head!);
  const idsMatch = /trace (\S+) {2}span (\S+) {2}parent: (.+)$/.exec(ids!);
  expect(headMatch, text).not.toBeNull();
  expect(idsMatch, text).not.toBeNull();
  const attributes: Record<string, string> = {};
  for (const row of rows) {
    for (const [, key, value] of row.matchAll(/([a-z_]+(?:\.[a-z_]+)+) {2,}(\S+)/g)) attributes[key!] = value!;
  }
  return {
    text,
    name: headMatch![1]!,
    seconds: Number(headMatch![2]),
    status: headMatch![3]!,
    traceId: idsMatch![1]!,
    spanId: idsMatch![2]!,
    parent: idsMatch![3]!,
    attributes,
  };
}
