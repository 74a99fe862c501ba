import { describe, expect, it } from 'vitest';
import { CAPTURE, NO_CAPTURE, dataEvents, fromEvents, fromJson, parseRequest } from './codec-harness';

const F = 'openai.chat_completions';

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-2024-08-06', choices, ...extra };
}

function delta(index: number, content: string | null, finishReason: string | null = null): Record<string, unknown> {
  return { index, delta: content === null ? {} : { content }, finish_reason: finishReason };
}

describe('chat completions request', () => {
  it('reads model, stream, include_usage and parameters', () => {
    const request = parseRequest(F, {
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      max_completion_tokens: 200,
      temperature: 0.2,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: -0.5,
      stop: 'END',
      seed: 42,
      n: 3,
      response_format: { type: 'json_schema', json_schema: {} },
    });
    expect(request).toEqual({
      model: 'gpt-4o',
      stream: true,
      includeUsage: true,
      params: {
        maxTokens: 200,
        temperature: 0.2,
        topP: 0.9,
        frequencyPenalty: 0.1,
        presencePenalty: -0.5,
        stopSequences: ['END'],
        seed: 42,
        choiceCount: 3,
        outputType: 'json',
      },
    });
  });

  it('uses max_tokens when max_completion_tokens is absent, and reads stop arrays and text format', () => {
    const request = parseRequest(F, {
      model: 'm',
      max_tokens: 50,
      stop: ['a', 7, 'b'],
      response_format: { type: 'text' },
      stream_options: { include_usage: false },
    });
    expect(request.params).toEqual({ maxTokens: 50, stopSequences: ['a', 'b'], outputType: 'text' });
    expect(request.stream).toBe(false);
    expect(request.includeUsage).toBe(false);
  });

  it('takes the model from an Azure deployment URL when the body has none', () => {
    const request = parseRequest(F, { messages: [] }, NO_CAPTURE, {
      format: F,
      operation: 'chat',
      urlModel: 'my-deployment',
    });
    expect(request.model).toBe('my-deployment');
  });

  it('never reads message text unless content capture is on', () => {
    let reads = 0;
    const message = {
      role: 'user',
      get content(): string {
        reads++;
        return 'secret';
      },
    };
    const request = parseRequest(F, { model: 'm', messages: [message] });
    expect(reads).toBe(0);
    expect(request.inputMessages).toBeUndefined();
  });

  it('captures messages in the semconv shape, truncated', () => {
    const request = parseRequest(
      F,
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image? '.repeat(10) },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        ],
      },
      { captureContent: true, maxContentLength: 20 },
    );
    expect(request.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is in this imag' },
          { type: 'uri', modality: 'image', uri: 'https://example.com/' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { q: 'cat' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'a cat' }] },
    ]);
  });

  it('captures a data: URL image as a blob part', () => {
    const request = parseRequest(
      F,
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        ],
      },
      CAPTURE,
    );
    expect(request.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' }] },
    ]);
  });
});

