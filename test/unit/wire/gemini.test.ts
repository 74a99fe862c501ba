import { describe, expect, it } from 'vitest';
import { CAPTURE, dataEvents, fromEvents, fromJson, parseRequest, routeFor } from './codec-harness';

const F = 'gemini.generate_content';

function chunk(
  parts: unknown[],
  extra: Record<string, unknown> = {},
  candidate: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts }, ...candidate }],
    modelVersion: 'gemini-2.5-flash',
    responseId: 'resp-1',
    ...extra,
  };
}

describe('generateContent request', () => {
  it('takes the model from the URL and streaming from streamGenerateContent', () => {
    const request = parseRequest(F, { contents: [] }, undefined, {
      format: F,
      operation: 'generate_content',
      urlModel: 'gemini-2.5-pro',
      urlStream: true,
    });
    expect(request).toEqual({ model: 'gemini-2.5-pro', stream: true, params: {} });
  });

  it('falls back to a body model without its models/ prefix', () => {
    expect(
      parseRequest(F, { model: 'models/gemini-2.0-flash' }, undefined, { format: F, operation: 'generate_content' })
        .model,
    ).toBe('gemini-2.0-flash');
  });

  it('reads generationConfig (camelCase and snake_case)', () => {
    expect(
      parseRequest(F, {
        generationConfig: {
          maxOutputTokens: 5,
          temperature: 0.3,
          topP: 0.8,
          topK: 20,
          stopSequences: ['\nObservation:'],
          seed: 7,
          candidateCount: 2,
          presencePenalty: 0.1,
          frequencyPenalty: 0.2,
          responseMimeType: 'application/json',
        },
      }).params,
    ).toEqual({
      maxTokens: 5,
      temperature: 0.3,
      topP: 0.8,
      topK: 20,
      stopSequences: ['\nObservation:'],
      seed: 7,
      choiceCount: 2,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      outputType: 'json',
    });
    expect(
      parseRequest(F, { generation_config: { max_output_tokens: 9, response_modalities: ['IMAGE', 'TEXT'] } }).params,
    ).toEqual({ maxTokens: 9, outputType: 'image' });
  });

  it('captures systemInstruction and contents (model → assistant)', () => {
    const request = parseRequest(
      F,
      {
        systemInstruction: { role: 'user', parts: [{ text: 'You are a helpful chatbot.' }] },
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'Explain this video' },
              { fileData: { fileUri: 'https://youtu.be/x', mimeType: 'video/mp4' } },
            ],
          },
          { role: 'model', parts: [{ functionCall: { name: 'get_country', args: {} } }] },
          {
            role: 'user',
            parts: [
              { functionResponse: { name: 'get_country', response: { country: 'FR' } } },
              { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } },
            ],
          },
        ],
      },
      CAPTURE,
    );
    expect(request.systemInstructions).toEqual([{ type: 'text', content: 'You are a helpful chatbot.' }]);
    expect(request.inputMessages).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Explain this video' },
          { type: 'uri', modality: 'video', mime_type: 'video/mp4', uri: 'https://youtu.be/x' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'tool_call', name: 'get_country', arguments: {} }] },
      {
        role: 'user',
        parts: [
          { type: 'tool_call_response', response: { country: 'FR' } },
          { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/' },
        ],
      },
    ]);
  });
});

