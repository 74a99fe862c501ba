import { describe, expect, it } from 'vitest';
import { CAPTURE, fromEvents, fromJson, parseRequest } from './codec-harness';

const F = 'openai.responses';

function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'resp_1',
    object: 'response',
    status,
    model: 'gpt-4o-mini-2024-07-18',
    output: [],
    usage: null,
    error: null,
    ...extra,
  };
}

const USAGE = {
  input_tokens: 44,
  input_tokens_details: { cached_tokens: 12 },
  output_tokens: 288,
  output_tokens_details: { reasoning_tokens: 9 },
  total_tokens: 332,
};

describe('responses request', () => {
  it('reads model, stream and parameters', () => {
    expect(
      parseRequest(F, {
        model: 'gpt-5',
        stream: true,
        max_output_tokens: 300,
        temperature: 1,
        top_p: 0.5,
        text: { format: { type: 'json_schema' } },
      }),
    ).toEqual({
      model: 'gpt-5',
      stream: true,
      params: { maxTokens: 300, temperature: 1, topP: 0.5, outputType: 'json' },
    });
  });

  it('captures instructions as system instructions and input items as messages', () => {
    const request = parseRequest(
      F,
      {
        model: 'm',
        instructions: 'You are a helpful assistant.',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'Weather?' },
              { type: 'input_image', image_url: 'https://x.test/i.png' },
            ],
          },
          { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
          { type: 'item_reference', id: 'msg_1' },
        ],
      },
      CAPTURE,
    );
    expect(request.systemInstructions).toEqual([{ type: 'text', content: 'You are a helpful assistant.' }]);
    expect(request.inputMessages).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Weather?' },
          { type: 'uri', modality: 'image', uri: 'https://x.test/i.png' },
        ],
      },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'sunny' }] },
    ]);
  });

  it('a string input is one user message', () => {
    expect(parseRequest(F, { input: 'Hello' }, CAPTURE).inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
    ]);
    expect(parseRequest(F, { input: 'Hello' }).inputMessages).toBeUndefined();
  });
});

