/*
 * Every recorded exchange in the llm-wire fixture folder goes through matchRoute + parseRequest
 * and the response accumulator, and the result is compared with the file's `expected` oracle,
 * mapped to semconv conventions (Anthropic input includes cache tokens; Gemini output includes
 * thoughts). The oracle's values are raw provider values; nothing here is hard-coded per file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecFor, matchRoute } from '../../../src/wire/index';
import type { ResponseInfo, WireFormatName } from '../../../src/wire/types';
import { FIXTURES_DIR, loadFixtures, requestTarget, semconvExpectation } from '../../support/llm-wire-fixtures';
import type { Fixture } from '../../support/llm-wire-fixtures';
import { splitSse } from './sse-events';

const OPTIONS = { captureContent: false, maxContentLength: 1000 };

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

const fixtures = loadFixtures();
const files = fixtures.map(f => f.file);

describe('llm-wire fixtures', () => {
  it('finds all 64 recorded exchanges', () => {
    expect(files).toHaveLength(64);
  });

  it('has exactly one file without a recorded request body (the reconstructed Responses stream)', () => {
    const withoutRequest = files.filter(
      file => (JSON.parse(readFileSync(file, 'utf8')) as Fixture).request.body == null,
    );
    expect(withoutRequest.map(file => path.relative(FIXTURES_DIR, file))).toEqual([
      'openai/responses-stream-failed-insufficient-quota.json',
    ]);
  });

  describe.each(fixtures.map(loaded => [loaded.name, loaded] as const))('%s', (_name, loaded) => {
    const { fixture, format } = loaded;
    const expected = fixture.expected;
    const want = semconvExpectation(loaded);
    const errorType = want.vendorErrorType;
    const errorCode = want.vendorErrorCode;
    const isError = want.isError;

    it('routes the request and reads its model and streaming flag', () => {
      const route = matchRoute(fixture.request.method, requestTarget(fixture.request.url));
      expect(route?.format).toBe(format);
      const request = codecFor(format).parseRequest(fixture.request.body ?? undefined, route!, OPTIONS);
      expect(request.model).toBe(want.requestModel);
      // The one file with no recorded request cannot tell from its body that it streamed.
      if (fixture.request.body != null || route?.urlStream === true) expect(request.stream).toBe(expected.streaming);
    });

    it('reads response model, id and finish reasons', () => {
      const { info } = replay(fixture, format);
      expect(info.responseModel).toBe(want.responseModel);
      expect(info.responseId).toBe(want.responseId);
      expect(info.finishReasons).toEqual(expected.finish_reasons);
    });

    it('reads token usage in semconv terms', () => {
      const { info } = replay(fixture, format);
      expect(info.usage.inputTokens).toBe(want.inputTokens);
      expect(info.usage.outputTokens).toBe(want.outputTokens);
      expect(info.usage.cacheReadInputTokens).toBe(want.cacheReadInputTokens);
      expect(info.usage.cacheWriteInputTokens).toBe(want.cacheWriteInputTokens);
      expect(info.usage.reasoningOutputTokens).toBe(want.reasoningOutputTokens);
    });

    it(isError ? 'reports the vendor error class' : 'reports no error', () => {
      const { info } = replay(fixture, format);
      if (!isError) {
        expect(info.error).toBeUndefined();
        return;
      }
      expect(info.error).toBeDefined();
      if (errorType !== undefined) expect(info.error!.type).toBe(errorType);
      if (errorCode !== undefined) expect(info.error!.code ?? info.error!.type).toBe(errorCode);
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
