/*
 * Replays every recorded exchange over real HTTP through the instrumentation and checks the relay
 * span against the fixture's oracle and the caller's bytes against what the relay sent.
 * Used by test/integration/fixtures-replay-*.test.ts, one file per HTTP client: a file that never
 * loads the undici package keeps Node's bundled undici in use for fetch (on Node 22 that is 6.x,
 * which has no body channels, so the per-request tap is what gets tested there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayBody } from '../../examples/relay-simulator/fixture-replay.ts';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ServeFixtureOptions } from '../../examples/relay-simulator/server.ts';
import { codecFor, matchRoute } from '../../src/wire/index';
import { providerName } from '../../src/wire/provider';
import { loadFixtures, requestTarget, semconvExpectation } from './llm-wire-fixtures';
import type { LoadedFixture } from './llm-wire-fixtures';
import { contentAttributeErrors } from './genai-schema';
import { callsInFlight, setupOtel } from './otel-harness';
import type { LlmRelayInstrumentationConfig } from '../../src/index';

/** Offsets that cut the body inside a multi-byte UTF-8 character, inside `data:` and mid-way. */
function awkwardOffsets(bytes: Buffer): number[] {
  const offsets = new Set<number>([Math.floor(bytes.length / 2)]);
  const multiByte = bytes.findIndex(b => b >= 0xc0);
  if (multiByte >= 0) offsets.add(multiByte + 1);
  const data = bytes.indexOf('data:');
  if (data >= 0) offsets.add(data + 2);
  const secondData = bytes.indexOf('data:', data + 5);
  if (secondData >= 0) offsets.add(secondData + 4);
  return [...offsets].filter(o => o > 0 && o < bytes.length).sort((a, b) => a - b);
}

/** Sends the recorded request; returns the decoded body bytes the caller read. */
export type ReplayClient = (url: string, init: { headers: Record<string, string>; body: string }) => Promise<Buffer>;

export interface ReplayMode {
  name: string;
  options: (bytes: Buffer) => ServeFixtureOptions;
}

export const fetchClient: ReplayClient = async (url, init) => {
  const response = await fetch(url, { method: 'POST', ...init });
  return Buffer.from(await response.arrayBuffer());
};

export const WHOLE: ReplayMode = { name: 'as recorded, one piece', options: () => ({}) };
export const GZIP_WHOLE: ReplayMode = { name: 'gzip, one piece', options: () => ({ encoding: 'gzip' }) };
export const CUT: ReplayMode = {
  name: 'cut inside UTF-8 and data:',
  options: bytes => ({ splitAt: awkwardOffsets(bytes), delayMs: 2 }),
};
export const GZIP_CUT: ReplayMode = {
  name: 'gzip, flushed per SSE event or cut',
  options: bytes => ({
    encoding: 'gzip',
    splitAt: bytes.includes('\n\n') ? 'events' : awkwardOffsets(bytes),
    delayMs: 1,
  }),
};

async function call(
  relay: RelaySimulator,
  loaded: LoadedFixture,
  mode: ReplayMode,
  client: ReplayClient,
): Promise<Buffer> {
  const served = relay.serveFixture(loaded.fixture, mode.options(replayBody(loaded.fixture)));
  const body = JSON.stringify(loaded.fixture.request.body ?? {});
  return client(served.url, {
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-secret' },
    body,
  });
}

