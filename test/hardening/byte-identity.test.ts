/*
 * Byte identity: the caller's bytes with the instrumentation are the bytes without it, for every
 * recorded exchange in every content coding (the replay suites cover identity and gzip; here br,
 * deflate and zstd), and when the caller reads slowly, cancels mid-stream or never reads the body.
 * A body nobody reads stops making progress once undici's buffers are full: its span ends after
 * `idleTimeoutMs` with error.type=timeout, and the caller can still read every byte later.
 * Node's fetch only (the undici package is not loaded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayBody } from '../../examples/relay-simulator/fixture-replay.ts';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type {
  ContentCoding,
  RelaySimulator,
  ServeFixtureOptions,
  WireFixture,
} from '../../examples/relay-simulator/server.ts';
import { loadFixtures, semconvExpectation } from '../support/llm-wire-fixtures';
import type { LoadedFixture } from '../support/llm-wire-fixtures';
import { callsInFlight, setupOtel } from '../support/otel-harness';
import { delay, settled, sha256 } from './hardening-kit';

// Long enough that a loaded CI machine never pauses this long between two chunks of a body being read.
const IDLE_TIMEOUT_MS = 1_500;
const otel = setupOtel({ idleTimeoutMs: IDLE_TIMEOUT_MS });
const fixtures = loadFixtures();
let relay: RelaySimulator;

beforeAll(async () => {
  relay = await startRelaySimulator();
});
afterAll(async () => {
  await relay.close();
});

/** Node's fetch decodes zstd from undici 7.11 on (Node >= 24); before that the caller gets the coded bytes. */
function fetchDecodesZstd(): boolean {
  const [major = 0, minor = 0] = (process.versions.undici ?? '0.0').split('.').map(Number);
  return major > 7 || (major === 7 && minor >= 11);
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-byte-identity' },
    body: JSON.stringify(body ?? {}),
  });
}

/** Serves the fixture once and returns the whole body as the caller reads it. */
async function readWhole(loaded: LoadedFixture, options: ServeFixtureOptions): Promise<Buffer> {
  const served = relay.serveFixture(loaded.fixture, options);
  const response = await post(served.url, loaded.fixture.request.body);
  return Buffer.from(await response.arrayBuffer());
}

/** Runs `call` without the instrumentation, then with it; returns both results and the relay span. */
async function withAndWithout<T>(call: (instrumented: boolean) => Promise<T>) {
  otel.instrumentation.disable();
  const without = await call(false);
  otel.instrumentation.enable();
  otel.reset();
  const withUs = await call(true);
  const [span] = await otel.waitForRelaySpans(1);
  expect(await settled(otel.instrumentation)).toBe(true);
  return { without, withUs, span: span! };
}

const isStream = (f: LoadedFixture) =>
  typeof f.fixture.response.body === 'string' && f.fixture.response.body.includes('\n\n');
const streams = fixtures.filter(f => isStream(f) && f.fixture.response.status === 200);

describe('every recorded exchange, in every content coding: same bytes with and without us', () => {
  it('has all 64 fixtures and their streams', () => {
    expect(fixtures).toHaveLength(64);
    expect(streams.length).toBeGreaterThanOrEqual(20);
  });

  const codings: ContentCoding[] = ['br', 'deflate', 'zstd'];
  describe.each(codings)('%s', coding => {
    const decodedByFetch = coding !== 'zstd' || fetchDecodesZstd();

    it.each(fixtures.map(f => [f.name, f] as const))('%s', async (_name, loaded) => {
      const { without, withUs, span } = await withAndWithout(() => readWhole(loaded, { encoding: coding }));
      expect(sha256(withUs)).toBe(sha256(without));
      // Where fetch decodes the coding the caller gets exactly the recorded body (else the coded bytes, both times).
      if (decodedByFetch) expect(withUs.equals(replayBody(loaded.fixture))).toBe(true);

      // And we decoded our copy: the span has what the body says.
      const want = semconvExpectation(loaded);
      expect(span.attributes['gen_ai.usage.output_tokens']).toBe(want.outputTokens);
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(want.inputTokens);
      expect(span.attributes['gen_ai.response.model']).toBe(want.responseModel);
      expect(span.status.code).toBe(want.isError ? 2 : 0);
    });
  });
});

