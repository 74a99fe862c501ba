/*
 * `onEventText`, the parse-free look at an SSE event's raw text: whatever it answers must leave the
 * accumulator exactly as `onEvent(JSON.parse(data))` would, and it must answer for the content
 * deltas that make up almost every real stream (else it is dead weight).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMessages } from '../../../examples/relay-simulator/anthropic-wire.ts';
import { renderGenerateContent } from '../../../examples/relay-simulator/gemini-wire.ts';
import type { Answer } from '../../../examples/relay-simulator/answer.ts';
import { renderChat } from '../../../examples/relay-simulator/openai-wire.ts';
import { codecFor } from '../../../src/wire/index';
import type { CodecOptions, ResponseAccumulator, ResponseInfo, WireFormatName } from '../../../src/wire/types';
import { loadFixtures } from '../../support/llm-wire-fixtures';
import { CAPTURE, NO_CAPTURE, routeFor } from './codec-harness';
import { splitSseRaw, type RawEvent } from './sse-events';

const CHAT = 'openai.chat_completions';
const MESSAGES = 'anthropic.messages';
const GEMINI = 'gemini.generate_content';
const SMALL_CAP: CodecOptions = { captureContent: true, maxContentLength: 7 };
const ALL_OPTIONS = [NO_CAPTURE, CAPTURE, SMALL_CAP];

function accumulator(format: WireFormatName, options: CodecOptions): ResponseAccumulator {
  const codec = codecFor(format);
  return codec.createResponseAccumulator(codec.parseRequest({ stream: true }, routeFor(format), options), options);
}

/** The event's data as the hook parses it. */
function parsed(data: string): unknown {
  const first = data.charCodeAt(0);
  if (first !== 123 && first !== 91) return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

interface Fed {
  info: ResponseInfo;
  outputFlags: boolean[];
  /** Events `onEventText` answered. */
  fastHits: number;
}

function feed(format: WireFormatName, events: readonly RawEvent[], options: CodecOptions, fast: boolean): Fed {
  const acc = accumulator(format, options);
  let fastHits = 0;
  const outputFlags = events.map(({ event, data }) => {
    const answer = fast ? acc.onEventText?.(event, data) : undefined;
    if (answer !== undefined) fastHits++;
    return answer ?? acc.onEvent(event, parsed(data));
  });
  return { info: acc.finish(), outputFlags, fastHits };
}

/** Feeds the events both ways, with capture off, on, and on with a tiny cap; returns the fast path's hits. */
function expectSameAsParsing(format: WireFormatName, events: readonly RawEvent[]): number {
  let hits = 0;
  for (const options of ALL_OPTIONS) {
    const fast = feed(format, events, options, true);
    const slow = feed(format, events, options, false);
    expect(fast.info).toEqual(slow.info);
    expect(fast.outputFlags).toEqual(slow.outputFlags);
    hits = fast.fastHits;
  }
  return hits;
}

const data = (text: string, event?: string): RawEvent => ({ event, data: text });

/* ---------- generated events ---------- */

const hex = (code: number, upper: boolean): string => {
  const digits = code.toString(16).padStart(4, '0');
  return `\\u${upper ? digits.toUpperCase() : digits}`;
};
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A JSON string body for `text`, each UTF-16 unit written raw, short-escaped or `\uXXXX` at random. */
function encodeJsonStringBody(text: string, styles: readonly number[]): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text[i]!;
    const code = unit.charCodeAt(0);
    const style = styles[i % Math.max(1, styles.length)] ?? 0;
    const mustEscape = unit === '"' || unit === '\\' || code < 0x20;
    if (style % 3 === 2 || (mustEscape && SHORT_ESCAPES[unit] === undefined)) out += hex(code, style > 2);
    else if (mustEscape || (style % 3 === 1 && unit === '/')) out += SHORT_ESCAPES[unit];
    else out += unit;
  }
  return out;
}

const anyUnit = fc.oneof(
  fc.nat({ max: 0xffff }).map(code => String.fromCharCode(code)),
  fc.constantFrom(
    '"',
    '\\',
    '/',
    '\n',
    '\r',
    '\t',
    '\b',
    '\f',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    'é',
    '😀',
    '\ud800',
    '\udfff',
    'u',
    ' ',
  ),
);
const text = fc.array(anyUnit, { maxLength: 24 }).map(units => units.join(''));
const styles = fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 8 });
const jsonStringBody = fc.tuple(text, styles).map(([value, how]) => encodeJsonStringBody(value, how));

