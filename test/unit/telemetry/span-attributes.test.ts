/*
 * What a call becomes on its span: names and attributes. Metric labels are
 * built elsewhere (metrics.ts); here only the span side.
 */
import { describe, expect, it } from 'vitest';
import {
  outcomeAttributes,
  requestAttributes,
  spanName,
  startAttributes,
} from '../../../src/telemetry/span-attributes';
import type { CallOutcome, CallStart } from '../../../src/call/call';
import { CHAT_CALL_START } from '../../support/calls';

const start: CallStart = CHAT_CALL_START;

function outcome(overrides: Partial<CallOutcome> = {}): CallOutcome {
  return {
    ...start,
    request: { model: 'gpt-4.1', stream: false, params: {} },
    response: {
      responseModel: 'gpt-4.1-2025-04-14',
      responseId: 'chatcmpl-1',
      finishReasons: ['stop'],
      usage: { inputTokens: 12, outputTokens: 5 },
    },
    statusCode: 200,
    unpriced: false,
    substituted: false,
    ...overrides,
  };
}

describe('spanName', () => {
  it('is "{operation} {model}", or the operation alone without a model', () => {
    expect(spanName('chat', 'gpt-4.1')).toBe('chat gpt-4.1');
    expect(spanName('embeddings', undefined)).toBe('embeddings');
    expect(spanName('generate_content', '')).toBe('generate_content');
  });
});

describe('startAttributes', () => {
  it('carries operation, provider, server, method, URL and wire format; the model when the URL names it', () => {
    expect(startAttributes(start, undefined)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'server.address': 'relay.example.com',
      'server.port': 443,
      'http.request.method': 'POST',
      'url.full': 'https://relay.example.com/v1/chat/completions',
      'llm_relay.wire_format': 'openai.chat_completions',
      'openai.api.type': 'chat_completions',
    });
    expect(startAttributes(start, 'my-deployment')['gen_ai.request.model']).toBe('my-deployment');
  });

  it("marks the probe's own calls", () => {
    expect(startAttributes({ ...start, probe: 'chat' }, 'gpt-4.1')['llm_relay.probe']).toBe('chat');
  });
});

describe('requestAttributes', () => {
  const request = {
    model: 'gpt-4.1',
    stream: true,
    params: {
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      seed: 7,
      choiceCount: 1,
      frequencyPenalty: 0.5,
      presencePenalty: 0,
    },
    inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'Where is order 42?' }] }],
    systemInstructions: [{ type: 'text', content: 'Be brief.' }],
  };

  it('maps the parameters to gen_ai.request.* (a choice count of 1 is the default and left out)', () => {
    expect(requestAttributes(request, false)).toEqual({
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.request.stream': true,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.request.frequency_penalty': 0.5,
      'gen_ai.request.presence_penalty': 0,
    });
    expect(requestAttributes({ ...request, params: { choiceCount: 3 } }, false)['gen_ai.request.choice.count']).toBe(3);
  });

  it('content only when capture is on, as JSON strings', () => {
    const off = requestAttributes(request, false);
    expect(off['gen_ai.input.messages']).toBeUndefined();
    expect(off['gen_ai.system_instructions']).toBeUndefined();
    const on = requestAttributes(request, true);
    expect(JSON.parse(on['gen_ai.input.messages'] as string)).toEqual(request.inputMessages);
    expect(JSON.parse(on['gen_ai.system_instructions'] as string)).toEqual(request.systemInstructions);
  });
});

