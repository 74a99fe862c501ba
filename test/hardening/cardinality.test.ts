/*
 * Cardinality: a relay that answers with a new model name on every call (or an app that asks for
 * one), or that makes up a new error type every time, cannot grow the number of metric series past
 * the cap. Past it, new values are recorded as `_OTHER`, every call is still counted, spans keep the
 * real names, and the diag log says so once.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { DEFAULT_MAX_MODELS_PER_METRIC } from '../../src/config';
import { metricTotal, setupOtel } from '../support/otel-harness';
import { captureDiag, settled } from './hardening-kit';

const diagLog = captureDiag();
const otel = setupOtel();
const CAP = DEFAULT_MAX_MODELS_PER_METRIC;
const ERROR_TYPE_CAP = 64;
const OTHER = '_OTHER';
const CALLS = 3 * CAP;

let relay: RelaySimulator;
let inventive: Server;
beforeAll(async () => {
  relay = await startRelaySimulator();
  // A relay that reports a new in-band error type on every call, each one code-shaped (a random hex
  // word would look like a key and be reported as _OTHER already, see sanitizeErrorLabel).
  inventive = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const word = [...randomBytes(10)].map(b => String.fromCharCode(97 + (b % 26))).join('');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: {"error":{"type":"upstream_${word}","message":"no"}}\n\n`);
    });
  });
  await new Promise<void>(r => inventive.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await relay.close();
  await new Promise(r => inventive.close(r));
});

const randomModel = () => `model-${randomBytes(6).toString('hex')}`;

/** Runs `count` calls, `parallel` at a time. */
async function runCalls(count: number, parallel: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

/** Distinct values of one attribute over every data point of every metric. */
function labelValues(metrics: MetricData[], key: string): Set<string> {
  const values = new Set<string>();
  for (const m of metrics)
    for (const p of m.dataPoints) if (p.attributes[key] !== undefined) values.add(String(p.attributes[key]));
  return values;
}

function seriesOf(metrics: MetricData[], name: string): number {
  return metrics.filter(m => m.descriptor.name === name).reduce((n, m) => n + m.dataPoints.length, 0);
}

async function chat(model: string, answerAs?: string): Promise<void> {
  const response = await fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(answerAs ? { 'x-sim-model': answerAs } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

describe('metric series stay under the cap', () => {
  it(`a relay answering each call with a new model name: at most ${CAP} model label values plus ${OTHER}`, async () => {
    const answered: string[] = [];
    await runCalls(CALLS, 8, async () => {
      const model = randomModel();
      answered.push(model);
      await chat('gpt-4.1', model);
    });
    await otel.waitForRelaySpans(CALLS);
    expect(await settled(otel.instrumentation)).toBe(true);

    const metrics = await otel.metrics();
    const models = new Set([
      ...labelValues(metrics, 'gen_ai.request.model'),
      ...labelValues(metrics, 'gen_ai.response.model'),
    ]);
    expect(models.size).toBeLessThanOrEqual(CAP + 1);
    expect(models).toContain(OTHER);
    // Every call is counted, in a bounded number of series.
    expect(metricTotal(metrics, 'gen_ai.client.operation.duration', {}, 'count')).toBe(CALLS);
    expect(seriesOf(metrics, 'gen_ai.client.operation.duration')).toBeLessThanOrEqual(CAP + 1);
    expect(seriesOf(metrics, 'gen_ai.client.token.usage')).toBeLessThanOrEqual(2 * (CAP + 1));
    // Spans are not metrics: each keeps the name the relay answered with.
    expect(new Set(otel.relaySpans().map(s => s.attributes['gen_ai.response.model']))).toEqual(new Set(answered));
  });

  it('an app asking for a new model name every time: the same cap holds (it is shared by all model labels)', async () => {
    otel.reset();
    await runCalls(CAP, 8, () => chat(randomModel()));
    await otel.waitForRelaySpans(CAP);
    const metrics = await otel.metrics();
    const models = new Set([
      ...labelValues(metrics, 'gen_ai.request.model'),
      ...labelValues(metrics, 'gen_ai.response.model'),
    ]);
    expect(models.size).toBeLessThanOrEqual(CAP + 1);
    expect(metricTotal(metrics, 'gen_ai.client.operation.duration', {}, 'count')).toBe(CALLS + CAP);
  });

  it(`a relay making up a new error type on every call: at most ${ERROR_TYPE_CAP} error_type values plus ${OTHER}`, async () => {
    otel.reset();
    const url = `http://127.0.0.1:${(inventive.address() as AddressInfo).port}/v1/chat/completions`;
    const calls = 2 * ERROR_TYPE_CAP;
    await runCalls(calls, 8, async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [] }),
      });
      await response.arrayBuffer();
    });
    const spans = await otel.waitForRelaySpans(calls);
    expect(new Set(spans.map(s => s.attributes['error.type'])).size).toBe(calls);
    const metrics = await otel.metrics();
    const errorTypes = labelValues(metrics, 'error.type');
    expect(errorTypes.size).toBeLessThanOrEqual(ERROR_TYPE_CAP + 1);
    expect(errorTypes).toContain(OTHER);
  });

  it('the diag log says once per label that the cap was reached', () => {
    const warnings = diagLog.lines.filter(l => l.level === 'warn' && l.text.includes(OTHER));
    expect(warnings.map(w => (w.text.includes('error.type') ? 'error.type' : 'model'))).toEqual([
      'model',
      'error.type',
    ]);
  });
});