const plainMember = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('id', 'object', 'model', 'service_tier', 'system_fingerprint', 'obfuscation', 'provider', 'p'),
      fc.option(jsonStringBody),
    )
    .map(([key, value]) => `"${key}":${value === null ? 'null' : `"${value}"`}`),
  fc.nat().map(created => `"created":${created}`),
  fc.constant('"usage":null'),
);

/** A compact content-only chunk: allowlisted members around one choice that carries only content. */
const contentChunk = fc
  .record({
    before: fc.array(plainMember, { maxLength: 5 }),
    after: fc.array(plainMember, { maxLength: 3 }),
    index: fc.oneof(fc.constant(0), fc.nat({ max: 70 })),
    content: jsonStringBody,
    logprobs: fc.boolean(),
  })
  .map(({ before, after, index, content, logprobs }) => {
    const choice = `{"index":${index},"delta":{"content":"${content}"},${logprobs ? '"logprobs":null,' : ''}"finish_reason":null}`;
    return `{${[...before, `"choices":[${choice}]`, ...after].join(',')}}`;
  });

const FIRST_CHUNK =
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}';
const BASE_CHUNK =
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}';
const OTHER_CHAT_EVENTS: RawEvent[] = [
  data(
    '{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}',
  ),
  data(
    '{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}',
  ),
  data(
    '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\\"a\\""}}]},"finish_reason":null}]}',
  ),
  data('{"id":"chatcmpl-1","choices":[{"index":1,"delta":{"reasoning_content":"hm"},"finish_reason":null}]}'),
  data('{"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": "spaced"}, "finish_reason": null}]}'),
  data('{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"cut'),
  data(BASE_CHUNK, 'error'),
  data('{"error":{"type":"server_error","code":"x"}}'),
  data('[DONE]'),
];

const THINKING_DELTA = '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let"}}';
const TEXT_DELTA = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}';
const padding = fc.constantFrom('', ' ', '          ', '\t', '\r\n');
const anthropicDelta = fc
  .record({
    kind: fc.constantFrom('text', 'thinking'),
    index: fc.nat({ max: 3 }),
    body: jsonStringBody,
    inner: padding,
    outer: padding,
    named: fc.boolean(),
  })
  .map(({ kind, index, body, inner, outer, named }): RawEvent => ({
    event: named ? 'content_block_delta' : undefined,
    data: `{"type":"content_block_delta","index":${index},"delta":{"type":"${kind}_delta","${kind}":"${body}"}${inner}}${outer}`,
  }));
const MESSAGE_START = data(
  '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}',
  'message_start',
);
const OTHER_MESSAGES_EVENTS: RawEvent[] = [
  data(
    '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}',
    'content_block_start',
  ),
  data(
    '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}',
    'content_block_delta',
  ),
  data(
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}',
    'content_block_delta',
  ),
  data('{"type": "ping"}', 'ping'),
  data(TEXT_DELTA, 'error'),
  data(TEXT_DELTA, 'message_stop'),
  data(
    '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}',
    'message_delta',
  ),
];

