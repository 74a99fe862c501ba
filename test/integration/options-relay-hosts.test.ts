/*
 * relayHosts / OTEL_LLM_RELAY_HOSTS: only the listed relays are observed (`host`, `host:port`, an
 * origin URL, `*.suffix`); an LLM call to any other host produces no span and no metric. The option
 * wins over the environment, which wins over the default (every host, on a known LLM route).
 * Names ending in `relay.test` resolve to 127.0.0.1 through a patched dns.lookup, so that real
 * host names reach the matcher.
 */
import dns from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig } from '../../src/index';
import { callsInFlight, TestMetricReader } from '../support/otel-harness';

// --- one instrumentation per test, with its own span and metric readers --------------------------

interface Observer {
  instrumentation: LlmRelayInstrumentation;
  spans(): ReadableSpan[];
  waitForSpans(count: number): Promise<ReadableSpan[]>;
  metrics(): Promise<MetricData[]>;
}

const started: LlmRelayInstrumentation[] = [];

function observe(config: LlmRelayInstrumentationConfig = {}): Observer {
  const exporter = new InMemorySpanExporter();
  const reader = new TestMetricReader();
  const instrumentation = new LlmRelayInstrumentation(config);
  instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
  started.push(instrumentation);
  const spans = () => exporter.getFinishedSpans().filter(s => s.instrumentationScope.name === 'otel-llm-relay');
  return {
    instrumentation,
    spans,
    async waitForSpans(count) {
      const deadline = Date.now() + 5000;
      while (spans().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} relay spans, got ${spans().length}`);
        await new Promise(r => setTimeout(r, 5));
      }
      return spans();
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
    },
  };
}

/** Builds the instrumentation with these environment variables set, and restores them right after. */
function observeWithEnv(env: Record<string, string>, config: LlmRelayInstrumentationConfig = {}): Observer {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return observe(config);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

afterEach(() => {
  for (const instrumentation of started.splice(0)) instrumentation.disable();
});

// --- relays ----------------------------------------------------------------------------------------

let relayA: RelaySimulator;
let relayB: RelaySimulator;
const originalLookup = dns.lookup;
const warnings: string[] = [];

beforeAll(async () => {
  relayA = await startRelaySimulator({ outputTokens: 3, firstChunkDelayMs: 1, chunkDelayMs: 1 });
  relayB = await startRelaySimulator({ outputTokens: 3, firstChunkDelayMs: 1, chunkDelayMs: 1 });
  // `…relay.test` → 127.0.0.1, for node:net's default lookup (which fetch uses).
  const lookup = function (hostname: string, options: unknown, callback?: unknown) {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (hostname.endsWith('relay.test')) {
      if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
      else process.nextTick(cb, null, '127.0.0.1', 4);
      return;
    }
    return (originalLookup as (...args: unknown[]) => void).call(dns, hostname, options, callback);
  };
  (dns as { lookup: unknown }).lookup = lookup;
  diag.disable();
  diag.setLogger(
    {
      error: (...a: unknown[]) => void warnings.push(a.map(String).join(' ')),
      warn: (...a: unknown[]) => void warnings.push(a.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
afterAll(async () => {
  (dns as { lookup: unknown }).lookup = originalLookup;
  diag.disable();
  await Promise.all([relayA.close(), relayB.close()]);
});

async function chat(origin: string, path = '/v1/chat/completions'): Promise<number> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

const origin = (relay: RelaySimulator, host = '127.0.0.1') => `http://${host}:${relay.port}`;

/**
 * Calls every origin in order, then one call to `control` (an observed relay) last; once the
 * control span has ended, any span the earlier calls would have produced has ended too.
 */
async function callThenControl(observer: Observer, origins: string[], control: string): Promise<void> {
  for (const o of origins) expect(await chat(o)).toBe(200);
  expect(await chat(control)).toBe(200);
  await observer.waitForSpans(1);
  await new Promise(r => setTimeout(r, 20));
}

function seen(observer: Observer): string[] {
  return observer.spans().map(s => `${s.attributes['server.address']}:${s.attributes['server.port']}`);
}

describe('relayHosts option', () => {
  it('`host`: every port of that host', async () => {
    const observer = observe({ relayHosts: ['127.0.0.1'] });
    await chat(origin(relayA));
    await chat(origin(relayB));
    await observer.waitForSpans(2);
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`, `127.0.0.1:${relayB.port}`]);
  });

  it("`host:port`: only that port; the other relay's call gives no span and no metric", async () => {
    const observer = observe({ relayHosts: [`127.0.0.1:${relayA.port}`] });
    await callThenControl(observer, [origin(relayB)], origin(relayA));
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`]);
    const metrics = await observer.metrics();
    const servers = new Set(metrics.flatMap(m => m.dataPoints.map(p => p.attributes['server.port'])));
    expect([...servers]).toEqual([relayA.port]);
    expect(callsInFlight(observer.instrumentation)).toBe(0);
  });

  it('an origin URL: scheme, host and port must all match', async () => {
    const observer = observe({ relayHosts: [`http://127.0.0.1:${relayA.port}`, `https://127.0.0.1:${relayB.port}`] });
    // relayB speaks http, so the https origin does not match it.
    await callThenControl(observer, [origin(relayB)], origin(relayA));
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`]);
  });

  it('`*.suffix`: every host under the suffix, on any port, and nothing else', async () => {
    const observer = observe({ relayHosts: ['*.relay.test'] });
    // The bare suffix and a name that merely ends in the same letters are not under it.
    await callThenControl(
      observer,
      [origin(relayA), origin(relayA, 'relay.test'), origin(relayA, 'evilrelay.test')],
      origin(relayA, 'eu.relay.test'),
    );
    await chat(origin(relayB, 'us.gw.relay.test'));
    await observer.waitForSpans(2);
    expect(seen(observer)).toEqual([`eu.relay.test:${relayA.port}`, `us.gw.relay.test:${relayB.port}`]);
  });

  it('an exact host name does not match its siblings', async () => {
    const observer = observe({ relayHosts: ['eu.relay.test'] });
    await callThenControl(observer, [origin(relayA, 'us.relay.test')], origin(relayA, 'eu.relay.test'));
    expect(seen(observer)).toEqual([`eu.relay.test:${relayA.port}`]);
  });

  it('a listed host is observed on LLM routes only', async () => {
    const observer = observe({ relayHosts: [`127.0.0.1:${relayA.port}`] });
    await chat(origin(relayA), '/v1/files');
    await chat(origin(relayA));
    await observer.waitForSpans(1);
    await new Promise(r => setTimeout(r, 20));
    expect(observer.spans().map(s => s.attributes['url.full'])).toEqual([`${origin(relayA)}/v1/chat/completions`]);
  });

  it('a POST on a route we do not know is not silent: one warning per route shape, never the ids in it', async () => {
    warnings.length = 0;
    observe({ relayHosts: [`127.0.0.1:${relayA.port}`] });
    await chat(origin(relayA), '/v1/threads/thread_abc123/runs');
    await chat(origin(relayA), '/v1/threads/thread_def456/runs?x=1');
    await chat(origin(relayA), '/v1beta/models/gemini-2.5-flash:countTokens');
    const unknown = warnings.filter(w => w.includes('no LLM API route'));
    expect(unknown).toHaveLength(2);
    expect(unknown[0]).toContain('POST /v1/threads/{id}/runs');
    expect(unknown[1]).toContain('POST /v1beta/models/{id}:countTokens');
    expect(unknown.join('\n')).not.toMatch(/abc123|def456|gemini-2/);
  });

  it('no warning for unknown routes when no relay hosts are configured (every host is a candidate then)', async () => {
    warnings.length = 0;
    observe();
    await chat(origin(relayA), '/v1/files');
    expect(warnings.filter(w => w.includes('no LLM API route'))).toEqual([]);
  });

  it('unreadable entries are skipped with a warning; the readable ones apply', async () => {
    warnings.length = 0;
    const observer = observe({ relayHosts: ['not a host', `127.0.0.1:${relayA.port}`] });
    await callThenControl(observer, [origin(relayB)], origin(relayA));
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`]);
    expect(warnings.filter(w => w.includes('"not a host"'))).toHaveLength(1);
  });

  it('default (no option, no env): any host, on a known LLM route', async () => {
    const observer = observe();
    await chat(origin(relayA));
    await chat(origin(relayB, 'any.relay.test'));
    await observer.waitForSpans(2);
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`, `any.relay.test:${relayB.port}`]);
  });
});

describe('OTEL_LLM_RELAY_HOSTS', () => {
  it('applies when the option is not given (comma list, spaces allowed)', async () => {
    const observer = observeWithEnv({ OTEL_LLM_RELAY_HOSTS: ` example.invalid , 127.0.0.1:${relayB.port}` });
    await callThenControl(observer, [origin(relayA)], origin(relayB));
    expect(seen(observer)).toEqual([`127.0.0.1:${relayB.port}`]);
  });

  it('the option wins over it', async () => {
    const observer = observeWithEnv(
      { OTEL_LLM_RELAY_HOSTS: `127.0.0.1:${relayB.port}` },
      { relayHosts: [`127.0.0.1:${relayA.port}`] },
    );
    await callThenControl(observer, [origin(relayB)], origin(relayA));
    expect(seen(observer)).toEqual([`127.0.0.1:${relayA.port}`]);
  });

  it('accepts origin URLs and suffixes like the option', async () => {
    const observer = observeWithEnv({ OTEL_LLM_RELAY_HOSTS: `*.relay.test,http://127.0.0.1:${relayB.port}` });
    await callThenControl(observer, [origin(relayA)], origin(relayB));
    await chat(origin(relayA, 'eu.relay.test'));
    await observer.waitForSpans(2);
    expect(seen(observer)).toEqual([`127.0.0.1:${relayB.port}`, `eu.relay.test:${relayA.port}`]);
  });
});