describe('outcomeAttributes', () => {
  it('a successful call: status, response model and id, finish reasons, usage; no error', () => {
    expect(outcomeAttributes(outcome(), false)).toEqual({
      'http.response.status_code': 200,
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
    });
  });

  it('cache and reasoning tokens; cache writes under the v1.41 name and its successor', () => {
    const attributes = outcomeAttributes(
      outcome({
        response: {
          finishReasons: ['end_turn'],
          usage: {
            inputTokens: 1532,
            outputTokens: 33,
            cacheReadInputTokens: 1111,
            cacheWriteInputTokens: 418,
            reasoningOutputTokens: 9,
          },
        },
      }),
      false,
    );
    expect(attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 1532,
      'gen_ai.usage.cache_read.input_tokens': 1111,
      'gen_ai.usage.cache_creation.input_tokens': 418,
      'gen_ai.usage.cache_write.input_tokens': 418,
      'gen_ai.usage.reasoning.output_tokens': 9,
    });
  });

  it('cost with its source, substitution, time to first chunk', () => {
    const attributes = outcomeAttributes(
      outcome({ cost: { usd: 0.0123, source: 'relay' }, substituted: true, timeToFirstChunk: 0.25 }),
      false,
    );
    expect(attributes).toMatchObject({
      'llm_relay.cost.usd': 0.0123,
      'llm_relay.cost.source': 'relay',
      'llm_relay.model.substituted': true,
      'gen_ai.response.time_to_first_chunk': 0.25,
    });
    const plain = outcomeAttributes(outcome(), false);
    expect(plain['llm_relay.model.substituted']).toBeUndefined();
    expect(plain['llm_relay.cost.usd']).toBeUndefined();
  });

  it('a 429: error.type, vendor error class and retry-after as a one-element array (semconv header form)', () => {
    const attributes = outcomeAttributes(
      outcome({
        statusCode: 429,
        errorType: '429',
        vendorErrorType: 'rate_limit_error',
        retryAfterHeader: '7',
        response: { finishReasons: [], usage: {}, error: { type: 'rate_limit_error' } },
      }),
      false,
    );
    expect(attributes).toEqual({
      'http.response.status_code': 429,
      'error.type': '429',
      'llm_relay.error.vendor_type': 'rate_limit_error',
      'http.response.header.retry-after': ['7'],
    });
  });

  it('a success without usage says usage was not reported; an output estimate is labelled as one', () => {
    const attributes = outcomeAttributes(
      outcome({ response: { finishReasons: ['stop'], usage: {}, estimatedOutputTokens: 4 } }),
      false,
    );
    expect(attributes['llm_relay.usage.reported']).toBe(false);
    expect(attributes['llm_relay.usage.estimated_output_tokens']).toBe(4);
    expect(attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  it('output messages only when capture is on', () => {
    const messages = [{ role: 'assistant', parts: [{ type: 'text', content: 'In transit.' }], finish_reason: 'stop' }];
    const withContent = outcome({ response: { finishReasons: ['stop'], usage: {}, outputMessages: messages } });
    expect(outcomeAttributes(withContent, false)['gen_ai.output.messages']).toBeUndefined();
    expect(JSON.parse(outcomeAttributes(withContent, true)['gen_ai.output.messages'] as string)).toEqual(messages);
  });

  it('a transport failure without a response: just error.type', () => {
    expect(
      outcomeAttributes(outcome({ response: undefined, statusCode: undefined, errorType: 'timeout' }), false),
    ).toEqual({
      'error.type': 'timeout',
    });
  });
});

describe('attributes we parse and now keep (issue 15)', () => {
  it('openai.api.type on OpenAI chat and responses calls only', () => {
    expect(startAttributes(start, 'gpt-4.1')['openai.api.type']).toBe('chat_completions');
    expect(
      startAttributes({ ...start, route: { format: 'openai.responses', operation: 'chat' } }, 'm')['openai.api.type'],
    ).toBe('responses');
    expect(
      startAttributes({ ...start, route: { format: 'openai.embeddings', operation: 'embeddings' } }, 'm')[
        'openai.api.type'
      ],
    ).toBeUndefined();
    expect(startAttributes({ ...start, provider: 'deepseek' }, 'm')['openai.api.type']).toBeUndefined();
  });

  it('service tiers and system fingerprint for provider openai, not for others', () => {
    const served = outcome({
      request: { model: 'gpt-4.1', stream: false, params: { serviceTier: 'flex' } },
      response: { finishReasons: ['stop'], usage: {}, serviceTier: 'flex', systemFingerprint: 'fp_1' },
    });
    expect(outcomeAttributes(served, false)).toMatchObject({
      'openai.request.service_tier': 'flex',
      'openai.response.service_tier': 'flex',
      'openai.response.system_fingerprint': 'fp_1',
    });
    const other = outcomeAttributes({ ...served, provider: 'deepseek' }, false);
    expect(Object.keys(other).filter(key => key.startsWith('openai.'))).toEqual([]);
  });

  it('gen_ai.embeddings.dimension.count from the request', () => {
    expect(
      requestAttributes({ stream: false, params: { embeddingDimensions: 256 } }, false)[
        'gen_ai.embeddings.dimension.count'
      ],
    ).toBe(256);
  });
});