/** A Gemini text chunk as the API writes it (`": "`) or JSON.stringify does (`":"`), usage as the API sends it. */
const geminiTextChunk = fc
  .record({
    spaced: fc.boolean(),
    text: jsonStringBody,
    index: fc.oneof(fc.constant(0), fc.nat({ max: 70 })),
    prompt: fc.nat({ max: 100_000 }),
    candidates: fc.nat({ max: 100_000 }),
    thoughts: fc.option(fc.nat({ max: 5000 })),
    cached: fc.option(fc.nat({ max: 5000 })),
    details: fc.boolean(),
    tier: fc.option(fc.constantFrom('standard', 'priority', 'x\\"y')),
    model: jsonStringBody,
    id: jsonStringBody,
  })
  .map(({ spaced, text, index, prompt, candidates, thoughts, cached, details, tier, model, id }) => {
    const c = spaced ? ': ' : ':';
    const usage = [
      `"promptTokenCount"${c}${prompt}`,
      `"candidatesTokenCount"${c}${candidates}`,
      `"totalTokenCount"${c}${prompt + candidates + (thoughts ?? 0)}`,
      ...(details ? [`"promptTokensDetails"${c}[{"modality"${c}"TEXT","tokenCount"${c}${prompt}}]`] : []),
      ...(thoughts === null ? [] : [`"thoughtsTokenCount"${c}${thoughts}`]),
      ...(cached === null ? [] : [`"cachedContentTokenCount"${c}${cached}`]),
      ...(tier === null ? [] : [`"serviceTier"${c}"${tier}"`]),
    ].join(',');
    return (
      `{"candidates"${c}[{"content"${c}{"parts"${c}[{"text"${c}"${text}"}],"role"${c}"model"},"index"${c}${index}}],` +
      `"usageMetadata"${c}{${usage}},"modelVersion"${c}"${model}","responseId"${c}"${id}"}`
    );
  });

const GEMINI_FIRST =
  '{"candidates": [{"content": {"parts": [{"text": "1"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 18,"candidatesTokenCount": 1,"totalTokenCount": 19},"modelVersion": "gemini-2.5-flash","responseId": "ru1garvB"}';
const GEMINI_TEXT =
  '{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 18,"candidatesTokenCount": 31,"totalTokenCount": 84,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 18}],"thoughtsTokenCount": 35,"serviceTier": "standard"},"modelVersion": "gemini-2.5-flash","responseId": "ru1garvB"}';
const OTHER_GEMINI_EVENTS: RawEvent[] = [
  data(
    '{"candidates": [{"content": {"parts": [{"text": "0"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 18,"candidatesTokenCount": 80,"totalTokenCount": 133},"modelVersion": "gemini-2.5-flash","responseId": "ru1garvB"}',
  ),
  data(
    '{"candidates": [{"content": {"parts": [{"text": "hm","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 18,"thoughtsTokenCount": 9},"modelVersion": "gemini-2.5-flash","responseId": "ru1garvB"}',
  ),
  data(
    '{"candidates": [{"content": {"parts": [{"functionCall": {"name": "f","args": {"a": 1}}}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 18,"candidatesTokenCount": 3},"modelVersion": "gemini-2.5-flash","responseId": "ru1garvB"}',
  ),
  data(
    '{"candidates": [{"content": {"parts": [{"text": "no usage"}],"role": "model"},"index": 0}],"modelVersion": "m"}',
  ),
  data('{"usageMetadata": {"promptTokenCount": 7,"candidatesTokenCount": 2,"totalTokenCount": 9}}'),
  data('{"usageMetadata": {"trafficType": "ON_DEMAND"}}'),
  data('{"candidates": [{"content": {"parts": [{"text": "cut'),
  data(GEMINI_TEXT, 'error'),
  data('{"error": {"code": 429,"message": "Resource has been exhausted","status": "RESOURCE_EXHAUSTED"}}'),
];

