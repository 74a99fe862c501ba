/*
 * A codec's `responseSkipKeys` name members it never reads: large JSON bodies are parsed without
 * them (src/json/bounded-json-parser.ts), small ones with them. Whichever way a body went, the
 * codec must report the same, content capture on or off. Checked on every recorded JSON body and
 * on bodies built to carry the skipped members where a codec could be tempted to read them.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codecFor } from '../../../src/wire/index';
import type { WireFormatName } from '../../../src/wire/types';
import { FIXTURES_DIR, loadFixtures } from '../../support/llm-wire-fixtures';
import { ALL_FORMATS as FORMATS, CAPTURE, NO_CAPTURE, fromJson } from './codec-harness';

/** `value` without the object members named in `keys`, at any depth: what the bounded parser keeps. */
function withoutMembers(value: unknown, keys: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map(item => withoutMembers(item, keys));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !keys.has(key))
      .map(([key, member]) => [key, withoutMembers(member, keys)]),
  );
}

function hasMember(value: unknown, keys: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some(item => hasMember(item, keys));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, member]) => keys.has(key) || hasMember(member, keys));
}

const logprobs = {
  content: [
    { token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hello', logprob: -4.2, bytes: null }] },
  ],
  refusal: null,
};

/** Bodies that carry the skipped members next to everything the codec reads. */
const BUILT: Partial<Record<WireFormatName, unknown[]>> = {
  'openai.chat_completions': [
    {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4.1-2025-04-14',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: [{ type: 'text', text: 'Hi', logprobs: [-0.01] }],
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"logprobs":true}' } },
            ],
          },
          logprobs,
          finish_reason: 'tool_calls',
        },
        { index: 1, message: { role: 'assistant', content: 'Hello' }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, logprobs: 1 },
    },
  ],
  'openai.completions': [
    {
      id: 'cmpl-1',
      object: 'text_completion',
      model: 'gpt-3.5-turbo-instruct',
      choices: [
        {
          index: 0,
          text: 'Hello there',
          logprobs: {
            tokens: ['Hello', ' there'],
            token_logprobs: [-0.1, -0.2],
            top_logprobs: null,
            text_offset: [0, 5],
          },
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    },
  ],
  'openai.responses': [
    {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-4.1-2025-04-14',
      top_logprobs: 2,
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Thinking.' }] },
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          content: [
            {
              type: 'output_text',
              text: 'Hi',
              annotations: [],
              logprobs: [{ token: 'Hi', logprob: -0.01, top_logprobs: [] }],
            },
          ],
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
      ],
      usage: {
        input_tokens: 20,
        output_tokens: 7,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens_details: { reasoning_tokens: 3 },
      },
    },
  ],
  'openai.embeddings': [
    {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.012, -0.034, 0.5] },
        { object: 'embedding', index: 1, embedding: 'AAAAPwAAgD8=' },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    },
    {
      id: 'embd-1',
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [1, 2] }],
      model: 'mistral-embed',
      usage: { prompt_tokens: 3, total_tokens: 3, completion_tokens: 0 },
    },
  ],
  'gemini.embed_content': [
    { embedding: { values: [0.1, 0.2, 0.3] }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } },
    { embeddings: [{ values: [0.1] }, { values: [0.2] }], usage_metadata: { promptTokenCount: 7 } },
  ],
};

const recorded = existsSync(FIXTURES_DIR) ? loadFixtures() : [];

describe('responseSkipKeys', () => {
  it('names the embedding vectors, the bulk of an embeddings body', () => {
    expect([...(codecFor('openai.embeddings').responseSkipKeys ?? [])]).toContain('embedding');
    expect([...(codecFor('gemini.embed_content').responseSkipKeys ?? [])]).toEqual(
      expect.arrayContaining(['embedding', 'embeddings']),
    );
  });

  for (const format of FORMATS) {
    const skipKeys = codecFor(format).responseSkipKeys;
    if (skipKeys === undefined) continue;
    const built = BUILT[format] ?? [];
    const bodies = [
      ...built.map((body, i) => ({ name: `built ${i}`, body })),
      ...recorded
        .filter(
          loaded =>
            loaded.format === format &&
            typeof loaded.fixture.response.body === 'object' &&
            loaded.fixture.response.body !== null,
        )
        .map(loaded => ({ name: loaded.name, body: loaded.fixture.response.body })),
    ];

    it(`${format}: removing ${[...skipKeys].join(', ')} changes nothing reported, capture on or off`, () => {
      expect(built.length).toBeGreaterThan(0);
      for (const body of built) expect(hasMember(body, skipKeys)).toBe(true);
      for (const { name, body } of bodies) {
        const without = withoutMembers(body, skipKeys);
        for (const options of [NO_CAPTURE, CAPTURE]) {
          expect(fromJson(format, without, options), name).toEqual(fromJson(format, body, options));
        }
      }
    });
  }
});