describe('chat completions JSON response', () => {
  it('reads id, model, finish reasons per choice and usage details', () => {
    const info = fromJson(F, {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        { index: 1, message: { role: 'assistant', content: 'b' }, finish_reason: 'length' },
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 1149,
        completion_tokens: 353,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 128 },
      },
    });
    expect(info).toEqual({
      outputCharacters: 3,
      responseId: 'chatcmpl-9',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['tool_calls', 'length'],
      usage: { inputTokens: 1149, outputTokens: 353, cacheReadInputTokens: 1024, reasoningOutputTokens: 128 },
    });
  });

  it("reads DeepSeek's prompt_cache_hit_tokens as cache reads", () => {
    const info = fromJson(F, {
      id: 'x',
      model: 'deepseek-chat',
      choices: [],
      usage: { prompt_tokens: 100, completion_tokens: 5, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 },
    });
    expect(info.usage.cacheReadInputTokens).toBe(64);
  });

  it("reads OpenRouter's usage.cost as the reported cost", () => {
    const info = fromJson(F, {
      id: 'gen-1',
      model: 'openai/gpt-5-mini',
      choices: [],
      usage: { prompt_tokens: 17, completion_tokens: 1515, cost: 0.00303 },
    });
    expect(info.reportedCostUsd).toBe(0.00303);
  });

  it('keeps non-standard finish reasons raw', () => {
    expect(
      fromJson(F, { choices: [{ index: 0, message: { content: 'x' }, finish_reason: 'eos' }] }).finishReasons,
    ).toEqual(['eos']);
  });

  it('reads an error body', () => {
    const info = fromJson(F, {
      error: {
        message: 'Unsupported parameter',
        type: 'invalid_request_error',
        param: 'stop',
        code: 'unsupported_parameter',
      },
    });
    expect(info).toEqual({
      finishReasons: [],
      usage: {},
      error: { type: 'invalid_request_error', code: 'unsupported_parameter' },
    });
  });

  it('estimates output tokens when a body reports no usage', () => {
    const info = fromJson(F, {
      id: 'x',
      choices: [{ index: 0, message: { content: 'abcdefghij' }, finish_reason: 'stop' }],
    });
    expect(info.usage.outputTokens).toBeUndefined();
    expect(info.estimatedOutputTokens).toBe(3);
  });

  it('captures the output message when capture is on', () => {
    const info = fromJson(
      F,
      { choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }] },
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello there' }], finish_reason: 'stop' },
    ]);
  });
});