describe('onEventText gives exactly what parsing gives', () => {
  /** Generated streams: 4 in 5 events from `fast`, the rest from `others`, after `opening` (at random unless `alwaysOpened`). */
  const checkGeneratedStreams = (
    format: WireFormatName,
    fast: fc.Arbitrary<RawEvent>,
    others: readonly RawEvent[],
    opening: RawEvent,
    alwaysOpened: boolean,
  ): void => {
    const event = fc.oneof({ weight: 4, arbitrary: fast }, { weight: 1, arbitrary: fc.constantFrom(...others) });
    fc.assert(
      fc.property(fc.boolean(), fc.array(event, { maxLength: 12 }), (opened, events) => {
        expectSameAsParsing(format, alwaysOpened || opened ? [opening, ...events] : events);
      }),
      { numRuns: 300 },
    );
  };

  it('for generated chat completion streams of content-only chunks among other events', () => {
    checkGeneratedStreams(
      CHAT,
      contentChunk.map(chunk => data(chunk)),
      OTHER_CHAT_EVENTS,
      data(FIRST_CHUNK),
      false,
    );
  });

  it('for generated Anthropic streams of text and thinking deltas among other events', () => {
    checkGeneratedStreams(MESSAGES, anthropicDelta, OTHER_MESSAGES_EVENTS, MESSAGE_START, true);
  });

  it('for generated Gemini streams of text chunks among other chunks', () => {
    checkGeneratedStreams(
      GEMINI,
      geminiTextChunk.map(chunk => data(chunk)),
      OTHER_GEMINI_EVENTS,
      data(GEMINI_FIRST),
      false,
    );
  });

  it('for any one-character corruption of a content delta: it answers only for text JSON.parse accepts', () => {
    const structural = fc.constantFrom(
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      ' ',
      'u',
      '0',
      'n',
      'x',
      '\n',
      '\u0001',
    );
    const corrupt = (base: string) =>
      fc
        .tuple(fc.nat({ max: base.length }), fc.constantFrom('insert', 'delete', 'replace'), structural)
        .map(([at, how, char]) => {
          if (how === 'insert') return base.slice(0, at) + char + base.slice(at);
          if (how === 'delete') return base.slice(0, at) + base.slice(at + 1);
          return base.slice(0, at) + char + base.slice(at + 1);
        });
    const check = (format: WireFormatName, first: RawEvent, mutated: string): void => {
      const acc = accumulator(format, CAPTURE);
      acc.onEvent(first.event, parsed(first.data));
      if (acc.onEventText?.(undefined, mutated) !== undefined)
        expect(() => JSON.parse(mutated) as unknown).not.toThrow();
      expectSameAsParsing(format, [first, data(mutated)]);
    };
    fc.assert(
      fc.property(corrupt(BASE_CHUNK.replace('Hi', 'a\\"b\\u00e9c')), mutated =>
        check(CHAT, data(FIRST_CHUNK), mutated),
      ),
      { numRuns: 500 },
    );
    // After a content chunk with the same prefix, which the fast path then skips re-matching.
    const afterContent = (mutated: string): void => {
      const acc = accumulator(CHAT, CAPTURE);
      acc.onEvent(undefined, parsed(FIRST_CHUNK));
      expect(acc.onEventText?.(undefined, BASE_CHUNK)).toBe(true);
      if (acc.onEventText?.(undefined, mutated) !== undefined)
        expect(() => JSON.parse(mutated) as unknown).not.toThrow();
      expectSameAsParsing(CHAT, [data(FIRST_CHUNK), data(BASE_CHUNK), data(mutated)]);
    };
    fc.assert(fc.property(corrupt(BASE_CHUNK.replace('Hi', 'a\\"b\\u00e9c')), afterContent), { numRuns: 500 });
    fc.assert(
      fc.property(corrupt(TEXT_DELTA.replace('Hi', 'a\\"b\\u00e9c')), mutated =>
        check(MESSAGES, MESSAGE_START, mutated),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(corrupt(GEMINI_TEXT.replace('Hi', 'a\\"b\\u00e9c')), mutated =>
        check(GEMINI, data(GEMINI_FIRST), mutated),
      ),
      { numRuns: 1000 },
    );
  });

  const streams = loadFixtures().filter(
    ({ fixture, format }) =>
      (format === CHAT || format === MESSAGES || format === GEMINI) &&
      typeof fixture.response.body === 'string' &&
      fixture.response.status < 400,
  );
  // Each provider's plain content deltas; the others (Azure's content filter results, Together's
  // extra members, OpenRouter's role in every delta, tool calls, reasoning) all take the parser.
  const FAST_PATH_FILES = [
    'anthropic/messages-stream-cache-creation.json',
    'anthropic/messages-stream-cache-read.json',
    'anthropic/messages-stream-stop-sequence.json',
    'anthropic/messages-stream-thinking-delta-usage.json',
    'anthropic/messages-stream-thinking.json',
    'anthropic/messages-stream-tool-use.json',
    'anthropic/messages-stream.json',
    'deepseek/chat-completions-stream-usage-in-finish-chunk.json',
    'gemini/stream-generate-content-sse.json',
    'groq/chat-completions-stream-x-groq-usage.json',
    'mistral/chat-completions-stream.json',
    'openai/chat-completions-stream-include-usage.json',
    'openai/chat-completions-stream-n2-include-usage.json',
    'openai/chat-completions-stream-no-usage.json',
  ];

  it.each(streams.map(loaded => [loaded.name, loaded] as const))(
    'for every event of the recorded stream %s',
    (name, { fixture, format }) => {
      const hits = expectSameAsParsing(format, splitSseRaw(fixture.response.body as string));
      if (FAST_PATH_FILES.includes(name)) expect(hits).toBeGreaterThan(0);
      else expect(hits).toBe(0);
    },
  );
});

describe('onEventText answers for the common content deltas', () => {
  const answer: Answer = {
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    inputTokens: 12,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    choices: [['Hello', ',', ' "world"', '\n', ' 😀']],
    reasoningTokens: 0,
    outputTokens: 5,
    finishReason: 'stop',
    created: 1_700_000_000,
  };

  const frames = (body: ReturnType<typeof renderChat>['body']) => (body.kind === 'stream' ? body.frames : []);

  it.each([false, true])(
    "takes every output chunk of the simulator's chat stream without parsing (include_usage %s)",
    includeUsage => {
      const acc = accumulator(CHAT, CAPTURE);
      const answers = frames(renderChat(answer, { stream: true, includeUsage }).body).map(frame => {
        const [event] = splitSseRaw(frame.text);
        const fast = acc.onEventText?.(event!.event, event!.data);
        if (fast === undefined) acc.onEvent(event!.event, parsed(event!.data));
        return [frame.kind, fast] as const;
      });
      expect(answers.filter(([kind]) => kind === 'output')).toEqual(answer.choices[0]!.map(() => ['output', true]));
      expect(answers.filter(([kind]) => kind !== 'output').every(([, fast]) => fast === undefined)).toBe(true);
      expect(acc.finish().outputMessages).toEqual([
        { role: 'assistant', parts: [{ type: 'text', content: 'Hello, "world"\n 😀' }], finish_reason: 'stop' },
      ]);
    },
  );

  it("takes every text delta of the simulator's Anthropic stream without parsing", () => {
    const acc = accumulator(MESSAGES, CAPTURE);
    const answers = frames(
      renderMessages({ ...answer, responseModel: 'claude-sonnet-4-5' }, { stream: true, includeUsage: false }).body,
    ).map(frame => {
      const [event] = splitSseRaw(frame.text);
      const fast = acc.onEventText?.(event!.event, event!.data);
      if (fast === undefined) acc.onEvent(event!.event, parsed(event!.data));
      return [frame.kind, fast] as const;
    });
    expect(answers.filter(([kind]) => kind === 'output')).toEqual(answer.choices[0]!.map(() => ['output', true]));
    expect(answers.filter(([kind]) => kind !== 'output').every(([, fast]) => fast === undefined)).toBe(true);
    expect(acc.finish().outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello, "world"\n 😀' }], finish_reason: 'stop' },
    ]);
  });
});

