import { describe, expect, it } from 'vitest';
import { CAPTURE, dataEvents, fromEvents, fromJson, parseRequest } from './codec-harness';

describe('legacy completions', () => {
  const F = 'openai.completions';

  it('reads the request and captures string prompts only', () => {
    const request = parseRequest(
      F,
      {
        model: 'gpt-3.5-turbo-instruct',
        prompt: ['Say hi', [1, 2, 3]],
        max_tokens: 7,
        temperature: 0,
        n: 2,
        stream: true,
      },
      CAPTURE,
    );
    expect(request).toEqual({
      model: 'gpt-3.5-turbo-instruct',
      stream: true,
      params: { maxTokens: 7, temperature: 0, choiceCount: 2 },
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'Say hi' }] }],
    });
  });

  it('reads a text_completion body', () => {
    const info = fromJson(F, {
      id: 'cmpl-1',
      object: 'text_completion',
      model: 'gpt-3.5-turbo-instruct',
      choices: [{ text: '\n\nHi', index: 0, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 },
    });
    expect(info).toEqual({
      outputCharacters: 4,
      responseId: 'cmpl-1',
      responseModel: 'gpt-3.5-turbo-instruct',
      finishReasons: ['length'],
      usage: { inputTokens: 3, outputTokens: 7 },
    });
  });

  it('reads a stream: text chunks are output, usage may come last', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        { id: 'cmpl-2', model: 'm', choices: [{ text: 'Hel', index: 0, finish_reason: null }] },
        { id: 'cmpl-2', model: 'm', choices: [{ text: 'lo', index: 0, finish_reason: 'stop' }] },
        { id: 'cmpl-2', model: 'm', choices: [], usage: { prompt_tokens: 2, completion_tokens: 2 } },
        '[DONE]',
      ),
    );
    expect(outputFlags).toEqual([true, true, false, false]);
    expect(info).toEqual({
      outputCharacters: 5,
      responseId: 'cmpl-2',
      responseModel: 'm',
      finishReasons: ['stop'],
      usage: { inputTokens: 2, outputTokens: 2 },
    });
  });

  it('estimates output when a stream reports no usage, and captures text when asked', () => {
    const { info } = fromEvents(
      F,
      dataEvents({ choices: [{ text: 'abcdefgh', index: 0, finish_reason: 'stop' }] }),
      CAPTURE,
    );
    expect(info.estimatedOutputTokens).toBe(2);
    expect(info.outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'abcdefgh' }], finish_reason: 'stop' },
    ]);
  });
});

describe('OpenAI-style embeddings', () => {
  const F = 'openai.embeddings';

  it('reads model and encoding format, never the input text', () => {
    expect(
      parseRequest(F, { model: 'text-embedding-3-small', input: ['secret'], encoding_format: 'base64' }, CAPTURE),
    ).toEqual({
      model: 'text-embedding-3-small',
      stream: false,
      params: { encodingFormats: ['base64'] },
    });
  });

  it('reports input tokens only (no output, even when a vendor sends completion_tokens: 0)', () => {
    const info = fromJson(F, {
      id: 'emb-1',
      object: 'list',
      data: [{ embedding: [0.1] }],
      model: 'mistral-embed',
      usage: { prompt_tokens: 10, total_tokens: 10, completion_tokens: 0 },
    });
    expect(info).toEqual({
      responseId: 'emb-1',
      responseModel: 'mistral-embed',
      finishReasons: [],
      usage: { inputTokens: 10 },
    });
  });

  it('reads an Azure error body', () => {
    expect(fromJson(F, { error: { code: '401', message: 'Access denied' } }).error).toEqual({ type: '401' });
  });
});

describe('embedding dimensions and OpenAI service tier (issue 15)', () => {
  it('reads OpenAI `dimensions` and Gemini `outputDimensionality` (also per batch request)', () => {
    expect(
      parseRequest('openai.embeddings', { model: 'm', input: 'x', dimensions: 256 }).params.embeddingDimensions,
    ).toBe(256);
    expect(
      parseRequest('gemini.embed_content', { content: {}, outputDimensionality: 768 }).params.embeddingDimensions,
    ).toBe(768);
    expect(
      parseRequest('gemini.embed_content', { requests: [{ output_dimensionality: 128 }] }).params.embeddingDimensions,
    ).toBe(128);
    expect(parseRequest('openai.embeddings', { model: 'm', input: 'x' }).params.embeddingDimensions).toBeUndefined();
  });

  it('reads the requested and the served service tier and the fingerprint of a chat stream from its first chunk', () => {
    expect(parseRequest('openai.chat_completions', { service_tier: 'priority' }).params.serviceTier).toBe('priority');
    expect(parseRequest('openai.responses', { service_tier: 'flex' }).params.serviceTier).toBe('flex');
    const { info } = fromEvents(
      'openai.chat_completions',
      dataEvents(
        {
          id: 'c1',
          model: 'gpt',
          service_tier: 'default',
          system_fingerprint: 'fp_a',
          choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
        },
        {
          id: 'c1',
          model: 'gpt',
          service_tier: 'other',
          system_fingerprint: 'fp_b',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        },
      ),
    );
    expect(info.serviceTier).toBe('default');
    expect(info.systemFingerprint).toBe('fp_a');
    expect(
      fromJson('openai.responses', { object: 'response', status: 'completed', service_tier: 'flex', output: [] })
        .serviceTier,
    ).toBe('flex');
  });
});