describe('generateContent response', () => {
  it('maps usageMetadata to semconv: output includes thoughts, cached content is a cache read', () => {
    const info = fromJson(
      F,
      chunk(
        [{ text: 'This video…' }],
        {
          usageMetadata: {
            promptTokenCount: 17713,
            candidatesTokenCount: 68,
            thoughtsTokenCount: 821,
            cachedContentTokenCount: 17379,
            totalTokenCount: 18602,
          },
        },
        { finishReason: 'STOP', index: 0 },
      ),
    );
    expect(info).toEqual({
      outputCharacters: 11,
      responseId: 'resp-1',
      responseModel: 'gemini-2.5-flash',
      finishReasons: ['STOP'],
      usage: { inputTokens: 17713, outputTokens: 889, cacheReadInputTokens: 17379, reasoningOutputTokens: 821 },
    });
  });

  it('counts tool-use prompt tokens as input', () => {
    expect(
      fromJson(
        F,
        chunk([], { usageMetadata: { promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 1 } }),
      ).usage,
    ).toEqual({ inputTokens: 15, outputTokens: 1 });
  });

  it('finish reasons per candidate index', () => {
    const info = fromJson(F, {
      candidates: [
        { index: 1, content: { parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS' },
        { index: 0, content: { parts: [{ text: 'a' }] }, finishReason: 'STOP' },
      ],
    });
    expect(info.finishReasons).toEqual(['STOP', 'MAX_TOKENS']);
  });

  it('reads a Google error body', () => {
    expect(fromJson(F, { error: { code: 404, message: 'models/x is not found', status: 'NOT_FOUND' } }).error).toEqual({
      type: 'NOT_FOUND',
      code: '404',
    });
  });

  it('streamGenerateContent without alt=sse: one JSON array of responses', () => {
    const info = fromJson(F, [
      chunk([{ text: 'Hel' }], { usageMetadata: { trafficType: 'ON_DEMAND' } }),
      chunk(
        [{ text: 'lo' }],
        { usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 13 } },
        { finishReason: 'STOP' },
      ),
    ]);
    expect(info.finishReasons).toEqual(['STOP']);
    expect(info.usage).toEqual({ inputTokens: 8, outputTokens: 5, reasoningOutputTokens: 3 });
  });
});

describe('streamGenerateContent (alt=sse)', () => {
  it('Vertex: trafficType-only usage until the last chunk; the last usage with counts wins', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        chunk([{ text: 'When systems hum' }], { usageMetadata: { trafficType: 'ON_DEMAND' } }),
        chunk(
          [{ text: ' into sight.' }],
          {
            usageMetadata: {
              promptTokenCount: 8,
              candidatesTokenCount: 388,
              thoughtsTokenCount: 2193,
              totalTokenCount: 2589,
              trafficType: 'ON_DEMAND',
            },
          },
          { finishReason: 'STOP' },
        ),
        chunk([{ text: '' }], { usageMetadata: { trafficType: 'ON_DEMAND' } }),
      ),
    );
    expect(outputFlags).toEqual([true, true, false]);
    expect(info.usage).toEqual({ inputTokens: 8, outputTokens: 2581, reasoningOutputTokens: 2193 });
  });

  it('Gemini API: cumulative usage in every chunk', () => {
    const { info } = fromEvents(
      F,
      dataEvents(
        chunk([{ text: '1\n2' }], {
          usageMetadata: { promptTokenCount: 18, candidatesTokenCount: 3, thoughtsTokenCount: 35 },
        }),
        chunk(
          [{ text: '\n3' }],
          { usageMetadata: { promptTokenCount: 18, candidatesTokenCount: 80, thoughtsTokenCount: 35 } },
          { finishReason: 'STOP' },
        ),
      ),
    );
    expect(info.usage.outputTokens).toBe(115);
  });

  it('function calls are output chunks and are captured', () => {
    const { info, outputFlags } = fromEvents(
      F,
      dataEvents(
        chunk([{ functionCall: { name: 'get_country', args: {} }, thoughtSignature: 'Epw' }]),
        chunk([{ text: '' }], {}, { finishReason: 'STOP', index: 0 }),
      ),
      CAPTURE,
    );
    expect(outputFlags).toEqual([true, false]);
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', name: 'get_country', arguments: {} }],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('thought parts are captured as reasoning and counted for the estimate', () => {
    const { info } = fromEvents(
      F,
      dataEvents(chunk([{ text: 'thinking..', thought: true }, { text: 'answer' }])),
      CAPTURE,
    );
    expect(info.estimatedOutputTokens).toBe(4);
    expect(info.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'thinking..' },
          { type: 'text', content: 'answer' },
        ],
        finish_reason: 'error',
      },
    ]);
  });

  it('an error object mid-stream', () => {
    const { info } = fromEvents(
      F,
      dataEvents(chunk([{ text: 'a' }]), { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }),
    );
    expect(info.error).toEqual({ type: 'UNAVAILABLE', code: '503' });
  });
});

describe('embedContent', () => {
  const E = 'gemini.embed_content';

  it('takes the model from the URL and reads usage when present', () => {
    expect(parseRequest(E, { content: { parts: [{ text: 'secret' }] } }, CAPTURE)).toEqual({
      model: routeFor(E).urlModel,
      stream: false,
      params: {},
    });
    expect(fromJson(E, { embedding: { values: [0.1] }, usageMetadata: { promptTokenCount: 4 } })).toEqual({
      finishReasons: [],
      usage: { inputTokens: 4 },
    });
    expect(fromJson(E, { embeddings: [{ values: [0.1] }] })).toEqual({ finishReasons: [], usage: {} });
  });

  it('reads an error body', () => {
    expect(fromJson(E, { error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }).error).toEqual({
      type: 'INVALID_ARGUMENT',
      code: '400',
    });
  });
});