describe('onEventText answers for the text chunks of a Gemini stream', () => {
  it("takes every text chunk of the simulator's Gemini stream without parsing but the first and the last", () => {
    const answer: Answer = {
      requestModel: 'gemini-2.5-flash',
      responseModel: 'gemini-2.5-flash',
      inputTokens: 12,
      cachedInputTokens: 3,
      cacheWriteInputTokens: 0,
      choices: [['Hello', ',', ' "world"', '\n', ' 😀']],
      reasoningTokens: 4,
      outputTokens: 9,
      finishReason: 'stop',
      created: 1_700_000_000,
    };
    const rendered = renderGenerateContent(answer, { stream: true, sse: true }).body;
    const events = (rendered.kind === 'stream' ? rendered.frames : []).map(frame => splitSseRaw(frame.text)[0]!);
    const acc = accumulator(GEMINI, CAPTURE);
    const fast = events.map(event => {
      const answered = acc.onEventText?.(event.event, event.data);
      if (answered === undefined) acc.onEvent(event.event, parsed(event.data));
      return answered;
    });
    // The first names the id and model; the last carries the finish reason.
    expect(fast).toEqual([undefined, true, true, true, undefined]);
    const info = acc.finish();
    expect(info.usage).toEqual({ inputTokens: 12, outputTokens: 9, cacheReadInputTokens: 3, reasoningOutputTokens: 4 });
    expect(info.outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello, "world"\n 😀' }], finish_reason: 'stop' },
    ]);
    expect(expectSameAsParsing(GEMINI, events)).toBe(3);
  });
});

