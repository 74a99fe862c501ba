/*
 * No secret reaches telemetry. Every call of this file carries recognisable credentials (a bearer
 * token, x-api-key, x-goog-api-key, api-key, proxy-authorization, cookies, `?key=` in the URL), over
 * all 64 recorded exchanges and real SDK clients, with content capture off and on; a relay echoes
 * the key back in error messages and sets cookies. At the end every span (name, attributes, events,
 * status, links), every metric point and every diag line at ALL level is scanned: none may hold a secret.
 * Content: absent unless opted in, then cut to `maxContentLength`.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { loadFixtures } from '../support/llm-wire-fixtures';
import { setupOtel } from '../support/otel-harness';
import { captureDiag, settled } from './hardening-kit';
import { spanText } from './key-echo-relay';

delete process.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'];
const diagLog = captureDiag();
const otel = setupOtel();

/** Each secret has a unique tail, so that a partly masked copy (`sk-…4f60a8`) is caught too. */
const SECRETS = {
  bearer: 'sk-SECRET-bearer-7f3a9c1e5b2d4f60a8',
  xApiKey: 'sk-ant-SECRET-xapikey-1b9e4c7d2a6f',
  googApiKey: 'AIzaSECRET-googkey-5c8e1f4a7b2d9e',
  azureApiKey: 'azSECRET-apikey-3e7a1c9f5b2d8e4',
  queryKey: 'AIzaSECRET-querykey-9d2b6f1e8a4c7',
  cookie: 'cookieSECRET-session-4a8c2e6f1b9d',
  proxy: 'proxySECRET-basic-6e2a9c4f8b1d5',
  setCookie: 'setcookieSECRET-cfbm-2f7b4e9a1c6d',
};
const SECRET_VALUES = Object.values(SECRETS);

/** Every secret, and the last 12 characters of each, that occurs in `text`. */
function secretsIn(text: string): string[] {
  return SECRET_VALUES.flatMap(s => [s, s.slice(-12)]).filter(s => text.includes(s));
}

const SECRET_HEADERS: Record<string, string> = {
  authorization: `Bearer ${SECRETS.bearer}`,
  'x-api-key': SECRETS.xApiKey,
  'x-goog-api-key': SECRETS.googApiKey,
  'api-key': SECRETS.azureApiKey,
  cookie: `session=${SECRETS.cookie}; theme=dark`,
  'proxy-authorization': `Basic ${SECRETS.proxy}`,
};

function withQueryKey(url: string): string {
  const u = new URL(url);
  u.searchParams.set('key', SECRETS.queryKey);
  return u.toString();
}