describe('chat completions stream', () => {
  it('include_usage: usage comes in a final chunk with choices: []', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        chunk([delta(0, 'Hi')]),
        chunk([delta(0, null, 'stop')]),
        chunk([], { usage: { prompt_tokens: 22, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } } }),
        '[DONE]',
      ),
    );
    expect(outputFlags).toEqual([false, true, false, false, false]);
    expect(info).toEqual({
      outputCharacters: 2,
      responseId: 'chatcmpl-1',
      responseModel: 'gpt-4o-2024-08-06',
      finishReasons: ['stop'],
      usage: { inputTokens: 22, outputTokens: 4, cacheReadInputTokens: 0 },
    });
  });

  it('no usage at all: output tokens are estimated from the streamed characters', () => {
    const { info } = fromEvents(
      F,
      dataEvents(chunk([delta(0, 'Hello, ')]), chunk([delta(0, 'world!!')]), chunk([delta(0, null, 'stop')]), '[DONE]'),
    );
    expect(info.usage).toEqual({});
    expect(info.estimatedOutputTokens).toBe(Math.ceil('Hello, world!!'.length / 4));
  });

  it('usage inside the finish chunk (DeepSeek, Mistral, Together)', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([delta(0, 'x')]),
        chunk([delta(0, '', 'eos')], { usage: { prompt_tokens: 37, completion_tokens: 53, total_tokens: 90 } }),
        '[DONE]',
      ),
    );
    expect(info.finishReasons).toEqual(['eos']);
    expect(info.usage).toEqual({ inputTokens: 37, outputTokens: 53 });
    expect(info.estimatedOutputTokens).toBeUndefined();
  });

  it('Groq x_groq.usage', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([delta(0, 'a')]),
        chunk([delta(0, null, 'stop')], {
          x_groq: { id: 'req_1', usage: { prompt_tokens: 18, completion_tokens: 73, total_tokens: 91 } },
        }),
      ),
    );
    expect(info.usage).toEqual({ inputTokens: 18, outputTokens: 73 });
  });

  it('Azure: the first chunk has an empty id and model; the first non-empty ones win', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [] },
        { ...chunk([delta(0, 'Why')]), id: 'chatcmpl-A', model: 'gpt-4.1-mini' },
        { ...chunk([delta(0, null, 'stop')]), id: 'chatcmpl-B', model: 'other' },
      ),
    );
    expect(info.responseId).toBe('chatcmpl-A');
    expect(info.responseModel).toBe('gpt-4.1-mini');
    expect(outputFlags[0]).toBe(false);
  });

  it('n > 1: finish reasons per index in index order, the last non-null per index', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([delta(1, 'b')]),
        chunk([delta(0, 'a')]),
        chunk([delta(1, null, 'length')]),
        chunk([delta(0, null, 'stop')]),
        chunk([{ index: 1, delta: {}, finish_reason: null }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'content_filter' }]),
      ),
    );
    expect(info.finishReasons).toEqual(['content_filter', 'length']);
  });

  it('OpenRouter: an error object in a 200 stream chunk, with usage beside it', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([delta(0, 'x', 'length')]),
        chunk([delta(0, '')], {
          error: { code: 400, message: 'Token limit reached' },
          usage: { prompt_tokens: 43, completion_tokens: 10, cost: 0 },
        }),
        '[DONE]',
      ),
    );
    expect(info.error).toEqual({ type: '400' });
    expect(info.finishReasons).toEqual(['length']);
    expect(info.usage).toEqual({ inputTokens: 43, outputTokens: 10 });
    expect(info.reportedCostUsd).toBe(0);
  });

  it('Groq: an `event: error` frame ends the stream', () => {
    const { info, outputFlags } = fromEvents(F, [
      [undefined, chunk([{ index: 0, delta: { reasoning: 'We need' }, finish_reason: null }])],
      [
        'error',
        {
          error: {
            message: 'Tool call validation failed',
            type: 'invalid_request_error',
            code: 'tool_use_failed',
            status_code: 400,
          },
        },
      ],
    ]);
    expect(outputFlags).toEqual([true, false]);
    expect(info.error).toEqual({ type: 'invalid_request_error', code: 'tool_use_failed' });
    expect(info.finishReasons).toEqual([]);
  });

  it('an `event: error` whose data is not JSON still marks the call failed', () => {
    expect(fromEvents(F, [['error', 'upstream went away']]).info.error).toEqual({ type: '_OTHER' });
  });

  it('reasoning deltas (DeepSeek reasoning_content, OpenRouter reasoning) and tool-call deltas are output chunks', () => {
    const { outputFlags, info } = fromEvents(
      F,
      dataEvents(
        chunk([{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { reasoning: 'more' }, finish_reason: null }]),
        chunk([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] },
            finish_reason: null,
          },
        ]),
        chunk([
          { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }, finish_reason: null },
        ]),
      ),
    );
    expect(outputFlags).toEqual([true, true, true, true]);
    expect(info.estimatedOutputTokens).toBe(Math.ceil(('think' + 'more' + '{"a":1}').length / 4));
  });

  it('chunks without choices, and odd data, do not break the stream', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        { id: 'x' },
        { choices: null },
        { choices: [null, 5, 'x'] },
        42,
        null,
        [],
        '',
        chunk([delta(0, 'ok', 'stop')]),
      ),
    );
    expect(outputFlags).toEqual([false, false, false, false, false, false, false, true]);
    expect(info.finishReasons).toEqual(['stop']);
    expect(info.responseId).toBe('x');
  });

  it('assembles streamed text and tool calls into output messages when capture is on, up to the cap', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        chunk([delta(0, 'abcdef')]),
        chunk([delta(0, 'ghijkl')]),
        chunk([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'get', arguments: '{"cit' } }] },
            finish_reason: null,
          },
        ]),
        chunk([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: 'y":"x"}' } }] },
            finish_reason: 'tool_calls',
          },
        ]),
      ),
      { captureContent: true, maxContentLength: 8 },
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'abcdefgh' },
          { type: 'tool_call', id: 'call_1', name: 'get', arguments: '{"city":' },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('a cut stream still reports what it saw', () => {
    const { info } = fromEvents(F, dataEvents(chunk([delta(0, 'partial')])));
    expect(info).toEqual({
      outputCharacters: 7,
      responseId: 'chatcmpl-1',
      responseModel: 'gpt-4o-2024-08-06',
      finishReasons: [],
      usage: {},
      estimatedOutputTokens: 2,
    });
  });
});
