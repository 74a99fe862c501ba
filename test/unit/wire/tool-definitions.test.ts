import { describe, expect, it } from 'vitest';
import { requestAttributes } from '../../../src/telemetry/span-attributes';
import { schemaErrors } from '../../support/genai-schema';
import { CAPTURE, NO_CAPTURE, parseRequest } from './codec-harness';

const weather = {
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('gen_ai.tool.definitions (content capture only)', () => {
  it('OpenAI Chat Completions tools and legacy functions: type, name, description; never the parameter schema', () => {
    const request = parseRequest(
      'openai.chat_completions',
      { tools: [{ type: 'function', function: weather }], functions: [{ name: 'legacy' }] },
      CAPTURE,
    );
    expect(request.toolDefinitions).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather in a city' },
      { type: 'function', name: 'legacy' },
    ]);
    expect(schemaErrors('tool-definitions', request.toolDefinitions)).toEqual([]);
  });

  it('OpenAI Responses: function tools and built-in tools named by their type', () => {
    const request = parseRequest(
      'openai.responses',
      { tools: [{ type: 'function', ...weather }, { type: 'web_search_preview' }] },
      CAPTURE,
    );
    expect(request.toolDefinitions).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather in a city' },
      { type: 'web_search_preview', name: 'web_search_preview' },
    ]);
    expect(schemaErrors('tool-definitions', request.toolDefinitions)).toEqual([]);
  });

  it('Anthropic: client tools are functions, server tools keep their versioned type', () => {
    const request = parseRequest(
      'anthropic.messages',
      {
        tools: [
          { name: 'get_weather', description: 'Weather in a city', input_schema: weather.parameters },
          { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
        ],
      },
      CAPTURE,
    );
    expect(request.toolDefinitions).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather in a city' },
      { type: 'web_search_20250305', name: 'web_search' },
    ]);
    expect(schemaErrors('tool-definitions', request.toolDefinitions)).toEqual([]);
  });

  it('Gemini: functionDeclarations (camel and snake case) and other tools by key', () => {
    const request = parseRequest(
      'gemini.generate_content',
      {
        tools: [
          { functionDeclarations: [weather] },
          { function_declarations: [{ name: 'b' }] },
          { googleSearch: {} },
          { codeExecution: {} },
        ],
      },
      CAPTURE,
    );
    expect(request.toolDefinitions).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather in a city' },
      { type: 'function', name: 'b' },
      { type: 'google_search', name: 'google_search' },
      { type: 'code_execution', name: 'code_execution' },
    ]);
    expect(schemaErrors('tool-definitions', request.toolDefinitions)).toEqual([]);
  });

  it('descriptions are cut to maxContentLength and the list is bounded', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({
      type: 'function',
      function: { name: `f${i}`, description: 'd'.repeat(5000) },
    }));
    const request = parseRequest('openai.chat_completions', { tools: many }, CAPTURE);
    expect(request.toolDefinitions).toHaveLength(128);
    expect((request.toolDefinitions![0] as { description: string }).description).toHaveLength(CAPTURE.maxContentLength);
  });

  it('nothing without content capture, and the span attribute only with it', () => {
    const body = { tools: [{ type: 'function', function: weather }] };
    expect(parseRequest('openai.chat_completions', body, NO_CAPTURE).toolDefinitions).toBeUndefined();
    const captured = parseRequest('openai.chat_completions', body, CAPTURE);
    expect(requestAttributes(captured, false)['gen_ai.tool.definitions']).toBeUndefined();
    expect(JSON.parse(requestAttributes(captured, true)['gen_ai.tool.definitions'] as string)).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather in a city' },
    ]);
  });
});
