/*
 * llm_relay.output.characters: the characters of generated text a user would count, whichever way
 * the body was read (an SSE content delta read from its raw text, a parsed event, a JSON answer),
 * recorded beside the output tokens with their labels, and only for calls that reported them (so
 * that tokens / characters compares the same calls). A plain node:http relay sends exact bytes.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricTotal, pointsOf, setupOtel } from '../support/otel-harness';

const CHARACTERS = 'llm_relay.output.characters';
const TOKEN_USAGE = 'gen_ai.client.token.usage';

/** Text with what JSON escapes (`\n`, `\"`, `\u00e9`, a raw é, a surrogate pair written as escapes). */
const PIECES = ['Caf\\u00e9 ', 'au lait,\\n', '\\"d\\u00e9j\\u00e0\\" ', 'vu ', '\\ud83d\\ude00 ok'];
/** What the user reads: the decoded pieces. 😀 is two UTF-16 code units, as documented. */
const TEXT = PIECES.map(piece => JSON.parse(`"${piece}"`) as string).join('');

const otel = setupOtel();
let server: Server;
let base: string;
/** The next answer, by path. */
const answers = new Map<string, { type: string; body: string }>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers.get(req.url ?? '')!;
      res.writeHead(200, { 'content-type': answer.type });
      res.end(answer.body);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise(resolve => server.close(resolve));
});

const sse = (events: string[]): string => events.map(data => `data: ${data}\n\n`).join('');
const usageChunk = (model: string) =>
  `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"${model}","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":11,"total_tokens":20}}`;

/** Compact content-only chunks: the codec reads them from their raw text, without a parse. */
function fastPathStream(model: string, withUsage = true): string {
  const chunk = (delta: string, finish = 'null') =>
    `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"${model}","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;
  return sse([
    chunk('{"role":"assistant","content":""}'),
    ...PIECES.map(piece => chunk(`{"content":"${piece}"}`)),
    chunk('{}', '"stop"'),
    ...(withUsage ? [usageChunk(model)] : []),
    '[DONE]',
  ]);
}

/** The same text in chunks the fast path refuses (spaces after the colons): each one is parsed. */
function parsedStream(model: string): string {
  const chunk = (delta: string, finish = 'null') =>
    `{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "${model}", "choices": [{"index": 0, "delta": ${delta}, "finish_reason": ${finish}}]}`;
  return sse([
    ...PIECES.map(piece => chunk(`{"content": "${piece}"}`)),
    chunk('{}', '"stop"'),
    usageChunk(model),
    '[DONE]',
  ]);
}

function jsonAnswer(model: string): string {
  return `{"id":"c1","object":"chat.completion","created":1,"model":"${model}","choices":[{"index":0,"message":{"role":"assistant","content":"${PIECES.join('')}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":11,"total_tokens":20}}`;
}

/** Anthropic text deltas, read from their raw text too. */
function anthropicStream(model: string): string {
  const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;
  return [
    event(
      'message_start',
      `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"${model}","content":[],"stop_reason":null,"usage":{"input_tokens":9,"output_tokens":1}}}`,
    ),
    event('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
    ...PIECES.map(piece =>
      event(
        'content_block_delta',
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${piece}"}}`,
      ),
    ),
    event('content_block_stop', '{"type":"content_block_stop","index":0}'),
    event('message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":11}}'),
    event('message_stop', '{"type":"message_stop"}'),
  ].join('');
}

async function call(
  path: string,
  model: string,
  answer: { type: string; body: string },
  stream: boolean,
): Promise<string> {
  answers.set(path, answer);
  const spansBefore = otel.relaySpans().length;
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  const text = await response.text();
  await otel.waitForRelaySpans(spansBefore + 1);
  return text;
}

async function characters(model: string): Promise<number> {
  return metricTotal(await otel.metrics(), CHARACTERS, { 'gen_ai.request.model': model });
}

describe('llm_relay.output.characters', () => {
  it('counts the decoded text of SSE content deltas read from their raw text: an escape is one character', async () => {
    await call(
      '/v1/chat/completions',
      'fast-path',
      { type: 'text/event-stream', body: fastPathStream('fast-path') },
      true,
    );
    expect(await characters('fast-path')).toBe(TEXT.length);
  });

  it('gives the same count for the same text in parsed events, in a JSON answer and in Anthropic deltas', async () => {
    await call('/v1/chat/completions', 'parsed', { type: 'text/event-stream', body: parsedStream('parsed') }, true);
    await call('/v1/chat/completions', 'json', { type: 'application/json', body: jsonAnswer('json') }, false);
    await call('/v1/messages', 'claude', { type: 'text/event-stream', body: anthropicStream('claude') }, true);
    expect(await characters('parsed')).toBe(TEXT.length);
    expect(await characters('json')).toBe(TEXT.length);
    expect(await characters('claude')).toBe(TEXT.length);
  });

  it('carries the labels of the output-token points, without the token type', async () => {
    const metrics = await otel.metrics();
    const tokenLabels = pointsOf(metrics, TOKEN_USAGE)
      .filter(p => p.attributes['gen_ai.token.type'] === 'output')
      .map(p => {
        const { ['gen_ai.token.type']: _type, ...labels } = p.attributes;
        return labels;
      });
    const characterLabels = pointsOf(metrics, CHARACTERS).map(p => p.attributes);
    expect(characterLabels.length).toBeGreaterThan(0);
    expect(characterLabels).toEqual(expect.arrayContaining(tokenLabels));
    expect(tokenLabels).toEqual(expect.arrayContaining(characterLabels));
    const instrument = metrics.find(m => m.descriptor.name === CHARACTERS)!;
    expect(instrument.descriptor.unit).toBe('{character}');
  });

  it('records nothing for a call that reported no output tokens (tokens / characters compares the same calls)', async () => {
    await call(
      '/v1/chat/completions',
      'no-usage',
      { type: 'text/event-stream', body: fastPathStream('no-usage', false) },
      true,
    );
    expect(otel.relaySpans().at(-1)!.attributes['llm_relay.usage.reported']).toBe(false);
    expect(await characters('no-usage')).toBe(0);
    expect(metricTotal(await otel.metrics(), TOKEN_USAGE, { 'gen_ai.request.model': 'no-usage' })).toBe(0);
  });
});
