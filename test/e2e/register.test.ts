/*
 * `node --import otel-llm-relay/register app` on an unmodified ESM app and CJS app: the spans and
 * metrics reach an OTLP receiver, the app's own output is unchanged, and it exits by itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child-process';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { startOtlpReceiver } from '../support/otlp-receiver';
import type { OtlpReceiver } from '../support/otlp-receiver';

const root = resolve(__dirname, '../..');

let relay: RelaySimulator;
let otlp: OtlpReceiver;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  relay = await startRelaySimulator();
  otlp = await startOtlpReceiver();
});
afterAll(async () => {
  await relay?.close();
  await otlp?.close();
});

const appEnv = () => ({
  RELAY_URL: relay.url,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_SERVICE_NAME: 'e2e-app',
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

describe('register hook', () => {
  it.each([
    ['ESM', 'examples/zero-code/chat-app.mjs', ['chat gpt-4.1', 'chat deepseek-v3.2']],
    ['CommonJS', 'examples/zero-code/chat-app.cjs', ['chat claude-sonnet-4.5', 'generate_content gemini-2.5-flash']],
  ])('exports relay spans and metrics for a %s app', async (_kind, app, expectedSpans) => {
    const before = otlp.spans.length;
    const result = await runNode(['--import', 'otel-llm-relay/register', app], appEnv());
    expect(result.stderr).not.toMatch(/Error|error/);
    expect(result.code).toBe(0);
    const spans = otlp.spans.slice(before).filter(s => s.scope === 'otel-llm-relay');
    expect(spans.map(s => s.name).sort()).toEqual([...expectedSpans].sort());
    for (const span of spans) {
      expect(span.kind).toBe(3); // CLIENT
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(span.attributes['server.address']).toBe('127.0.0.1');
    }
    const names = new Set(otlp.metrics.map(m => m.name));
    expect(names).toContain('gen_ai.client.operation.duration');
    expect(names).toContain('gen_ai.client.token.usage');
    expect(names).toContain('llm_relay.cost.usd');
  });

  it('EVENT_ONLY: the content reaches the OTLP logs endpoint as gen_ai.client.inference.operation.details events of the spans', async () => {
    const [spansBefore, logsBefore] = [otlp.spans.length, otlp.logs.length];
    const result = await runNode(['--import', 'otel-llm-relay/register', 'examples/zero-code/chat-app.mjs'], {
      ...appEnv(),
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
    expect(result.code).toBe(0);
    const spans = otlp.spans.slice(spansBefore).filter(s => s.scope === 'otel-llm-relay');
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    const events = otlp.logs.slice(logsBefore).filter(l => l.eventName === 'gen_ai.client.inference.operation.details');
    expect(events.map(e => `${e.traceId} ${e.spanId}`).sort()).toEqual(
      spans.map(s => `${s.traceId} ${s.spanId}`).sort(),
    );
    for (const event of events) {
      expect(Array.isArray(event.attributes['gen_ai.input.messages'])).toBe(true);
      expect(Array.isArray(event.attributes['gen_ai.output.messages'])).toBe(true);
    }
  });

  it.each([
    ['openai', 'examples/sdk-clients/openai-streaming.mjs', 'chat gpt-4.1'],
    ['Anthropic', 'examples/sdk-clients/anthropic-streaming.mjs', 'chat claude-sonnet-4.5'],
    ['Vercel AI SDK', 'examples/sdk-clients/vercel-ai-streaming.mjs', 'chat deepseek-v3.2'],
  ])('the %s streaming example gives one streaming relay span', async (_sdk, app, spanName) => {
    const before = otlp.spans.length;
    const result = await runNode(['--import', 'otel-llm-relay/register', app], appEnv());
    expect(result.code).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    const spans = otlp.spans.slice(before).filter(s => s.scope === 'otel-llm-relay');
    expect(spans.map(s => s.name)).toEqual([spanName]);
    expect(spans[0]!.attributes['gen_ai.request.stream']).toBe(true);
    expect(spans[0]!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(spans[0]!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it(
    'the existing-SDK example adds the instrumentation to its own NodeSDK and Prometheus exporter',
    { timeout: 60_000 },
    async () => {
      const port = 19000 + Math.floor(Math.random() * 2000);
      const child = spawn(
        process.execPath,
        ['--require', './examples/existing-sdk/telemetry.cjs', 'examples/demo/support-bot.mjs'],
        {
          cwd: root,
          env: {
            ...process.env,
            RELAY_URL: relay.url,
            METRICS_PORT: String(port),
            // Killed as soon as a scrape shows calls; long enough for a slow start on a loaded machine.
            BOT_DURATION_MS: '30000',
            BOT_CONCURRENCY: '2',
            OTEL_TRACES_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'none',
          },
        },
      );
      const exited = new Promise(done => child.on('exit', done));
      let text = '';
      const deadline = Date.now() + 30_000;
      while (
        !text.includes('gen_ai_client_operation_duration_count') &&
        Date.now() < deadline &&
        child.exitCode === null
      ) {
        await new Promise(r => setTimeout(r, 100));
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          r => r.text(),
          () => '',
        );
      }
      child.kill('SIGTERM');
      await exited;
      expect(text).toMatch(/gen_ai_client_operation_duration_count\{[^}]*app_team="customer-service"/);
      expect(text).toContain('service_name="support-bot"');
    },
  );

  it('flushes spans and metrics when the app is stopped with SIGTERM', async () => {
    const before = otlp.spans.length;
    const requestsBefore = relay.requests.length;
    const child = spawn(process.execPath, ['--import', 'otel-llm-relay/register', 'examples/demo/support-bot.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        ...appEnv(),
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
        BOT_CONCURRENCY: '2',
      },
    });
    const exited = new Promise<number | null>(done => child.on('exit', code => done(code)));
    // Let it make some calls; nothing is exported yet (the export delays are a minute).
    const deadline = Date.now() + 10_000;
    while (relay.requests.length < requestsBefore + 5 && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));
    const metricsBefore = otlp.metrics.length;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(otlp.spans.slice(before).filter(s => s.scope === 'otel-llm-relay').length).toBeGreaterThan(0);
    expect(otlp.metrics.length).toBeGreaterThan(metricsBefore);
  });

  it('an app without a SIGTERM handler still stops on SIGTERM (after the flush)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'otel-llm-relay/register', '-e', 'setInterval(() => {}, 1000); console.log("up")'],
      {
        cwd: root,
        env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      },
    );
    await new Promise<void>(done => child.stdout.once('data', () => done()));
    const exited = new Promise<NodeJS.Signals | null>(done => child.on('exit', (_code, signal) => done(signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
  });

  it('starts nothing and changes nothing with OTEL_SDK_DISABLED=true', async () => {
    const plain = await runNode(['examples/zero-code/chat-app.mjs'], { RELAY_URL: relay.url });
    const before = otlp.spans.length;
    const disabled = await runNode(['--import', 'otel-llm-relay/register', 'examples/zero-code/chat-app.mjs'], {
      ...appEnv(),
      OTEL_SDK_DISABLED: 'true',
    });
    expect(disabled.code).toBe(0);
    // The simulator's answers are deterministic per request: same app output with and without the hook.
    expect(disabled.stdout).toBe(plain.stdout);
    expect(otlp.spans.length).toBe(before);
  });

  it('keeps the app running when the Prometheus port is taken', async () => {
    const blocker = await startRelaySimulator();
    const port = new URL(blocker.url).port;
    try {
      const result = await runNode(['--import', 'otel-llm-relay/register', 'examples/zero-code/chat-app.mjs'], {
        RELAY_URL: relay.url,
        OTEL_EXPORTER_PROMETHEUS_PORT: port,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('chat:');
      expect(result.stderr).toMatch(/EADDRINUSE|in use/i);
    } finally {
      await blocker.close();
    }
  });
});
