/*
 * Load: 1,000 concurrent streaming calls, then 20,000 sequential ones, through the instrumentation.
 * Afterwards no call is still followed, every call gave exactly one span and one duration point,
 * and the heap is back to where it was after the warm-up (measured after forced GCs).
 *
 * The relays run in child processes, so their buffers and timers stay out of the heap measured
 * here; spans are counted and dropped, not kept. Sized for 2 cores: the concurrent calls go to the
 * relay simulator (4 output chunks, 1 ms apart, so the streams really overlap); the sequential ones
 * to fast-relay.mjs, a minimal streaming relay (the simulator's pacing costs ~4 ms a call, 80 s for
 * 20,000); keep-alive connections throughout.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { LlmRelayInstrumentation } from '../../src/index';
import { callsInFlight, metricTotal, TestMetricReader } from '../support/otel-harness';
import { captureDiag, settled, SpanLedger, watchProcessFailures } from './hardening-kit';

const CONCURRENT = 1_000;
const SEQUENTIAL = 20_000;
/**
 * Heap growth tolerated between the warm-up baseline and the end: allocator and JIT noise measured
 * between -1 and +2.4 MiB on Node 22 to 26. A call's state (span, parsers, LlmCall) is several KiB,
 * so even one call in ten kept would be well over this.
 */
const HEAP_SLACK_BYTES = 6 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const diagLog = captureDiag();
const failures = watchProcessFailures();
const ledger = new SpanLedger({ keep: false });
const metricReader = new TestMetricReader();
const instrumentation = new LlmRelayInstrumentation({ enabled: false });
instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [ledger] }));
instrumentation.setMeterProvider(new MeterProvider({ readers: [metricReader] }));
instrumentation.enable();

const children: ChildProcess[] = [];
let simulatorUrl: string;
let fastRelayUrl: string;

/** Starts a relay script in a child process; resolves to the URL it prints first. */
function startRelayProcess(script: string, args: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [path.resolve(__dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('exit', code => reject(new Error(`${script} exited with ${code}`)));
  });
}

beforeAll(async () => {
  [simulatorUrl, fastRelayUrl] = await Promise.all([
    startRelayProcess('../../examples/relay-simulator/cli.ts', [
      '--first-chunk-ms',
      '1',
      '--chunk-delay-ms',
      '1',
      '--output-tokens',
      '4',
    ]),
    startRelayProcess('fast-relay.mjs'),
  ]);
});
afterAll(() => {
  failures.stop();
  instrumentation.disable();
  for (const child of children) child.kill();
});

async function durationCount(): Promise<number> {
  const { resourceMetrics } = await metricReader.collect();
  return metricTotal(
    resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
    'gen_ai.client.operation.duration',
    {},
    'count',
  );
}

const BODY = JSON.stringify({
  model: 'gpt-4.1',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Where is order 42?' }],
});

/** One streaming chat call, read to the end as an SDK does; returns the bytes read. */
async function streamingCall(relayUrl: string): Promise<number> {
  const response = await fetch(`${relayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-load' },
    body: BODY,
  });
  let bytes = 0;
  for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
  if (response.status !== 200 || bytes === 0) throw new Error(`unexpected answer ${response.status}, ${bytes} bytes`);
  return bytes;
}

/** Calls one after the other; each body read whole, as a non-iterating client does (cheaper than iterating). */
async function sequential(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${fastRelayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-load' },
      body: BODY,
    });
    const body = await response.arrayBuffer();
    if (response.status !== 200 || body.byteLength === 0) throw new Error(`unexpected answer ${response.status}`);
  }
}

const concurrent = (count: number) => Promise.all(Array.from({ length: count }, () => streamingCall(simulatorUrl)));

/** heapUsed after the collector has had several chances to free everything it can. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise(r => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

describe('under load nothing is left behind', () => {
  let baseline = 0;
  let calls = 0;

  it('warms up (connections, JIT, metric series) and takes the baseline heap', async () => {
    await concurrent(100);
    await sequential(400);
    calls += 500;
    expect(await settled(instrumentation)).toBe(true);
    baseline = await settledHeap();
  });

  it(`${CONCURRENT} concurrent streaming calls`, { timeout: 60_000 }, async () => {
    const started = ledger.started;
    const results = await concurrent(CONCURRENT);
    calls += CONCURRENT;
    expect(results.every(bytes => bytes > 0)).toBe(true);
    expect(await settled(instrumentation, 5000)).toBe(true);
    expect(ledger.started - started).toBe(CONCURRENT);
    expect(ledger.open).toBe(0);
  });

  it(`${SEQUENTIAL} sequential streaming calls`, { timeout: 180_000 }, async () => {
    const started = ledger.started;
    await sequential(SEQUENTIAL);
    calls += SEQUENTIAL;
    expect(await settled(instrumentation)).toBe(true);
    expect(ledger.started - started).toBe(SEQUENTIAL);
  });

  it('afterwards: no call in flight, every call counted once, the heap back to its baseline', async ({ annotate }) => {
    expect(callsInFlight(instrumentation)).toBe(0);
    expect(ledger.started).toBe(calls);
    expect(ledger.ended).toBe(calls);
    expect(await durationCount()).toBe(calls);
    const grown = (await settledHeap()) - baseline;
    await annotate(
      `${calls} calls; heap after forced GC: ${(baseline / 2 ** 20).toFixed(1)} MiB after warm-up, ${(grown / 2 ** 10).toFixed(0)} KiB more at the end`,
    );
    // 21,500 calls: 300 bytes kept per call would already be over the slack.
    expect(grown).toBeLessThan(HEAP_SLACK_BYTES);
    expect(diagLog.errors()).toEqual([]);
    expect(failures.events).toEqual([]);
  });
});
