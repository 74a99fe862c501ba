import { describe, expect, it } from 'vitest';
import { CAPTURE, fromEvents, fromJson, parseRequest } from './codec-harness';

const F = 'anthropic.messages';

const start = (usage: Record<string, unknown>): [string, unknown] => [
  'message_start',
  {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      content: [],
      stop_reason: null,
      usage,
    },
  },
];
const textDelta = (text: string, index = 0): [string, unknown] => [
  'content_block_delta',
  { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
];
const messageDelta = (stopReason: string | null, usage: Record<string, unknown>): [string, unknown] => [
  'message_delta',
  { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage },
];

describe('messages request', () => {
  it('reads model, stream and parameters', () => {
    expect(
      parseRequest(F, {
        model: 'claude-haiku-4-5',
        max_tokens: 8192,
        temperature: 1,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['```'],
        stream: true,
        output_format: { type: 'json_schema' },
      }),
    ).toEqual({
      model: 'claude-haiku-4-5',
      stream: true,
      params: { maxTokens: 8192, temperature: 1, topP: 0.9, topK: 40, stopSequences: ['```'], outputType: 'json' },
    });
  });

  it('a Vertex streamRawPredict route streams and names the model in the URL', () => {
    const request = parseRequest(F, { anthropic_version: 'vertex-2023-10-16', max_tokens: 10 }, undefined, {
      format: F,
      operation: 'chat',
      urlModel: 'claude-sonnet-4@20250514',
      urlStream: true,
    });
    expect(request.model).toBe('claude-sonnet-4@20250514');
    expect(request.stream).toBe(true);
  });

  it('captures system as system instructions and content blocks as parts', () => {
    const request = parseRequest(
      F,
      {
        model: 'm',
        system: [{ type: 'text', text: 'You summarise.', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Call the tool', signature: 'sig' },
              { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
      },
      CAPTURE,
    );
    expect(request.systemInstructions).toEqual([{ type: 'text', content: 'You summarise.' }]);
    expect(request.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Call the tool' },
          { type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { type: 'tool_call_response', id: 'toolu_1', response: 'sunny' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'AAAA' },
        ],
      },
    ]);
  });
});

describe('messages JSON', () => {
  it('adds cache reads and writes to input tokens (semconv) and reports them apart', () => {
    const info = fromJson(F, {
      id: 'msg_01',
      type: 'message',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Hi' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 3, cache_creation_input_tokens: 418, cache_read_input_tokens: 1111, output_tokens: 33 },
    });
    expect(info).toEqual({
      outputCharacters: 2,
      responseId: 'msg_01',
      responseModel: 'claude-sonnet-4-5-20250929',
      finishReasons: ['end_turn'],
      usage: { inputTokens: 1532, outputTokens: 33, cacheReadInputTokens: 1111, cacheWriteInputTokens: 418 },
    });
  });

  it('reads an error body', () => {
    expect(
      fromJson(F, { type: 'error', error: { type: 'not_found_error', message: 'model: x' }, request_id: 'req_1' }),
    ).toEqual({
      finishReasons: [],
      usage: {},
      error: { type: 'not_found_error' },
    });
  });

  it('captures thinking, text and tool use from a whole message', () => {
    const info = fromJson(
      F,
      {
        type: 'message',
        content: [
          { type: 'thinking', thinking: 'Hmm', signature: 's' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: { tz: 'UTC' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 1, output_tokens: 2 },
      },
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Hmm' },
          { type: 'text', content: 'Let me check.' },
          { type: 'tool_call', id: 'toolu_2', name: 'get_time', arguments: { tz: 'UTC' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });
});

describe('messages stream', () => {
  it('usage split across message_start and message_delta (cumulative output)', () => {
    const { info, outputFlags } = fromEvents(F, [
      start({ input_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 1165, output_tokens: 1 }),
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['ping', { type: 'ping' }],
      textDelta('Hello'),
      textDelta(' there'),
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      messageDelta('end_turn', { output_tokens: 221 }),
      ['message_stop', { type: 'message_stop' }],
    ]);
    expect(outputFlags).toEqual([false, false, false, true, true, false, false, false]);
    expect(info).toEqual({
      outputCharacters: 11,
      responseId: 'msg_1',
      responseModel: 'claude-sonnet-4-20250514',
      finishReasons: ['end_turn'],
      usage: { inputTokens: 1169, outputTokens: 221, cacheReadInputTokens: 1165, cacheWriteInputTokens: 0 },
    });
  });

  it('newer format: message_delta repeats input and cache fields; the latest non-null value wins', () => {
    const { info } = fromEvents(F, [
      start({ input_tokens: 43, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 }),
      messageDelta('end_turn', {
        input_tokens: 50,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: 7,
        output_tokens: 282,
      }),
    ]);
    expect(info.usage).toEqual({
      inputTokens: 57,
      outputTokens: 282,
      cacheReadInputTokens: 7,
      cacheWriteInputTokens: 0,
    });
  });

  it('thinking and tool-input deltas are output chunks; signature deltas are not', () => {
    const { outputFlags } = fromEvents(F, [
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } },
      ],
      [
        'content_block_start',
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
        },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      ],
    ]);
    expect(outputFlags).toEqual([false, true, false, false, true]);
  });

  it('an error event in a 200 stream (overloaded)', () => {
    const { info } = fromEvents(F, [
      start({ input_tokens: 1, output_tokens: 1 }),
      textDelta('x'),
      ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
    ]);
    expect(info.error).toEqual({ type: 'overloaded_error' });
    expect(info.finishReasons).toEqual([]);
  });

  it('assembles streamed thinking, text and tool calls with capture on', () => {
    const { info } = fromEvents(
      F,
      [
        start({ input_tokens: 1, output_tokens: 1 }),
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'plan' } },
        ],
        textDelta('Checking.', 1),
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index: 2,
            content_block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} },
          },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"location": ' } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"SF"}' } },
        ],
        messageDelta('tool_use', { output_tokens: 40 }),
      ],
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'plan' },
          { type: 'text', content: 'Checking.' },
          { type: 'tool_call', id: 'toolu_9', name: 'get_weather', arguments: { location: 'SF' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('a stream cut after message_start keeps input usage and estimates output only if text came', () => {
    // message_start's output_tokens (1) is a placeholder, not the count of the text that followed.
    const cut = fromEvents(F, [start({ input_tokens: 10, output_tokens: 1 }), textDelta('abcdefgh')]).info;
    expect(cut.usage).toEqual({ inputTokens: 10 });
    expect(cut.estimatedOutputTokens).toBe(2);
    const noText = fromEvents(F, [start({ input_tokens: 10, output_tokens: 1 })]).info;
    expect(noText.usage).toEqual({ inputTokens: 10, outputTokens: 1 });
    expect(noText.estimatedOutputTokens).toBeUndefined();
  });
});

