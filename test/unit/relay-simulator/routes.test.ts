import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../../examples/relay-simulator/server.ts';
import { fetchAny, parseSse, postJson, sseJson } from './helpers.ts';

/** The documented tokenizer: ceil(length / 4) of the prompt pieces joined with '\n'. */
const tokensOf = (...pieces: string[]): number => Math.max(1, Math.ceil(pieces.join('\n').length / 4));

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator({ firstChunkDelayMs: 0, chunkDelayMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe('OpenAI chat completions', () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the capital of France?' },
  ];

  it('answers the chat.completion shape with usage derived from the prompt', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4.1', messages });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await res.json();
    expect(body.object).toBe('chat.completion');
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(body.model).toBe('gpt-4.1-2025-04-14');
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.choices[0].message.content.split(' ')).toHaveLength(16);
    expect(body.usage.prompt_tokens).toBe(tokensOf('Be brief.', 'What is the capital of France?'));
    expect(body.usage.completion_tokens).toBe(16);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 16);
    expect(body.usage.completion_tokens_details.reasoning_tokens).toBe(0);
  });

  it('cuts the answer at max_tokens with finish_reason length; same prompt, same text, new id', async () => {
    const a = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4o', messages, max_tokens: 5 })
    ).json();
    const b = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4o', messages, max_tokens: 5 })
    ).json();
    expect(a.usage.completion_tokens).toBe(5);
    expect(a.choices[0].finish_reason).toBe('length');
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.id).not.toBe(b.id);
    expect(a.model).toBe('gpt-4o-2024-08-06');
  });

  it('adds reasoning tokens for reasoning models (inside completion_tokens)', async () => {
    const body = await (await postJson(`${sim.url}/v1/chat/completions`, { model: 'o4-mini', messages })).json();
    expect(body.usage.completion_tokens_details.reasoning_tokens).toBe(8);
    expect(body.usage.completion_tokens).toBe(16 + 8);
  });

  it('streams chunks, then a usage-only chunk with choices [] when include_usage is set, then [DONE]', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, {
      model: 'deepseek-v3.2',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 4,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    const events = parseSse(text);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = sseJson(text);
    expect(chunks.every(c => c.object === 'chat.completion.chunk' && c.model === 'deepseek-v3.2')).toBe(true);
    expect(new Set(chunks.map(c => c.id)).size).toBe(1);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const content = chunks
      .flatMap(c => c.choices)
      .map((c: any) => c.delta.content ?? '')
      .join('');
    expect(content.split(' ')).toHaveLength(4);
    const finish = chunks.flatMap(c => c.choices).filter((c: any) => c.finish_reason !== null);
    expect(finish.map((c: any) => c.finish_reason)).toEqual(['length']);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens).toBe(tokensOf('Be brief.', 'What is the capital of France?'));
    expect(last.usage.completion_tokens).toBe(4);
    expect(chunks.slice(0, -1).every(c => c.usage === null)).toBe(true);
  });

  it('streams without any usage when include_usage is not set', async () => {
    const text = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4.1', messages, stream: true })
    ).text();
    const chunks = sseJson(text);
    expect(chunks.some(c => 'usage' in c)).toBe(false);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('interleaves n choices in a stream, one finish_reason per index', async () => {
    const text = await (
      await postJson(`${sim.url}/v1/chat/completions`, {
        model: 'gpt-4.1',
        messages,
        stream: true,
        n: 2,
        max_tokens: 3,
      })
    ).text();
    const choices = sseJson(text).flatMap(c => c.choices);
    expect(new Set(choices.map((c: any) => c.index))).toEqual(new Set([0, 1]));
    const finished = choices.filter((c: any) => c.finish_reason !== null).map((c: any) => c.index);
    expect(finished.sort()).toEqual([0, 1]);
  });

  it('answers a tool call when tools are declared and the user asks for one, and text after the tool result', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, days: { type: 'integer' } },
            required: ['city', 'days'],
          },
        },
      },
    ];
    const ask = [{ role: 'user', content: 'Call get_weather for Paris' }];
    const body = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4.1', messages: ask, tools })
    ).json();
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    const call = body.choices[0].message.tool_calls[0];
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.function.arguments)).sort()).toEqual(['city', 'days']);

    const stream = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4.1', messages: ask, tools, stream: true })
    ).text();
    const deltas = sseJson(stream)
      .flatMap(c => c.choices)
      .flatMap((c: any) => c.delta.tool_calls ?? []);
    expect(JSON.parse(deltas.map((d: any) => d.function.arguments ?? '').join(''))).toEqual(
      JSON.parse(call.function.arguments),
    );

    const followUp = [
      ...ask,
      { role: 'assistant', tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '21°C' },
    ];
    const after = await (
      await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4.1', messages: followUp, tools })
    ).json();
    expect(after.choices[0].finish_reason).toBe('stop');
    expect(typeof after.choices[0].message.content).toBe('string');
  });

  it('matches any path prefix and takes an Azure deployment as the model', async () => {
    const relayed = await postJson(`${sim.url}/api/v1/chat/completions`, { model: 'gemini-2.5-flash', messages });
    expect((await relayed.json()).model).toBe('gemini-2.5-flash');
    const azure = await postJson(`${sim.url}/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21`, {
      messages,
    });
    expect((await azure.json()).model).toBe('my-gpt');
  });
});

