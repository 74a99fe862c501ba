/*
 * Real SDK clients with content capture on, tools declared, system prompts and streams: every
 * captured content attribute of every relay span validates against the GenAI conventions' JSON
 * schemas (test/support/genai-schema.ts), and the tools the SDK sent are the tool definitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { GoogleGenAI } from '@google/genai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { contentAttributeErrors } from '../support/genai-schema';
import { setupOtel } from '../support/otel-harness';

const API_KEY = 'sk-sdk-capture-51f0';
const PROMPT = 'Where is my parcel? Please track order 42.';
const SYSTEM = 'You are the shipping assistant of ACME.';
const otel = setupOtel({ captureMessageContent: true });

let relay: RelaySimulator;
beforeAll(async () => {
  relay = await startRelaySimulator({ requireKey: API_KEY });
});
afterAll(async () => {
  await relay?.close();
});

const openai = () => new OpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1` });
const anthropic = () => new Anthropic({ apiKey: API_KEY, baseURL: relay.url });
const vercel = () => createOpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1` });
const gemini = () => new GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: relay.url } });
const parameters = { type: 'object' as const, properties: { order: { type: 'string' as const } }, required: ['order'] };

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

const calls: [string, () => Promise<unknown>][] = [
  [
    'openai chat.completions.create with tools',
    () =>
      openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: PROMPT },
        ],
        tools: [{ type: 'function', function: { name: 'track_order', description: 'Where an order is', parameters } }],
        tool_choice: 'required',
      }),
  ],
  [
    'openai chat.completions.create stream',
    async () =>
      drain(
        await openai().chat.completions.create({
          model: 'gpt-4.1',
          messages: [{ role: 'user', content: PROMPT }],
          stream: true,
          stream_options: { include_usage: true },
        }),
      ),
  ],
  [
    'openai responses.create with tools',
    () =>
      openai().responses.create({
        model: 'gpt-4.1',
        instructions: SYSTEM,
        input: PROMPT,
        tools: [{ type: 'function', name: 'track_order', description: 'Where an order is', parameters, strict: false }],
      }),
  ],
  [
    'openai responses.create stream (reasoning model)',
    async () => drain(await openai().responses.create({ model: 'o4-mini', input: PROMPT, stream: true })),
  ],
  [
    'anthropic messages.create with tools and system',
    () =>
      anthropic().messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        system: SYSTEM,
        tools: [{ name: 'track_order', description: 'Where an order is', input_schema: parameters }],
        tool_choice: { type: 'any' },
        messages: [{ role: 'user', content: PROMPT }],
      }),
  ],
  [
    'anthropic messages.stream',
    () =>
      anthropic()
        .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: PROMPT }] })
        .finalMessage(),
  ],
  [
    'vercel ai generateText with a tool',
    () =>
      generateText({
        model: vercel().chat('gpt-4.1'),
        system: SYSTEM,
        prompt: PROMPT,
        tools: { track_order: tool({ description: 'Where an order is', inputSchema: jsonSchema(parameters) }) },
      }),
  ],
  [
    'vercel ai streamText (Responses API)',
    () => drain(streamText({ model: vercel()('gpt-4.1'), prompt: PROMPT }).textStream),
  ],
  [
    'google genai generateContent with tools and system instruction',
    () =>
      gemini().models.generateContent({
        model: 'gemini-2.5-flash',
        contents: PROMPT,
        config: {
          systemInstruction: SYSTEM,
          tools: [{ functionDeclarations: [{ name: 'track_order', description: 'Where an order is' }] }],
        },
      }),
  ],
  [
    'google genai generateContentStream',
    async () => drain(await gemini().models.generateContentStream({ model: 'gemini-2.5-flash', contents: PROMPT })),
  ],
];

describe('real SDK clients with content capture on', () => {
  it.each(calls)('%s: every content attribute is schema-valid', async (name, call) => {
    otel.reset();
    const before = relay.requests.length;
    await call();
    const spans = await otel.waitForRelaySpans(relay.requests.length - before);
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) {
      const a = span.attributes as Record<string, unknown>;
      expect(a['gen_ai.input.messages'], name).toBeTypeOf('string');
      expect(a['gen_ai.output.messages'], name).toBeTypeOf('string');
      expect(contentAttributeErrors(a), name).toEqual([]);
      if (/tools?\b/.test(name)) {
        expect(JSON.parse(a['gen_ai.tool.definitions'] as string), name).toEqual([
          { type: 'function', name: 'track_order', description: 'Where an order is' },
        ]);
      }
    }
  });
});
