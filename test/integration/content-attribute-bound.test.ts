/*
 * maxContentAttributeLength: with content capture on, one content attribute stays under a bound
 * whatever the answer holds. A stream of 64 choices × 16 tool calls × 4 KiB arguments would
 * otherwise make a 4 MiB `gen_ai.output.messages`, which an OTLP/gRPC message limit drops with its
 * whole batch. What is kept is valid JSON, whole leading messages and parts, and says what was cut.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupOtel } from '../support/otel-harness';

const otel = setupOtel({ captureMessageContent: true });

const CHOICES = 64;
const TOOL_CALLS = 16;
const ARGUMENTS = JSON.stringify({ query: 'x'.repeat(4 * 1024 - 20) });

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-wide', object: 'chat.completion.chunk', model: 'gpt-4.1', choices, ...extra })}\n\n`;

/** One event per tool call, then the finish reasons, the usage and [DONE]: about 4.3 MB. */
function wideStream(): string[] {
  const events: string[] = [];
  for (let index = 0; index < CHOICES; index++) {
    for (let tool = 0; tool < TOOL_CALLS; tool++) {
      const call = {
        index: tool,
        id: `call_${index}_${tool}`,
        type: 'function',
        function: { name: 'lookup', arguments: ARGUMENTS },
      };
      events.push(
        chunk([
          { index, delta: { ...(tool === 0 ? { role: 'assistant' } : {}), tool_calls: [call] }, finish_reason: null },
        ]),
      );
    }
  }
  events.push(
    chunk(Array.from({ length: CHOICES }, (_, index) => ({ index, delta: {}, finish_reason: 'tool_calls' }))),
  );
  events.push(chunk([], { usage: { prompt_tokens: 9, completion_tokens: 70_000 } }));
  events.push('data: [DONE]\n\n');
  return events;
}

let server: Server;
let url: string;
beforeAll(async () => {
  const events = wideStream();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of events) res.write(event);
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise(r => server.close(r));
});
afterEach(() => otel.instrumentation.setConfig({ captureMessageContent: true }));

type Message = { role: string; parts: Array<Record<string, unknown>>; finish_reason: string };

async function wideCall(): Promise<{ raw: string; messages: Message[]; bytes: number }> {
  otel.reset();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4.1',
      stream: true,
      n: CHOICES,
      messages: [{ role: 'user', content: 'Look everything up.' }],
    }),
  });
  const bytes = (await response.arrayBuffer()).byteLength;
  const [span] = await otel.waitForRelaySpans(1);
  expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(70_000);
  const raw = String(span!.attributes['gen_ai.output.messages']);
  return { raw, messages: JSON.parse(raw) as Message[], bytes };
}

function checkCut(raw: string, messages: Message[], max: number): void {
  expect(raw.length).toBeLessThanOrEqual(max);
  // Leading tool calls are whole, with their arguments as the model sent them.
  // The schema's finish reason inside the messages (the raw `tool_calls` stays on gen_ai.response.finish_reasons).
  expect(messages[0]!.finish_reason).toBe('tool_call');
  expect(messages[0]!.parts[0]).toEqual({
    type: 'tool_call',
    id: 'call_0_0',
    name: 'lookup',
    arguments: JSON.parse(ARGUMENTS),
  });
  // The last part kept says what was left out; kept and left out add up to what was sent.
  const last = messages[messages.length - 1]!;
  const marker = last.parts[last.parts.length - 1]!;
  expect(marker).toMatchObject({ type: 'truncated', max_length: max });
  const keptParts = messages.reduce((n, m) => n + m.parts.length, 0) - 1;
  expect(keptParts + (marker['omitted_parts'] as number)).toBe(CHOICES * TOOL_CALLS);
  expect(messages.length + (marker['omitted_messages'] as number)).toBe(CHOICES);
}

describe('one content attribute stays under maxContentAttributeLength', () => {
  it('64 choices × 16 tool calls × 4 KiB arguments: at most 128 KiB by default, valid JSON, the cut said', async () => {
    const { raw, messages, bytes } = await wideCall();
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024); // what would have been captured
    checkCut(raw, messages, 128 * 1024);
    expect(messages[0]!.parts).toHaveLength(TOOL_CALLS); // the first choice whole
    expect(raw.length).toBeGreaterThan(120 * 1024); // the room is used, not wasted
  });

  it('the bound is an option', async () => {
    otel.instrumentation.setConfig({ captureMessageContent: true, maxContentAttributeLength: 20_000 });
    const { raw, messages } = await wideCall();
    checkCut(raw, messages, 20_000);
    // 16 calls of 4 KiB do not fit in 20,000 characters: the first choice keeps 4 of them.
    expect(messages).toHaveLength(1);
    expect(messages[0]!.parts.map(p => p['type'])).toEqual([
      'tool_call',
      'tool_call',
      'tool_call',
      'tool_call',
      'truncated',
    ]);
  });
});