/** A relay that echoes the caller's key in its error messages (as OpenAI's "Incorrect API key provided: …" does) and sets cookies. */
function startEchoingRelay(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      const key = String(req.headers['authorization'] ?? req.headers['x-api-key'] ?? '').replace(/^Bearer /, '');
      const cookie = `__cf_bm=${SECRETS.setCookie}; path=/; HttpOnly`;
      if ((req.url ?? '').includes('stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'set-cookie': cookie });
        res.write('data: {"id":"c1","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n');
        res.end(
          `event: error\ndata: {"error":{"type":"invalid_request_error","message":"Key ${key} was revoked mid-stream","code":"${key}"}}\n\n`,
        );
        return;
      }
      res.writeHead(401, {
        'content-type': 'application/json',
        'set-cookie': cookie,
        'www-authenticate': `Bearer realm="${key}"`,
      });
      res.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${key}.`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        }),
      );
    });
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let relay: RelaySimulator;
let echoing: Server;
beforeAll(async () => {
  relay = await startRelaySimulator();
  echoing = await startEchoingRelay();
});
afterAll(async () => {
  await relay.close();
  await new Promise(r => echoing.close(r));
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

const PROMPT = 'PROMPT-MARKER-4c1d: where is the parcel that left the warehouse on Monday? '.repeat(4);
const SYSTEM = 'SYSTEM-MARKER-9e2a: you are a support agent for a parcel company; answer briefly. '.repeat(3);

/** Real SDK clients, each sending its credential its own way; cookies ride along as default headers. */
function sdkCalls(): Array<[string, () => Promise<unknown>]> {
  const extra = { cookie: SECRET_HEADERS['cookie']!, 'x-sim-output-tokens': '24' };
  const openai = new OpenAI({
    apiKey: SECRETS.bearer,
    baseURL: `${relay.url}/v1`,
    defaultHeaders: extra,
    maxRetries: 0,
  });
  const azure = new AzureOpenAI({
    apiKey: SECRETS.azureApiKey,
    endpoint: relay.url,
    apiVersion: '2024-10-21',
    deployment: 'gpt-4.1',
    defaultHeaders: extra,
    maxRetries: 0,
  });
  const anthropic = new Anthropic({
    apiKey: SECRETS.xApiKey,
    baseURL: relay.url,
    defaultHeaders: extra,
    maxRetries: 0,
  });
  const gemini = new GoogleGenAI({ apiKey: SECRETS.googApiKey, httpOptions: { baseUrl: relay.url, headers: extra } });
  const messages = [
    { role: 'system' as const, content: SYSTEM },
    { role: 'user' as const, content: PROMPT },
  ];
  return [
    ['openai chat', () => openai.chat.completions.create({ model: 'gpt-4.1', messages })],
    [
      'openai chat stream',
      async () =>
        drain(
          await openai.chat.completions.create({
            model: 'gpt-4.1',
            messages,
            stream: true,
            stream_options: { include_usage: true },
          }),
        ),
    ],
    ['openai responses', () => openai.responses.create({ model: 'gpt-4.1', instructions: SYSTEM, input: PROMPT })],
    ['openai embeddings', () => openai.embeddings.create({ model: 'text-embedding-3-small', input: PROMPT })],
    ['azure openai chat', () => azure.chat.completions.create({ model: 'gpt-4.1', messages })],
    [
      'anthropic messages',
      () =>
        anthropic.messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 64,
          system: SYSTEM,
          messages: [{ role: 'user', content: PROMPT }],
        }),
    ],
    [
      'anthropic messages stream',
      () =>
        anthropic.messages
          .stream({
            model: 'claude-sonnet-4-5',
            max_tokens: 64,
            system: SYSTEM,
            messages: [{ role: 'user', content: PROMPT }],
          })
          .finalMessage(),
    ],
    [
      'gemini generateContent',
      () =>
        gemini.models.generateContent({
          model: 'gemini-2.5-flash',
          contents: PROMPT,
          config: { systemInstruction: SYSTEM },
        }),
    ],
    [
      'gemini generateContentStream',
      async () =>
        drain(
          await gemini.models.generateContentStream({
            model: 'gemini-2.5-flash',
            contents: PROMPT,
            config: { systemInstruction: SYSTEM },
          }),
        ),
    ],
  ];
}

/** Every span of this file, kept across `otel.reset()` calls. */
const allSpans: ReadableSpan[] = [];
function collectSpans(): ReadableSpan[] {
  const spans = otel.relaySpans();
  allSpans.push(...spans);
  otel.reset();
  return spans;
}

async function runFixtureSweep(): Promise<number> {
  const fixtures = loadFixtures();
  for (const loaded of fixtures) {
    const served = relay.serveFixture(loaded.fixture, { encoding: 'gzip' });
    const response = await fetch(withQueryKey(served.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SECRET_HEADERS },
      body: JSON.stringify(loaded.fixture.request.body ?? {}),
    });
    await response.arrayBuffer();
  }
  await otel.waitForRelaySpans(fixtures.length);
  expect(await settled(otel.instrumentation)).toBe(true);
  return collectSpans().length;
}

async function runSdkCallers(): Promise<ReadableSpan[]> {
  const calls = sdkCalls();
  for (const [, call] of calls) await call();
  await otel.waitForRelaySpans(calls.length);
  expect(await settled(otel.instrumentation)).toBe(true);
  return collectSpans();
}

async function runEchoingRelay(): Promise<ReadableSpan[]> {
  const base = `http://127.0.0.1:${(echoing.address() as AddressInfo).port}`;
  const client = new OpenAI({ apiKey: SECRETS.bearer, baseURL: `${base}/v1`, maxRetries: 0 });
  await expect(
    client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: PROMPT }] }),
  ).rejects.toThrow(
    SECRETS.bearer, // the app itself does see the echo: proof that the relay sent it
  );
  const streamed = await fetch(withQueryKey(`${base}/v1/chat/completions?stream=1`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...SECRET_HEADERS },
    body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
  });
  expect(await streamed.text()).toContain(SECRETS.bearer);
  await otel.waitForRelaySpans(2);
  return collectSpans();
}