/** With `config.captureMessageContent`, every content attribute must also validate against the conventions' schemas. */
export function defineReplaySuite(
  clientName: string,
  client: ReplayClient,
  modes: ReplayMode[],
  config: LlmRelayInstrumentationConfig = {},
): void {
  const fixtures = loadFixtures();
  const otel = setupOtel(config);
  let relay: RelaySimulator;

  beforeAll(async () => {
    relay = await startRelaySimulator();
  });
  afterAll(async () => {
    await relay.close();
  });

  describe(`recorded exchanges replayed over HTTP with ${clientName}`, () => {
    it('has all 64 fixtures', () => {
      expect(fixtures).toHaveLength(64);
    });

    describe.each(fixtures.map(f => [f.name, f] as const))('%s', (_name, loaded) => {
      const want = semconvExpectation(loaded);
      const route = matchRoute('POST', requestTarget(loaded.fixture.request.url))!;
      const operation = route.operation;
      const requestModel = want.requestModel ?? route.urlModel;
      const streaming = loaded.fixture.expected.streaming;

      it.each(modes.map(m => [m.name, m] as const))('%s', async (_mode, mode) => {
        otel.reset();
        const received = await call(relay, loaded, mode, client);
        expect(received.equals(replayBody(loaded.fixture))).toBe(true);

        const [span] = await otel.waitForRelaySpans(1);
        const a = span!.attributes;
        expect(span!.name).toBe(requestModel ? `${operation} ${requestModel}` : operation);
        // The whole attribute set: an attribute nobody expects fails the test as surely as a wrong value.
        // (toEqual treats a key expected as undefined as one that must be absent.)
        const status = loaded.fixture.response.status;
        const answer = loaded.fixture.response.body as
          { service_tier?: unknown; system_fingerprint?: unknown } | string | null;
        const openAiAnswer = answer !== null && typeof answer === 'object' && route.format.startsWith('openai.');
        const unreportedStream = want.outputTokens === undefined && streaming;
        const retryAfter = Object.entries(loaded.fixture.response.headers ?? {}).find(
          ([name]) => name.toLowerCase() === 'retry-after',
        )?.[1];
        const expected: Record<string, unknown> = {
          'gen_ai.operation.name': operation,
          'gen_ai.provider.name': providerName('127.0.0.1', route.format),
          'gen_ai.request.model': requestModel,
          'gen_ai.response.model': want.responseModel,
          'gen_ai.response.id': want.responseId,
          'gen_ai.response.finish_reasons': want.finishReasons.length ? want.finishReasons : undefined,
          'gen_ai.usage.input_tokens': want.inputTokens,
          'gen_ai.usage.output_tokens': want.outputTokens,
          'gen_ai.usage.cache_read.input_tokens': want.cacheReadInputTokens,
          'gen_ai.usage.cache_creation.input_tokens': want.cacheWriteInputTokens,
          'gen_ai.usage.cache_write.input_tokens': want.cacheWriteInputTokens,
          'gen_ai.usage.reasoning.output_tokens': want.reasoningOutputTokens,
          'http.request.method': 'POST',
          'http.response.status_code': status,
          'http.response.header.retry-after': retryAfter === undefined ? undefined : [retryAfter],
          'server.address': '127.0.0.1',
          'server.port': Number(new URL(relay.url).port),
          'url.full': expect.stringMatching(new RegExp(`^${relay.url}/`)),
          'llm_relay.wire_format': route.format,
          'llm_relay.usage.reported': unreportedStream && !want.isError ? false : undefined,
          // OpenAI refinements: served from a local host, the OpenAI dialects are provider `openai`.
          'openai.api.type':
            route.format === 'openai.chat_completions'
              ? 'chat_completions'
              : route.format === 'openai.responses'
                ? 'responses'
                : undefined,
        };
        if (!want.isError) {
          expect(span!.status.code).toBe(0);
        } else {
          expect(span!.status.code).toBe(2);
          expected['error.type'] = status >= 400 ? String(status) : a['llm_relay.error.vendor_type'];
          expected['llm_relay.error.vendor_type'] =
            want.vendorErrorType ?? expect.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
        }
        if (streaming && !want.isError && want.finishReasons.length > 0) {
          expect(a['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
        }
        if (openAiAnswer) {
          expected['openai.response.system_fingerprint'] = answer.system_fingerprint || undefined;
          expected['openai.response.service_tier'] = answer.service_tier ?? undefined;
        }
        // Present or not depending on the recording (what the request asked, what a stream sent, the
        // price table): each only with a value of its kind. Anything else is unexpected.
        const optional: Record<string, unknown> = {
          'gen_ai.request.max_tokens': expect.any(Number),
          'gen_ai.request.temperature': expect.any(Number),
          'gen_ai.request.choice.count': expect.any(Number),
          'gen_ai.request.stream': expect.any(Boolean),
          'gen_ai.request.stop_sequences': expect.any(Array),
          'gen_ai.request.encoding_formats': expect.any(Array),
          'gen_ai.output.type': expect.any(String),
          'openai.request.service_tier': expect.any(String),
          'gen_ai.response.time_to_first_chunk': streaming ? expect.any(Number) : undefined,
          // Estimated from the streamed text, when there was any.
          'llm_relay.usage.estimated_output_tokens': unreportedStream ? expect.any(Number) : undefined,
          'llm_relay.cost.usd': expect.any(Number),
          'llm_relay.cost.source': expect.any(String),
          ...(openAiAnswer
            ? {}
            : {
                'openai.response.system_fingerprint': expect.any(String),
                'openai.response.service_tier': expect.any(String),
              }),
          ...(config.captureMessageContent === true
            ? {
                'gen_ai.input.messages': expect.any(String),
                'gen_ai.output.messages': expect.any(String),
                'gen_ai.system_instructions': expect.any(String),
                'gen_ai.tool.definitions': expect.any(String),
              }
            : {}),
        };
        for (const [key, matcher] of Object.entries(optional))
          if (key in a && !(key in expected)) expected[key] = matcher;
        expect(a).toEqual(expected);

        if (config.captureMessageContent === true) {
          expect(contentAttributeErrors(a)).toEqual([]);
          const tools = (loaded.fixture.request.body as { tools?: unknown } | null)?.tools;
          if (Array.isArray(tools) && tools.length > 0) expect(a['gen_ai.tool.definitions']).toBeTypeOf('string');
          // A choice blocked by the content filter carries no message at all.
          if (!want.isError && operation !== 'embeddings' && !want.finishReasons.includes('content_filter')) {
            expect(a['gen_ai.input.messages']).toBeTypeOf('string');
            expect(a['gen_ai.output.messages']).toBeTypeOf('string');
          }
        }
        // The API key never reaches telemetry.
        expect(JSON.stringify(a)).not.toContain('sk-test-secret');
        expect(callsInFlight(otel.instrumentation)).toBe(0);
      });
    });

    it('the codec registry knows every fixture format', () => {
      for (const f of fixtures) expect(codecFor(f.format).format).toBe(f.format);
    });
  });
}