describe('responses JSON', () => {
  it('reads id, model, status as finish reason and usage details', () => {
    const info = fromJson(
      F,
      response('completed', {
        usage: USAGE,
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi' }] }],
      }),
    );
    expect(info).toEqual({
      outputCharacters: 2,
      responseId: 'resp_1',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['completed'],
      usage: { inputTokens: 44, outputTokens: 288, cacheReadInputTokens: 12, reasoningOutputTokens: 9 },
    });
  });

  it('an incomplete response reports `incomplete`', () => {
    expect(
      fromJson(F, response('incomplete', { incomplete_details: { reason: 'max_output_tokens' } })).finishReasons,
    ).toEqual(['incomplete']);
  });

  it('a failed response carries its error code', () => {
    const info = fromJson(F, response('failed', { error: { code: 'server_error', message: 'boom' } }));
    expect(info.finishReasons).toEqual(['failed']);
    expect(info.error).toEqual({ type: 'server_error' });
  });

  it('reads an HTTP error body', () => {
    expect(
      fromJson(F, { error: { message: 'no', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } })
        .error,
    ).toEqual({
      type: 'invalid_request_error',
      code: 'model_not_found',
    });
  });

  it('captures output text, function calls and reasoning summaries', () => {
    const info = fromJson(
      F,
      response('completed', {
        output: [
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking' }] },
          { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"location":"Seattle"}' },
        ],
      }),
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Thinking' },
          { type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: { location: 'Seattle' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });
});

describe('responses stream', () => {
  it('reads the lifecycle events; only deltas are output chunks', () => {
    const { info, outputFlags } = fromEvents(F, [
      ['response.created', { type: 'response.created', response: response('in_progress'), sequence_number: 0 }],
      ['response.in_progress', { type: 'response.in_progress', response: response('in_progress'), sequence_number: 1 }],
      [
        'response.output_item.added',
        { type: 'response.output_item.added', item: { type: 'message' }, output_index: 0 },
      ],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'This is', output_index: 0 }],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: ' a test.', output_index: 0 }],
      ['response.output_text.done', { type: 'response.output_text.done', text: 'This is a test.' }],
      ['response.completed', { type: 'response.completed', response: response('completed', { usage: USAGE }) }],
    ]);
    expect(outputFlags).toEqual([false, false, false, true, true, false, false]);
    expect(info).toEqual({
      outputCharacters: 15,
      responseId: 'resp_1',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['completed'],
      usage: { inputTokens: 44, outputTokens: 288, cacheReadInputTokens: 12, reasoningOutputTokens: 9 },
    });
  });

  it('works without `event:` lines (the data type names the event)', () => {
    const { info } = fromEvents(F, [
      [undefined, { type: 'response.created', response: response('in_progress') }],
      [undefined, { type: 'response.completed', response: response('completed', { usage: USAGE }) }],
    ]);
    expect(info.finishReasons).toEqual(['completed']);
  });

  it('an error event then response.failed: error from the error event, finish reason `failed`', () => {
    const { info } = fromEvents(F, [
      ['response.created', { type: 'response.created', response: response('in_progress') }],
      ['error', { type: 'error', error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'quota' } }],
      [
        'response.failed',
        {
          type: 'response.failed',
          response: response('failed', { error: { code: 'insufficient_quota', message: 'quota' } }),
        },
      ],
    ]);
    expect(info.error).toEqual({ type: 'insufficient_quota' });
    expect(info.finishReasons).toEqual(['failed']);
  });

  it('the documented flat error event shape (`{type: "error", code, message}`)', () => {
    const { info } = fromEvents(F, [
      ['error', { type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null, sequence_number: 2 }],
    ]);
    expect(info.error).toEqual({ type: 'rate_limit_exceeded' });
  });

  it('a stream cut while in progress reports no finish reason and estimates output', () => {
    const { info } = fromEvents(F, [
      ['response.created', { type: 'response.created', response: response('in_progress') }],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: '12345678' }],
    ]);
    expect(info.finishReasons).toEqual([]);
    expect(info.estimatedOutputTokens).toBe(2);
  });

  it('reasoning and function-call argument deltas are output; audio deltas do not count as characters', () => {
    const { outputFlags, info } = fromEvents(F, [
      ['response.reasoning_summary_text.delta', { type: 'response.reasoning_summary_text.delta', delta: 'abcd' }],
      [
        'response.function_call_arguments.delta',
        { type: 'response.function_call_arguments.delta', delta: '{"a"', output_index: 1 },
      ],
      ['response.audio.delta', { type: 'response.audio.delta', delta: 'QUJDRA=='.repeat(100) }],
    ]);
    expect(outputFlags).toEqual([true, true, true]);
    expect(info.estimatedOutputTokens).toBe(2);
  });

  it('assembles streamed output when capture is on', () => {
    const { info } = fromEvents(
      F,
      [
        [
          'response.output_item.added',
          {
            type: 'response.output_item.added',
            output_index: 0,
            item: { type: 'function_call', call_id: 'call_1', name: 'lookup' },
          },
        ],
        [
          'response.function_call_arguments.delta',
          { type: 'response.function_call_arguments.delta', output_index: 0, delta: '{"q":' },
        ],
        [
          'response.function_call_arguments.delta',
          { type: 'response.function_call_arguments.delta', output_index: 0, delta: '"x"}' },
        ],
        ['response.output_text.delta', { type: 'response.output_text.delta', output_index: 1, delta: 'Done' }],
        [
          'response.completed',
          {
            type: 'response.completed',
            response: response('completed', {
              output: [{ type: 'message', content: [{ type: 'output_text', text: 'Done' }] }],
            }),
          },
        ],
      ],
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Done' },
          { type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { q: 'x' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });
});