describe('onEventText leaves everything else to the parser', () => {
  function chatAnswer(text: string, event?: string, opened = true): boolean | undefined {
    const acc = accumulator(CHAT, CAPTURE);
    if (opened) acc.onEvent(undefined, JSON.parse(FIRST_CHUNK));
    return acc.onEventText?.(event, text);
  }

  it('answers for a plain content chunk (the near misses below differ from it in one way)', () => {
    expect(chatAnswer(BASE_CHUNK)).toBe(true);
    expect(chatAnswer(BASE_CHUNK.replace('"Hi"', '""'))).toBe(false); // valid, but no output
  });

  it.each([
    ['a finish reason', BASE_CHUNK.replace('"finish_reason":null', '"finish_reason":"stop"')],
    ['a usage object', BASE_CHUNK.replace('"usage":null', '"usage":{"prompt_tokens":1,"completion_tokens":2}')],
    [
      'tool calls',
      BASE_CHUNK.replace(
        '{"content":"Hi"}',
        '{"content":"Hi","tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}',
      ),
    ],
    ['a role', BASE_CHUNK.replace('{"content":"Hi"}', '{"role":"assistant","content":"Hi"}')],
    ['reasoning', BASE_CHUNK.replace('{"content":"Hi"}', '{"content":"Hi","reasoning_content":null}')],
    ['null content', BASE_CHUNK.replace('"Hi"', 'null')],
    ['an unknown member', BASE_CHUNK.replace('"usage":null', '"x_groq":{"id":"req_1"}')],
    ['an error member', BASE_CHUNK.replace('"usage":null', '"error":null')],
    ['two choices', BASE_CHUNK.replace('}]', '},{"index":1,"delta":{"content":"x"},"finish_reason":null}]')],
    ['an invalid escape', BASE_CHUNK.replace('Hi', 'H\\xi')],
    ['a short unicode escape', BASE_CHUNK.replace('Hi', 'H\\u12i')],
    ['a raw control character', BASE_CHUNK.replace('Hi', 'H\ni')],
    ['truncated JSON', BASE_CHUNK.slice(0, -1)],
    ['a string cut short', BASE_CHUNK.slice(0, BASE_CHUNK.indexOf('Hi') + 2)],
    ['spaces after colons', BASE_CHUNK.replaceAll('":', '": ')],
    ['leading whitespace', ` ${BASE_CHUNK}`],
    ['trailing junk', `${BASE_CHUNK}x`],
    ['a fractional created', BASE_CHUNK.replace('"created":1', '"created":1.5')],
    ['a negative index', BASE_CHUNK.replace('"index":0', '"index":-1')],
  ])('a chat chunk with %s', (_what, text) => {
    expect(chatAnswer(text)).toBeUndefined();
    // Also once a content chunk with the same prefix was read (only the rest is matched then).
    const acc = accumulator(CHAT, CAPTURE);
    acc.onEvent(undefined, JSON.parse(FIRST_CHUNK));
    expect(acc.onEventText?.(undefined, BASE_CHUNK)).toBe(true);
    expect(acc.onEventText?.(undefined, text)).toBeUndefined();
  });

  it('a chat content chunk named `error`, or before the stream named its id and model', () => {
    expect(chatAnswer(BASE_CHUNK, 'error')).toBeUndefined();
    expect(chatAnswer(BASE_CHUNK, undefined, false)).toBeUndefined();
    // Azure's first chunk names neither: the next one must still be parsed for them.
    const acc = accumulator(CHAT, NO_CAPTURE);
    acc.onEvent(undefined, { choices: [], created: 0, id: '', model: '', object: '' });
    expect(acc.onEventText?.(undefined, BASE_CHUNK)).toBeUndefined();
  });

  function messagesAnswer(text: string, event: string | undefined = 'content_block_delta'): boolean | undefined {
    return accumulator(MESSAGES, CAPTURE).onEventText?.(event, text);
  }

  it('answers for text and thinking deltas, padded as the API sends them, even empty ones', () => {
    expect(messagesAnswer(TEXT_DELTA)).toBe(true);
    expect(messagesAnswer(THINKING_DELTA, undefined)).toBe(true);
    expect(messagesAnswer(`${TEXT_DELTA.slice(0, -1)}        }`)).toBe(true);
    expect(messagesAnswer(TEXT_DELTA.replace('"Hi"', '""'))).toBe(true);
  });

  it.each([
    [
      'an input JSON delta',
      TEXT_DELTA.replace('"type":"text_delta","text":"Hi"', '"type":"input_json_delta","partial_json":"{}"'),
    ],
    [
      'a signature delta',
      TEXT_DELTA.replace('"type":"text_delta","text":"Hi"', '"type":"signature_delta","signature":"abc"'),
    ],
    ['a type that does not name its member', TEXT_DELTA.replace('"type":"text_delta"', '"type":"thinking_delta"')],
    ['another event type', TEXT_DELTA.replace('content_block_delta', 'content_block_start')],
    ['an extra member', TEXT_DELTA.replace('"Hi"}', '"Hi","citations":[]}')],
    ['an invalid escape', TEXT_DELTA.replace('Hi', 'H\\xi')],
    ['truncated JSON', TEXT_DELTA.slice(0, -2)],
    ['spaces after colons', TEXT_DELTA.replaceAll('":', '": ')],
  ])('an Anthropic event with %s', (_what, text) => {
    expect(messagesAnswer(text)).toBeUndefined();
  });

  it('an Anthropic text delta under an `error` or `message_stop` event name', () => {
    expect(messagesAnswer(TEXT_DELTA, 'error')).toBeUndefined();
    expect(messagesAnswer(TEXT_DELTA, 'message_stop')).toBeUndefined();
  });
});

