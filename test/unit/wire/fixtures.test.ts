/*
 * Every recorded exchange in the llm-wire fixture folder goes through matchRoute + parseRequest
 * and the response accumulator, and the result is compared with the file's `expected` oracle,
 * mapped to semconv conventions (Anthropic input includes cache tokens; Gemini output includes
 * thoughts). The oracle's values are raw provider values; nothing here is hard-coded per file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecFor, matchRoute } from '../../../src/wire/index';
import type { ResponseInfo, WireFormatName } from '../../../src/wire/types';
import { splitSse } from './sse-events';

const FIXTURES_DIR = process.env['LLM_WIRE_FIXTURES'] ?? path.resolve(__dirname, '../../..', '../shared/fixtures/llm-wire');
const OPTIONS = { captureContent: false, maxContentLength: 1000 };

interface Expected {
  model: string | null;
  response_model: string | null;
  response_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  finish_reasons: string[];
  streaming: boolean;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  reasoning_tokens?: number;
  error_type?: string;
  error_code?: string | number;
  stream_error_type?: string;
  stream_error_code?: string | number;
}

interface Fixture {
  request: { method: string; url: string; body: unknown };
  response: { status: number; body: unknown };
  expected: Expected;
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? fixtureFiles(path.join(dir, entry.name)) : entry.name.endsWith('.json') ? [path.join(dir, entry.name)] : []))
    .sort();
}

/** The wire format a file exercises, from its name (`chat-completions-…`, `messages-…`). */
function formatFromFileName(file: string): WireFormatName {
  const name = path.basename(file);
  if (name.startsWith('chat-completions')) return 'openai.chat_completions';
  if (name.startsWith('responses')) return 'openai.responses';
  if (name.startsWith('embeddings')) return 'openai.embeddings';
  if (name.startsWith('messages')) return 'anthropic.messages';
  if (name.startsWith('generate-content') || name.startsWith('stream-generate-content')) return 'gemini.generate_content';
  throw new Error(`no format known for ${name}`);
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

interface Replay {
  info: ResponseInfo;
  events: number;
  outputChunks: number;
}

function replay(fixture: Fixture, format: WireFormatName): Replay {
  const route = matchRoute(fixture.request.method, requestTarget(fixture.request.url));
  const codec = codecFor(format);
  const request = codec.parseRequest(fixture.request.body ?? undefined, route!, OPTIONS);
  const accumulator = codec.createResponseAccumulator(request, OPTIONS);
  const body = fixture.response.body;
  let events = 0;
  let outputChunks = 0;
  if (typeof body !== 'string') {
    accumulator.onJson(body);
  } else if (fixture.response.status >= 400) {
    // An error answer is JSON whatever its content type says (Gemini serves one as text/event-stream).
    accumulator.onJson(JSON.parse(body));
  } else {
    for (const event of splitSse(body)) {
      events++;
      if (accumulator.onEvent(event.event, event.data)) outputChunks++;
    }
  }
  return { info: accumulator.finish(), events, outputChunks };
}

/** What undici gives as `request.path`: path and query (a fragment never goes on the wire). */
function requestTarget(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

const files = fixtureFiles(FIXTURES_DIR);

describe('llm-wire fixtures', () => {
  it('finds all 64 recorded exchanges', () => {
    expect(files).toHaveLength(64);
  });

  it('has exactly one file without a recorded request body (the reconstructed Responses stream)', () => {
    const withoutRequest = files.filter((file) => (JSON.parse(readFileSync(file, 'utf8')) as Fixture).request.body == null);
    expect(withoutRequest.map((file) => path.relative(FIXTURES_DIR, file))).toEqual(['openai/responses-stream-failed-insufficient-quota.json']);
  });

  describe.each(files.map((file) => [path.relative(FIXTURES_DIR, file), file]))('%s', (_name, file) => {
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
    const expected = fixture.expected;
    const format = formatFromFileName(file);
    const isAnthropic = format === 'anthropic.messages';
    const isGemini = format === 'gemini.generate_content';
    const errorType = expected.error_type ?? expected.stream_error_type;
    const errorCode = expected.error_code ?? expected.stream_error_code;
    const isError = fixture.response.status >= 400 || errorType !== undefined || errorCode !== undefined;

    it('routes the request and reads its model and streaming flag', () => {
      const route = matchRoute(fixture.request.method, requestTarget(fixture.request.url));
      expect(route?.format).toBe(format);
      const request = codecFor(format).parseRequest(fixture.request.body ?? undefined, route!, OPTIONS);
      expect(request.model).toBe(orUndefined(expected.model));
      // The one file with no recorded request cannot tell from its body that it streamed.
      if (fixture.request.body != null || route?.urlStream === true) expect(request.stream).toBe(expected.streaming);
    });

    it('reads response model, id and finish reasons', () => {
      const { info } = replay(fixture, format);
      expect(info.responseModel).toBe(orUndefined(expected.response_model));
      expect(info.responseId).toBe(orUndefined(expected.response_id));
      expect(info.finishReasons).toEqual(expected.finish_reasons);
    });

    it('reads token usage in semconv terms', () => {
      const { info } = replay(fixture, format);
      const cacheRead = expected.cache_read_input_tokens;
      const cacheWrite = expected.cache_creation_input_tokens;
      const reasoning = expected.reasoning_tokens;
      const input = expected.input_tokens === null ? undefined : expected.input_tokens + (isAnthropic ? (cacheRead ?? 0) + (cacheWrite ?? 0) : 0);
      const output = expected.output_tokens === null ? undefined : expected.output_tokens + (isGemini ? (reasoning ?? 0) : 0);
      expect(info.usage.inputTokens).toBe(input);
      expect(info.usage.outputTokens).toBe(output);
      expect(info.usage.cacheReadInputTokens).toBe(cacheRead);
      expect(info.usage.cacheWriteInputTokens).toBe(cacheWrite);
      expect(info.usage.reasoningOutputTokens).toBe(reasoning);
    });

    it(isError ? 'reports the vendor error class' : 'reports no error', () => {
      const { info } = replay(fixture, format);
      if (!isError) {
        expect(info.error).toBeUndefined();
        return;
      }
      expect(info.error).toBeDefined();
      if (errorType !== undefined) expect(info.error!.type).toBe(errorType);
      if (errorCode !== undefined) expect(info.error!.code ?? info.error!.type).toBe(String(errorCode));
      expect(info.error!.type).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    });

    if (expected.streaming && fixture.response.status < 400) {
      it('marks content events as output chunks and estimates output tokens only when none were reported', () => {
        const { info, events, outputChunks } = replay(fixture, format);
        expect(events).toBeGreaterThan(0);
        if (expected.finish_reasons.length > 0 && !isError) expect(outputChunks).toBeGreaterThan(0);
        if (info.usage.outputTokens !== undefined) expect(info.estimatedOutputTokens).toBeUndefined();
        else if (outputChunks > 0) expect(info.estimatedOutputTokens).toBeGreaterThan(0);
      });
    }
  });
});

describe('splitSse (test helper)', () => {
  it('splits on LF and CRLF blank lines, joins multi-line data, keeps event names and skips comments', () => {
    const body = ': keep-alive\r\n\r\nevent: a\r\ndata: {"x":\r\ndata: 1}\r\n\r\ndata: [DONE]\n\n';
    expect(splitSse(body)).toEqual([
      { event: 'a', data: { x: 1 } },
      { event: undefined, data: '[DONE]' },
    ]);
  });
});