describe('how the caller reads does not change what it reads', () => {
  /** Reads with a pause before every read; returns the bytes. */
  async function readSlowly(loaded: LoadedFixture, encoding: ContentCoding): Promise<Buffer> {
    const served = relay.serveFixture(loaded.fixture, { encoding, splitAt: { every: 1024 }, delayMs: 1 });
    const response = await post(served.url, loaded.fixture.request.body);
    const reader = response.body!.getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      await delay(4);
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    return Buffer.concat(parts);
  }

  it.each(streams.map(f => [f.name, f] as const))(
    'a slow reader of %s (gzip, flushed every KiB)',
    async (_name, loaded) => {
      const { without, withUs, span } = await withAndWithout(() => readSlowly(loaded, 'gzip'));
      expect(sha256(withUs)).toBe(sha256(without));
      expect(withUs.equals(replayBody(loaded.fixture))).toBe(true);
      // Reading slowly is not an error, and the pauses stay well under idleTimeoutMs.
      expect(span.attributes['error.type']).toBe(
        semconvExpectation(loaded).isError ? span.attributes['error.type'] : undefined,
      );
    },
  );

  /** Reads the first chunk, then cancels the body; returns what was read and how the cancel went. */
  async function cancelAfterFirstChunk(loaded: LoadedFixture): Promise<{ read: Buffer; cancel: string }> {
    const served = relay.serveFixture(loaded.fixture, { splitAt: 'events', delayMs: 30 });
    const response = await post(served.url, loaded.fixture.request.body);
    const reader = response.body!.getReader();
    const first = await reader.read();
    const cancel = await reader.cancel().then(
      () => 'resolved',
      (err: Error) => `rejected ${err.name}`,
    );
    return { read: Buffer.from(first.value ?? new Uint8Array()), cancel };
  }

  const longStreams = streams.filter(f => (f.fixture.response.body as string).split('\n\n').length > 4);
  it.each(longStreams.map(f => [f.name, f] as const))('a cancel after the first chunk of %s', async (_name, loaded) => {
    const { without, withUs, span } = await withAndWithout(() => cancelAfterFirstChunk(loaded));
    const recorded = replayBody(loaded.fixture);
    // The caller read a prefix of the recorded bytes (the same one, up to how reads coalesce) and its cancel behaved the same.
    expect(withUs.cancel).toBe(without.cancel);
    expect(withUs.read.length).toBeGreaterThan(0);
    expect(recorded.subarray(0, withUs.read.length).equals(withUs.read)).toBe(true);
    expect(recorded.subarray(0, without.read.length).equals(without.read)).toBe(true);
    // Cut before its final event: the span ends as a failed call, with a reason.
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it.each(fixtures.filter((_f, i) => i % 8 === 0).map(f => [f.name, f] as const))(
    'a body nobody reads (%s) is still whole when read later; the span ended when the bytes arrived',
    async (_name, loaded) => {
      const { without, withUs, span } = await withAndWithout(async instrumented => {
        const served = relay.serveFixture(loaded.fixture, { encoding: 'gzip' });
        const response = await post(served.url, loaded.fixture.request.body);
        // Small bodies arrive whole into undici's buffers: the span ends without the caller reading.
        if (instrumented) await otel.waitForRelaySpans(1);
        return Buffer.from(await response.arrayBuffer());
      });
      expect(sha256(withUs)).toBe(sha256(without));
      expect(withUs.equals(replayBody(loaded.fixture))).toBe(true);
      expect(span.attributes['error.type']).not.toBe('timeout');
    },
  );

  it(`a large stream nobody reads: the span ends after idleTimeoutMs (${IDLE_TIMEOUT_MS} ms), the caller later reads every byte`, async () => {
    const chunk = (i: number) =>
      `data: {"id":"chatcmpl-big","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"w${i} ${'x'.repeat(96)}"}}]}\n\n`;
    const events: string[] = [];
    for (let i = 0; i < 20_000; i++) events.push(chunk(i));
    events.push(
      'data: {"id":"chatcmpl-big","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    );
    events.push('data: [DONE]\n\n');
    const big: WireFixture = {
      request: { method: 'POST', url: 'https://relay.example/v1/chat/completions' },
      response: { status: 200, headers: { 'content-type': 'text/event-stream' }, body: events.join('') },
    };
    const request = { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'a long answer' }] };
    const call = async (instrumented: boolean) => {
      const served = relay.serveFixture(big, { splitAt: { every: 64 * 1024 }, delayMs: 0 });
      const started = performance.now();
      const response = await post(served.url, request);
      // Nothing is read until the instrumentation has given up on the body (or a generous deadline).
      const deadline = started + (instrumented ? 10 : 2) * IDLE_TIMEOUT_MS;
      while (otel.relaySpans().length === 0 && performance.now() < deadline) await delay(10);
      const spanEndedAfter = otel.relaySpans().length > 0 ? performance.now() - started : undefined;
      const body = Buffer.from(await response.arrayBuffer());
      return { body, spanEndedAfter };
    };
    const { without, withUs, span } = await withAndWithout(call);
    expect(without.body.length).toBe(replayBody(big).length);
    expect(sha256(withUs.body)).toBe(sha256(without.body));
    expect(withUs.spanEndedAfter).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS);
    expect(span.attributes['error.type']).toBe('timeout');
    expect(span.status.code).toBe(2);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });
});