describe('server tools (web search, code execution)', () => {
  const serverCall = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'otel' } };
  const serverResult = {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_1',
    content: [{ type: 'web_search_result', url: 'https://x' }],
  };

  it('are server_tool_call / server_tool_call_response parts in input and whole output', () => {
    const request = parseRequest(
      'anthropic.messages',
      { messages: [{ role: 'assistant', content: [serverCall, serverResult] }] },
      CAPTURE,
    );
    expect(request.inputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'server_tool_call',
            id: 'srvtoolu_1',
            name: 'web_search',
            server_tool_call: { type: 'web_search', input: { query: 'otel' } },
          },
          {
            type: 'server_tool_call_response',
            id: 'srvtoolu_1',
            server_tool_call_response: { type: 'web_search_tool_result', content: serverResult.content },
          },
        ],
      },
    ]);
    const info = fromJson(
      'anthropic.messages',
      {
        type: 'message',
        content: [serverCall, serverResult, { type: 'text', text: 'found' }],
        stop_reason: 'end_turn',
      },
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'found' },
          {
            type: 'server_tool_call',
            id: 'srvtoolu_1',
            name: 'web_search',
            server_tool_call: { type: 'web_search', input: { query: 'otel' } },
          },
          {
            type: 'server_tool_call_response',
            id: 'srvtoolu_1',
            server_tool_call_response: { type: 'web_search_tool_result', content: serverResult.content },
          },
        ],
        finish_reason: 'stop',
      },
    ]);
  });

  it('are server tool parts in a stream too', () => {
    const { info } = fromEvents(
      'anthropic.messages',
      [
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { ...serverCall, input: {} } }],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'input_json_delta', partial_json: '{"query":"otel"}' },
          },
        ],
        ['content_block_start', { type: 'content_block_start', index: 1, content_block: serverResult }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }],
      ],
      CAPTURE,
    );
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'server_tool_call',
            id: 'srvtoolu_1',
            name: 'web_search',
            server_tool_call: { type: 'web_search', input: { query: 'otel' } },
          },
          {
            type: 'server_tool_call_response',
            id: 'srvtoolu_1',
            server_tool_call_response: { type: 'web_search_tool_result', content: serverResult.content },
          },
        ],
        finish_reason: 'stop',
      },
    ]);
  });
});
