/*
 * What the tests of a relay echoing the caller's key share (hostile-answer-echoes,
 * hostile-error-bodies): a real loopback relay that answers each chat call with the canned answer
 * its `x-answer` header names, the call made with a key as the SDKs send one, and the search for a
 * key, or any 8-character piece of one, in what an exporter or the diag log would get.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { OtelHarness } from '../support/otel-harness';
import { settled } from './hardening-kit';

/** How a call carries its key: `authorization: Bearer`, `api-key` (Azure), `?key=` (Gemini) or a `;token=` path parameter. */
export interface Credentials {
  bearer?: string;
  apiKey?: string;
  queryKey?: string;
  pathToken?: string;
}

export interface CannedAnswer {
  /** 200 when absent. */
  status?: number;
  contentType: string;
  body: string;
}

export interface RelayCall {
  /** The relay span. */
  span: ReadableSpan;
  status: number;
  /** What the app read. */
  text: string;
}

/** The function that lists every 8-character piece of `keys` found in a text. */
export function keyFragmentFinder(keys: readonly string[]): (text: string) => string[] {
  return text => {
    const found = new Set<string>();
    for (const key of keys) {
      for (let i = 0; i + 8 <= key.length; i++) {
        const piece = key.slice(i, i + 8);
        if (text.includes(piece)) found.add(piece);
      }
    }
    return [...found];
  };
}

/** Everything a span exposes to an exporter, as text. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map(e => ({ name: e.name, attributes: e.attributes })),
    status: span.status,
    links: span.links.map(l => l.attributes),
  });
}

/** Every metric point's attributes, by metric name, as text. */
export function metricLabelsText(metrics: MetricData[]): string {
  return JSON.stringify(metrics.map(m => ({ name: m.descriptor.name, points: m.dataPoints.map(p => p.attributes) })));
}

/**
 * Starts (before the file's tests) a relay answering from `answers`, and returns the chat call to
 * it: one call answered with `name`, its relay span once the instrumentation has settled, and what
 * the app read. Every span it returned stays in `spans`.
 */
export function cannedRelay(
  answers: Readonly<Record<string, CannedAnswer>>,
  otel: OtelHarness,
): {
  call(name: string, credentials: Credentials, stream?: boolean, messages?: unknown[]): Promise<RelayCall>;
  spans: ReadableSpan[];
} {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const chosen = answers[String(req.headers['x-answer'])];
        if (!chosen) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(chosen.status ?? 200, { 'content-type': chosen.contentType });
        res.end(chosen.body);
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  const spans: ReadableSpan[] = [];
  async function call(
    name: string,
    credentials: Credentials,
    stream = false,
    messages: unknown[] = [{ role: 'user', content: 'Where is order 42?' }],
  ): Promise<RelayCall> {
    otel.reset();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-answer': name };
    if (credentials.bearer) headers['authorization'] = `Bearer ${credentials.bearer}`;
    if (credentials.apiKey) headers['api-key'] = credentials.apiKey;
    const query = credentials.queryKey ? `?key=${credentials.queryKey}` : '';
    const pathParam = credentials.pathToken ? `;token=${credentials.pathToken}` : '';
    const response = await fetch(`${base}/v1/chat/completions${pathParam}${query}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'gpt-4.1', stream, messages }),
    });
    const text = await response.text();
    const [span] = await otel.waitForRelaySpans(1);
    expect(await settled(otel.instrumentation)).toBe(true);
    spans.push(span!);
    return { span: span!, status: response.status, text };
  }
  return { call, spans };
}