describe('secrets never reach spans, metrics or the diag log', () => {
  it('the scanner finds a secret, whole or by its tail', () => {
    expect(secretsIn(`x ${SECRETS.cookie} y`)).toContain(SECRETS.cookie);
    expect(secretsIn(`key=AIza…${SECRETS.queryKey.slice(-12)}`)).toEqual([SECRETS.queryKey.slice(-12)]);
    expect(secretsIn('nothing here')).toEqual([]);
  });

  it('all 64 recorded exchanges, content capture off', async () => {
    expect(await runFixtureSweep()).toBe(64);
  });

  it('real SDK clients (openai, Azure OpenAI, @anthropic-ai/sdk, @google/genai), content capture off: no content either', async () => {
    const spans = await runSdkCallers();
    for (const span of spans) {
      const text = spanText(span);
      expect(text).not.toContain('PROMPT-MARKER');
      expect(text).not.toContain('SYSTEM-MARKER');
      expect(Object.keys(span.attributes).filter(k => /messages|instructions/.test(k))).toEqual([]);
    }
  });

  it('a relay that echoes the key in error messages and sets cookies', async () => {
    const spans = await runEchoingRelay();
    expect(spans.map(s => s.attributes['error.type']).sort()).toEqual(['401', 'invalid_request_error']);
  });

  describe('with content capture on, cut to maxContentLength', () => {
    const MAX = 40;
    beforeAll(() => otel.instrumentation.setConfig({ captureMessageContent: true, maxContentLength: MAX }));
    afterAll(() => otel.instrumentation.setConfig({}));

    it('all 64 recorded exchanges', async () => {
      expect(await runFixtureSweep()).toBe(64);
    });

    it('real SDK clients: prompts, instructions and answers are recorded, every string at most maxContentLength', async () => {
      const spans = await runSdkCallers();
      const captured = spans.filter(s => s.attributes['gen_ai.operation.name'] !== 'embeddings');
      expect(captured.length).toBe(spans.length - 1);
      for (const span of captured) {
        const parsed = (key: string) => JSON.parse(String(span.attributes[key] ?? '[]')) as unknown;
        const input = contentStrings(parsed('gen_ai.input.messages'));
        // A chat `system` message stays among the input messages; separate instructions have their own attribute.
        const system = contentStrings(parsed('gen_ai.system_instructions'));
        const output = contentStrings(parsed('gen_ai.output.messages'));
        for (const s of [...input, ...system, ...output]) expect(s.length).toBeLessThanOrEqual(MAX);
        // The start of the prompt is there, cut exactly at the limit (the prompt is longer than it).
        expect({ span: span.name, prompt: input.includes(PROMPT.slice(0, MAX)) }).toEqual({
          span: span.name,
          prompt: true,
        });
        expect({ span: span.name, system: [...input, ...system].includes(SYSTEM.slice(0, MAX)) }).toEqual({
          span: span.name,
          system: true,
        });
        expect({ span: span.name, answer: output.some(s => s.length > 0) }).toEqual({ span: span.name, answer: true });
      }
    });

    it('a relay that echoes the key', async () => {
      expect(await runEchoingRelay()).toHaveLength(2);
    });
  });

  it('after all of the above: no secret in any span, metric point or diag line', async () => {
    expect(allSpans.length).toBe(2 * 64 + 2 * sdkCalls().length + 4);
    const leaks = allSpans.flatMap(span => secretsIn(spanText(span)).map(s => `span "${span.name}": ${s}`));
    expect(leaks).toEqual([]);

    // The query key was redacted, not just dropped: the URL is still recorded.
    // (Every call made with fetch carried `?key=`; the SDK clients send their keys in headers.)
    const urls = allSpans.map(s => String(s.attributes['url.full'])).filter(u => u.includes('key='));
    expect(urls).toHaveLength(2 * 64 + 2);
    for (const url of urls) expect(url).toMatch(/[?&]key=REDACTED(&|$)/);

    const metrics = await otel.metrics();
    expect(metrics.length).toBeGreaterThan(3);
    expect(secretsIn(JSON.stringify(metrics))).toEqual([]);

    // The diag log says things (unpriced models, at least), none of them secret.
    expect(diagLog.lines.length).toBeGreaterThan(0);
    expect(secretsIn(diagLog.text())).toEqual([]);
  });
});

/** The `content` strings of GenAI semconv messages (`[{role, parts: [{type, content}]}]`, or bare parts). */
function contentStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(contentStrings);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const own = typeof record['content'] === 'string' ? [record['content']] : [];
    return [...own, ...contentStrings(record['parts'])];
  }
  return [];
}