describe('OpenAI legacy completions', () => {
  it('answers text_completion JSON and SSE', async () => {
    const body = await (
      await postJson(`${sim.url}/v1/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', max_tokens: 3 })
    ).json();
    expect(body.object).toBe('text_completion');
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.choices[0].text.split(' ')).toHaveLength(3);
    expect(body.usage).toEqual({
      prompt_tokens: tokensOf('Say hi'),
      completion_tokens: 3,
      total_tokens: tokensOf('Say hi') + 3,
    });

    const text = await (
      await postJson(`${sim.url}/v1/completions`, {
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'Say hi',
        max_tokens: 3,
        stream: true,
        stream_options: { include_usage: true },
      })
    ).text();
    const chunks = sseJson(text);
    expect(chunks.at(-1).usage.completion_tokens).toBe(3);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.filter(c => c.choices[0]?.finish_reason === 'length')).toHaveLength(1);
  });
});

describe('OpenAI Responses API', () => {
  it('answers a response object with usage counting instructions and input', async () => {
    const body = await (
      await postJson(`${sim.url}/v1/responses`, {
        model: 'gpt-4.1',
        instructions: 'Be brief.',
        input: 'Say this is a test',
      })
    ).json();
    expect(body.object).toBe('response');
    expect(body.id).toMatch(/^resp_[0-9a-f]{50}$/);
    expect(body.status).toBe('completed');
    expect(body.model).toBe('gpt-4.1-2025-04-14');
    expect(body.output[0].type).toBe('message');
    expect(body.output[0].content[0].type).toBe('output_text');
    expect(body.usage.input_tokens).toBe(tokensOf('Be brief.', 'Say this is a test'));
    expect(body.usage.output_tokens).toBe(16);
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + 16);
  });

  it('reports reasoning items and tokens for reasoning models, incomplete at max_output_tokens', async () => {
    const body = await (
      await postJson(`${sim.url}/v1/responses`, { model: 'gpt-5', input: 'hi', max_output_tokens: 3 })
    ).json();
    expect(body.output.map((o: any) => o.type)).toEqual(['reasoning', 'message']);
    expect(body.usage.output_tokens_details.reasoning_tokens).toBe(8);
    expect(body.usage.output_tokens).toBe(3 + 8);
    expect(body.status).toBe('incomplete');
    expect(body.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('streams response.created, output_text deltas and response.completed with usage', async () => {
    const text = await (
      await postJson(`${sim.url}/v1/responses`, {
        model: 'gpt-4.1',
        input: [{ role: 'user', content: 'hello' }],
        stream: true,
      })
    ).text();
    const events = parseSse(text);
    const payloads = events.map(e => JSON.parse(e.data));
    expect(events.every((e, i) => e.event === payloads[i].type)).toBe(true);
    expect(payloads[0].type).toBe('response.created');
    expect(payloads[0].response.usage).toBeNull();
    expect(payloads.map(p => p.sequence_number)).toEqual(payloads.map((_, i) => i));
    const deltas = payloads.filter(p => p.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(16);
    const done = payloads.find(p => p.type === 'response.output_text.done');
    expect(done.text).toBe(deltas.map(d => d.delta).join(''));
    const completed = payloads.at(-1);
    expect(completed.type).toBe('response.completed');
    expect(completed.response.id).toBe(payloads[0].response.id);
    expect(completed.response.usage.input_tokens).toBe(tokensOf('hello'));
    expect(completed.response.usage.output_tokens).toBe(16);
  });
});

describe('OpenAI embeddings', () => {
  it('answers one unit vector per input, `dimensions` long, with prompt_tokens summed', async () => {
    const input = ['One fish', 'two fish', 'red fish'];
    const body = await (
      await postJson(`${sim.url}/v1/embeddings`, {
        model: 'text-embedding-3-small',
        input,
        dimensions: 8,
        encoding_format: 'float',
      })
    ).json();
    expect(body.object).toBe('list');
    expect(body.data.map((d: any) => d.index)).toEqual([0, 1, 2]);
    for (const item of body.data) {
      expect(item.object).toBe('embedding');
      expect(item.embedding).toHaveLength(8);
      expect(Math.hypot(...item.embedding)).toBeCloseTo(1, 5);
    }
    expect(body.usage).toEqual({
      prompt_tokens: input.reduce((n, s) => n + tokensOf(s), 0),
      total_tokens: input.reduce((n, s) => n + tokensOf(s), 0),
    });
  });

  it('sends base64 float32 when asked (the openai SDK default), equal to the float form', async () => {
    const floats = await (
      await postJson(`${sim.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: 'x', dimensions: 4 })
    ).json();
    const b64 = await (
      await postJson(`${sim.url}/v1/embeddings`, {
        model: 'text-embedding-3-small',
        input: 'x',
        dimensions: 4,
        encoding_format: 'base64',
      })
    ).json();
    const bytes = Buffer.from(b64.data[0].embedding, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toEqual(floats.data[0].embedding);
  });

  it('uses the model default dimension', async () => {
    const body = await (
      await postJson(`${sim.url}/v1/embeddings`, { model: 'text-embedding-3-large', input: 'x' })
    ).json();
    expect(body.data[0].embedding).toHaveLength(3072);
  });
});

describe('Anthropic messages', () => {
  const request = {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Tell me a joke' }],
  };

  it('answers a message with anthropic-ratelimit-* headers and no OpenAI ones', async () => {
    const res = await postJson(`${sim.url}/v1/messages`, request, {
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
    });
    const body = await res.json();
    expect(body.type).toBe('message');
    expect(body.id).toMatch(/^msg_01/);
    expect(body.model).toBe('claude-sonnet-4-5-20250929');
    expect(body.content).toEqual([{ type: 'text', text: expect.any(String) }]);
    expect(body.stop_reason).toBe('end_turn');
    expect(body.usage.input_tokens).toBe(tokensOf('Be brief.', 'Tell me a joke'));
    expect(body.usage.output_tokens).toBe(16);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
      expect(Number(res.headers.get(`anthropic-ratelimit-${kind}-limit`))).toBeGreaterThan(0);
      expect(res.headers.get(`anthropic-ratelimit-${kind}-remaining`)).toMatch(/^\d+$/);
      expect(res.headers.get(`anthropic-ratelimit-${kind}-reset`)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect(res.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('streams message_start (input usage) … content_block_delta … message_delta (output usage), message_stop', async () => {
    const text = await (await postJson(`${sim.url}/v1/messages`, { ...request, stream: true, max_tokens: 6 })).text();
    const events = parseSse(text);
    const names = events.map(e => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(names.filter(n => n === 'content_block_delta')).toHaveLength(6);
    const data = events.map(e => JSON.parse(e.data));
    expect(data.every((d, i) => d.type === names[i])).toBe(true);
    expect(data[0].message.usage.input_tokens).toBe(tokensOf('Be brief.', 'Tell me a joke'));
    const delta = data.find(d => d.type === 'message_delta');
    expect(delta.delta.stop_reason).toBe('max_tokens');
    expect(delta.usage.output_tokens).toBe(6);
  });

  it('splits cached prompt tokens out of input_tokens (x-sim-cached-tokens)', async () => {
    const body = await (await postJson(`${sim.url}/v1/messages`, request, { 'x-sim-cached-tokens': '2' })).json();
    expect(body.usage.cache_read_input_tokens).toBe(2);
    expect(body.usage.input_tokens).toBe(tokensOf('Be brief.', 'Tell me a joke') - 2);
  });

  it('answers tool_use when a tool is forced', async () => {
    const body = await (
      await postJson(`${sim.url}/v1/messages`, {
        ...request,
        tools: [
          { name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
        ],
        tool_choice: { type: 'any' },
      })
    ).json();
    expect(body.stop_reason).toBe('tool_use');
    expect(body.content[0]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { q: expect.any(String) } });
  });

  it('counts tokens', async () => {
    const body = await (await postJson(`${sim.url}/v1/messages/count_tokens`, request)).json();
    expect(body).toEqual({ input_tokens: tokensOf('Be brief.', 'Tell me a joke') });
  });
});

describe('Gemini generateContent', () => {
  const request = {
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    contents: [{ role: 'user', parts: [{ text: 'What is 2+2?' }] }],
    generationConfig: { maxOutputTokens: 100 },
  };

  it('answers candidates and usageMetadata; thoughts are apart from candidatesTokenCount', async () => {
    const res = await postJson(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, request, {
      'x-goog-api-key': 'AIza-test',
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const body = await res.json();
    expect(body.candidates[0].content.role).toBe('model');
    expect(body.candidates[0].finishReason).toBe('STOP');
    expect(body.modelVersion).toBe('gemini-2.5-flash');
    expect(typeof body.responseId).toBe('string');
    const usage = body.usageMetadata;
    expect(usage.promptTokenCount).toBe(tokensOf('Be brief.', 'What is 2+2?'));
    expect(usage.candidatesTokenCount).toBe(16);
    expect(usage.thoughtsTokenCount).toBe(8);
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount + 16 + 8);
  });

  it('reports no thoughts for non-thinking models and MAX_TOKENS when cut', async () => {
    const body = await (
      await postJson(`${sim.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
        ...request,
        generationConfig: { maxOutputTokens: 2 },
      })
    ).json();
    expect(body.usageMetadata.thoughtsTokenCount).toBeUndefined();
    expect(body.usageMetadata.candidatesTokenCount).toBe(2);
    expect(body.candidates[0].finishReason).toBe('MAX_TOKENS');
  });

  it('streams SSE with \\r\\n\\r\\n separators and cumulative usage in every chunk', async () => {
    const res = await postJson(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      ...request,
      generationConfig: { maxOutputTokens: 3 },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    expect(text.replaceAll('\r\n\r\n', '')).not.toContain('\n\n');
    const chunks = sseJson(text);
    expect(chunks.map(c => c.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3]);
    expect(chunks.every(c => c.usageMetadata.thoughtsTokenCount === 8)).toBe(true);
    expect(chunks.map(c => c.candidates[0].finishReason)).toEqual([undefined, undefined, 'MAX_TOKENS']);
    expect(new Set(chunks.map(c => c.responseId)).size).toBe(1);
  });

  it('streams a JSON array without alt=sse', async () => {
    const res = await postJson(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      ...request,
      generationConfig: { maxOutputTokens: 2 },
    });
    const array = JSON.parse(await res.text());
    expect(array).toHaveLength(2);
    expect(array[1].usageMetadata.candidatesTokenCount).toBe(2);
  });

  it('embeds content', async () => {
    const body = await (
      await postJson(`${sim.url}/v1beta/models/text-embedding-004:embedContent`, {
        content: { parts: [{ text: 'hello' }] },
      })
    ).json();
    expect(body.embedding.values).toHaveLength(768);
  });
});

describe('model lists', () => {
  it('lists models in the OpenAI shape, including the demo models', async () => {
    const body = await (await fetchAny(`${sim.url}/v1/models`)).json();
    expect(body.object).toBe('list');
    const ids = body.data.map((m: any) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['deepseek-v3.2', 'gemini-2.5-flash', 'gpt-4.1', 'claude-sonnet-4.5']));
    expect(body.data[0]).toEqual({
      id: ids[0],
      object: 'model',
      created: expect.any(Number),
      owned_by: expect.any(String),
    });
  });

  it('answers one model, and 404 model_not_found for an unknown one', async () => {
    expect(await (await fetchAny(`${sim.url}/v1/models/gpt-4.1`)).json()).toMatchObject({
      id: 'gpt-4.1',
      object: 'model',
    });
    const missing = await fetchAny(`${sim.url}/v1/models/gpt-99`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('model_not_found');
  });

  it('uses the Anthropic shape when anthropic-version is sent, and the Gemini shape under /v1beta', async () => {
    const anthropic = await (
      await fetchAny(`${sim.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })
    ).json();
    expect(anthropic.data[0]).toMatchObject({ type: 'model', id: expect.any(String) });
    expect(anthropic.has_more).toBe(false);
    const gemini = await (await fetchAny(`${sim.url}/v1beta/models`)).json();
    expect(gemini.models[0].name).toMatch(/^models\//);
    // @google/genai with a custom baseUrl calls /v1/models: its API-key header says which shape it expects.
    const genai = await (await fetchAny(`${sim.url}/v1/models`, { headers: { 'x-goog-api-key': 'AIza-test' } })).json();
    expect(genai.models[0].name).toMatch(/^models\//);
  });
});

describe('model substitution and unknown routes', () => {
  it('answers as another model with the substitute option or x-sim-model', async () => {
    const other = await startRelaySimulator({ substitute: { 'gpt-4.1': 'gpt-4.1-mini' } });
    try {
      const body = await (
        await postJson(`${other.url}/v1/chat/completions`, {
          model: 'gpt-4.1',
          messages: [{ role: 'user', content: 'x' }],
        })
      ).json();
      expect(body.model).toBe('gpt-4.1-mini');
    } finally {
      await other.close();
    }
    const knob = await (
      await postJson(
        `${sim.url}/v1/messages`,
        { model: 'claude-sonnet-4.5', max_tokens: 5, messages: [] },
        { 'x-sim-model': 'claude-haiku-4-5' },
      )
    ).json();
    expect(knob.model).toBe('claude-haiku-4-5');
  });

  it('answers 404 Invalid URL for an unknown route, and 400 for a request without a model', async () => {
    const res = await postJson(`${sim.url}/v1/unknown`, {});
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toBe('Invalid URL (POST /v1/unknown)');
    const noModel = await postJson(`${sim.url}/v1/chat/completions`, { messages: [] });
    expect(noModel.status).toBe(400);
    expect((await noModel.json()).error.type).toBe('invalid_request_error');
  });

  it('answers 400 invalid_request_error for a body that is not JSON', async () => {
    const res = await fetchAny(`${sim.url}/v1/chat/completions`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe('invalid_request_error');
  });
});

describe('legacy OpenAI billing routes (one-api / new-api shapes)', () => {
  it('answers the subscription and the usage, at the root and under /v1, and charges answered calls', async () => {
    const billed = await startRelaySimulator({
      billing: { limitUsd: 25, spentUsd: 5, usdPerMillionTokens: 1_000_000 },
    });
    try {
      for (const prefix of ['', '/v1']) {
        const subscription = await (await fetch(`${billed.url}${prefix}/dashboard/billing/subscription`)).json();
        expect(subscription).toMatchObject({
          object: 'billing_subscription',
          hard_limit_usd: 25,
          soft_limit_usd: 25,
          system_hard_limit_usd: 25,
          has_payment_method: true,
        });
        const usage = await fetch(
          `${billed.url}${prefix}/dashboard/billing/usage?start_date=2026-01-01&end_date=2026-04-01`,
        );
        expect(usage.status).toBe(200);
        expect(await usage.json()).toEqual({ object: 'list', total_usage: 500 });
      }
      const answer = await (
        await postJson(`${billed.url}/v1/chat/completions`, {
          model: 'gpt-4.1',
          messages: [{ role: 'user', content: 'Hi' }],
        })
      ).json();
      // 1 USD per token at this price
      expect(billed.spentUsd).toBeCloseTo(5 + answer.usage.total_tokens, 9);
      const usage = (await (await fetch(`${billed.url}/dashboard/billing/usage`)).json()) as { total_usage: number };
      expect(usage.total_usage).toBeCloseTo((5 + answer.usage.total_tokens) * 100, 6);
      // A failed call costs nothing; reset() restores the starting spend.
      await postJson(
        `${billed.url}/v1/chat/completions`,
        { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] },
        { 'x-sim-fault': '503' },
      );
      expect(billed.spentUsd).toBeCloseTo(5 + answer.usage.total_tokens, 9);
      billed.reset();
      expect(billed.spentUsd).toBe(5);
    } finally {
      await billed.close();
    }
  });

  it('answers 404 with billing: false, like a relay without these routes', async () => {
    const unbilled = await startRelaySimulator({ billing: false });
    try {
      const res = await fetch(`${unbilled.url}/v1/dashboard/billing/subscription`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'Invalid URL (GET /v1/dashboard/billing/subscription)',
      );
    } finally {
      await unbilled.close();
    }
  });
});
