/*
 * spanUsage: 'unless-sdk-span'. The Anthropic SDK 1.x traces its own calls (a CLIENT span with
 * gen_ai.usage.*) and our relay span nests under it: with this option usage and cost stay on the
 * SDK's span only, so a backend summing gen_ai.usage.* over all spans counts the call once. A client
 * that does not trace itself (openai) keeps usage on our span; metrics count every call either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { metricTotal, setupOtel } from '../support/otel-harness';

const API_KEY = 'sk-span-usage-7c1d';
const PROMPT = 'Where is my parcel? It left the warehouse on Monday.';
const otel = setupOtel({ spanUsage: 'unless-sdk-span' });
trace.setGlobalTracerProvider(otel.tracerProvider);

let relay: RelaySimulator;
beforeAll(async () => {
  relay = await startRelaySimulator({ requireKey: API_KEY });
});
afterAll(async () => {
  await relay?.close();
});

const inputTokensOverSpans = () =>
  otel.spanExporter
    .getFinishedSpans()
    .reduce((sum, s) => sum + Number(s.attributes['gen_ai.usage.input_tokens'] ?? 0), 0);

describe("spanUsage: 'unless-sdk-span'", () => {
  it('Anthropic SDK 1.x: usage and cost on the SDK span only, once over all spans; metrics still count the call', async () => {
    otel.reset();
    const inputBefore = metricTotal(await otel.metrics(), 'gen_ai.client.token.usage', {
      'gen_ai.token.type': 'input',
    });
    const message = await new Anthropic({ apiKey: API_KEY, baseURL: relay.url }).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: PROMPT }],
    });
    const [ours] = await otel.waitForRelaySpans(1);
    const sdkSpans = otel.spanExporter
      .getFinishedSpans()
      .filter(s => s.instrumentationScope.name === 'com.anthropic.sdk.typescript');
    expect(sdkSpans).toHaveLength(1);
    expect(ours!.parentSpanContext?.spanId).toBe(sdkSpans[0]!.spanContext().spanId);
    expect(
      Object.keys(ours!.attributes).filter(k => k.startsWith('gen_ai.usage.') || k.startsWith('llm_relay.cost.')),
    ).toEqual([]);
    expect(ours!.attributes['llm_relay.usage_on_parent']).toBe(true);
    expect(ours!.attributes['gen_ai.response.model']).toBeDefined();
    expect(sdkSpans[0]!.attributes['gen_ai.usage.input_tokens']).toBe(message.usage.input_tokens);
    expect(inputTokensOverSpans()).toBe(message.usage.input_tokens);
    const inputAfter = metricTotal(await otel.metrics(), 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' });
    expect(inputAfter - inputBefore).toBe(message.usage.input_tokens);
  });

  it('a client that does not trace itself (openai): usage stays on our span', async () => {
    otel.reset();
    const completion = await new OpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1` }).chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: PROMPT }],
    });
    const [ours] = await otel.waitForRelaySpans(1);
    expect(ours!.attributes['gen_ai.usage.input_tokens']).toBe(completion.usage!.prompt_tokens);
    expect(ours!.attributes['llm_relay.usage_on_parent']).toBeUndefined();
  });
});