// A guard against catastrophic backtracking (which on 1 MB would run for minutes), not a timing
// assertion: the cost of the fast path is measured by bench/hook-path.cjs.
describe('onEventText never hangs on a hostile 1 MB event', () => {
  const MB = 1024 * 1024;
  const chatOpen = BASE_CHUNK.slice(0, BASE_CHUNK.indexOf('Hi'));
  const textOpen = TEXT_DELTA.slice(0, TEXT_DELTA.indexOf('Hi'));
  const cases: [string, WireFormatName, string, boolean | undefined][] = [
    ['an unterminated id', CHAT, `{"id":"${'a'.repeat(MB)}`, undefined],
    ['an unterminated content of escapes', CHAT, chatOpen + '\\"'.repeat(MB / 2), undefined],
    [
      'a content of escapes ending in a bad one',
      CHAT,
      `${chatOpen}${'\\u00e9'.repeat(MB / 6)}\\x"},"finish_reason":null}]}`,
      undefined,
    ],
    ['a million plain members and no choices', CHAT, `{${'"usage":null,'.repeat(MB / 13)}"x":1}`, undefined],
    [
      'members of escaped strings and a bad end',
      CHAT,
      `{${`"id":"${'\\\\'.repeat(64)}",`.repeat(MB / 140)}"choices":[]}`,
      undefined,
    ],
    ['a valid 1 MB content', CHAT, BASE_CHUNK.replace('Hi', 'é\\n'.repeat(MB / 3)), true],
    ['an unterminated text of escapes', MESSAGES, textOpen + '\\\\'.repeat(MB / 2), undefined],
    [
      'a text followed by a megabyte of spaces and junk',
      MESSAGES,
      `${TEXT_DELTA.slice(0, -1)}${' '.repeat(MB)}x}`,
      undefined,
    ],
    ['a valid 1 MB text', MESSAGES, TEXT_DELTA.replace('Hi', 'a\\"'.repeat(MB / 3)), true],
  ];

  it.each(cases)('%s', (_what, format, text, expected) => {
    const acc = accumulator(format, NO_CAPTURE);
    if (format === CHAT) acc.onEvent(undefined, JSON.parse(FIRST_CHUNK));
    acc.onEventText?.(undefined, format === CHAT ? BASE_CHUNK : TEXT_DELTA); // compiles the pattern
    const started = performance.now();
    const answer = acc.onEventText?.(undefined, text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer).toBe(expected);
  });
});
