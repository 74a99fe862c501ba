/*
 * Bad input never throws out of a codec, and what comes out stays well-formed and bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor, matchRoute } from '../../../src/wire/index';
import type { ResponseInfo } from '../../../src/wire/types';
import { ALL_FORMATS as FORMATS, CAPTURE, NO_CAPTURE, routeFor } from './codec-harness';

const GARBAGE: unknown[] = [
  undefined,
  null,
  0,
  -1,
  Number.NaN,
  'text',
  '[DONE]',
  [],
  [null],
  [1, 'a'],
  {},
  { choices: 'x', usage: 'y', error: 5 },
  { choices: [{ index: -1, finish_reason: 7, delta: 'x', message: [] }] },
  { choices: [{ index: 1e300, finish_reason: 'stop' }] },
  { usage: { prompt_tokens: -5, completion_tokens: 'ten', prompt_tokens_details: null } },
  { type: 'message_start', message: null },
  { type: 'message_delta', delta: null, usage: [] },
  { type: 'content_block_delta', delta: { type: 'text_delta', text: 5 } },
  { type: 'response.completed', response: [] },
  { type: 'response.output_text.delta', delta: { nested: true } },
  {
    candidates: [
      null,
      { content: { parts: 'x' } },
      { content: { parts: [null, 5, { text: 9 }, { functionCall: 'f' }] } },
    ],
    usageMetadata: 'u',
  },
  { messages: 'x', contents: 5, input: { a: 1 }, system: 4, instructions: [] },
  { messages: [null, 1, { role: 5, content: { a: 1 }, tool_calls: 'x' }, { role: 'tool', content: [1, null] }] },
  { contents: [{ parts: [{ inlineData: 'x' }, { fileData: {} }, { functionResponse: 5 }, { executableCode: {} }] }] },
  {
    input: [
      null,
      { type: 'function_call' },
      { type: 'message', content: [null, { type: 'input_image' }] },
      { type: 'reasoning', summary: 'x' },
    ],
  },
  { id: 'x'.repeat(10_000), model: 'y'.repeat(10_000), choices: [{ index: 0, finish_reason: 'z'.repeat(10_000) }] },
];

function expectWellFormed(info: ResponseInfo): void {
  expect(Array.isArray(info.finishReasons)).toBe(true);
  expect(typeof info.usage).toBe('object');
  for (const reason of info.finishReasons) expect(reason.length).toBeLessThanOrEqual(256);
  if (info.responseId !== undefined) expect(info.responseId.length).toBeLessThanOrEqual(256);
  if (info.responseModel !== undefined) expect(info.responseModel.length).toBeLessThanOrEqual(256);
  for (const count of Object.values(info.usage)) expect(Number.isFinite(count) && count >= 0).toBe(true);
  if (info.error !== undefined) expect(info.error.type).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  if (info.estimatedOutputTokens !== undefined) expect(info.estimatedOutputTokens).toBeGreaterThan(0);
  expect(() => JSON.stringify(info)).not.toThrow();
}

describe.each(FORMATS)('%s codec on garbage', format => {
  const codec = codecFor(format);

  it('is the codec registered for its format', () => {
    expect(codec.format).toBe(format);
  });

  it.each(GARBAGE.map((value, index) => [index, value]))('garbage #%i does not throw', (_index, value) => {
    for (const options of [NO_CAPTURE, CAPTURE]) {
      const request = codec.parseRequest(value, routeFor(format), options);
      expect(typeof request.stream).toBe('boolean');
      expect(typeof request.params).toBe('object');
      const asJson = codec.createResponseAccumulator(request, options);
      asJson.onJson(value);
      expectWellFormed(asJson.finish());
      const asEvents = codec.createResponseAccumulator(request, options);
      for (const name of [undefined, 'error', 'message_start', 'response.completed', 'ping']) {
        expect(typeof asEvents.onEvent(name, value)).toBe('boolean');
      }
      expectWellFormed(asEvents.finish());
    }
  });

  it('survives arbitrary JSON values (property test)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.string(), { nil: undefined }), fc.jsonValue()), { maxLength: 8 }),
        fc.jsonValue(),
        (events, body) => {
          const request = codec.parseRequest(body, routeFor(format), CAPTURE);
          const accumulator = codec.createResponseAccumulator(request, CAPTURE);
          for (const [name, data] of events) accumulator.onEvent(name, data);
          accumulator.onJson(body);
          expectWellFormed(accumulator.finish());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finish can be called at any point, before any input', () => {
    const accumulator = codec.createResponseAccumulator(
      codec.parseRequest(undefined, routeFor(format), NO_CAPTURE),
      NO_CAPTURE,
    );
    expect(accumulator.finish()).toEqual({ finishReasons: [], usage: {} });
  });
});

describe('matchRoute on arbitrary input', () => {
  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (method, path) => {
        matchRoute(method, path);
        matchRoute('POST', path);
      }),
      { numRuns: 500 },
    );
  });
});

describe('memory stays bounded', () => {
  it('a huge stream keeps only capped content and scalars', () => {
    const options = { captureContent: true, maxContentLength: 100 };
    const codec = codecFor('openai.chat_completions');
    const accumulator = codec.createResponseAccumulator(
      codec.parseRequest({}, routeFor('openai.chat_completions'), options),
      options,
    );
    const piece = 'x'.repeat(1000);
    for (let i = 0; i < 2000; i++)
      accumulator.onEvent(undefined, { id: 'c', choices: [{ index: i % 200, delta: { content: piece } }] });
    const info = accumulator.finish();
    // Choices beyond the tracked limit are not captured; each captured text stops at the cap.
    expect(info.outputMessages!.length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(info).length).toBeLessThan(64 * 300);
    // Characters are still counted for the estimate.
    expect(info.estimatedOutputTokens).toBe(Math.ceil((2000 * 1000) / 4));
  });
});
