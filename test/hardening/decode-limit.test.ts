/*
 * What a call reports when its body outgrows the decoder's limits (a decompression bomb): the part
 * read counts as read, the call ends with the response (not at the limit), and the outcome is the one
 * documented in docs/wire-formats.md ("Compressed bodies and their limits").
 */
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LlmCall } from '../../src/hook/llm-call';
import type { FinishedCall } from '../../src/call/call';
import type { CallStart } from '../../src/call/call';
import { matchRoute, providerName } from '../../src/wire/index';
import { delay, eventually } from './hardening-kit';

const MiB = 1024 * 1024;

function callStart(path: string): CallStart {
  const route = matchRoute('POST', path)!;
  return {
    method: 'POST',
    url: `https://relay.example${path}`,
    route,
    provider: providerName('relay.example', route.format),
    serverAddress: 'relay.example',
    serverPort: 443,
  };
}

function startCall(stream: boolean, contentType: string, coding: string) {
  const finished: FinishedCall[] = [];
  const internalErrors: unknown[] = [];
  const call = new LlmCall(
    callStart('/v1/chat/completions'),
    performance.now(),
    { captureContent: false, maxContentLength: 0 },
    {
      onRequestParsed: () => {},
      onChunkGaps: () => {},
      onFinished: (_c, f) => void finished.push(f),
      onInternalError: (_c, e) => void internalErrors.push(e),
    },
  );
  call.onRequestBodyChunk(
    Buffer.from(JSON.stringify({ model: 'gpt-4.1', stream, messages: [{ role: 'user', content: 'hi' }] })),
  );
  call.onRequestBodyEnd();
  call.onResponseHeaders({
    statusCode: 200,
    headers: [
      Buffer.from('content-type'),
      Buffer.from(contentType),
      Buffer.from('content-encoding'),
      Buffer.from(coding),
    ],
  });
  return { call, finished, internalErrors };
}

const chunk = (content: string) =>
  `data: {"id":"chatcmpl-b","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
const answer = (content: string) =>
  `{"id":"chatcmpl-b","object":"chat.completion","model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"${content}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":7,"total_tokens":10}}`;

describe("a body past the decoder's limits", () => {
  it('a streamed bomb: the events before the limit count, the call ends with the response, incomplete_response', async () => {
    const plain = chunk('Hello') + chunk(' there') + chunk('x').repeat(Math.ceil((50 * MiB) / chunk('x').length));
    const { call, finished, internalErrors } = startCall(true, 'text/event-stream', 'br');
    call.onResponseChunk(zlib.brotliCompressSync(Buffer.from(plain)));
    await delay(200);
    expect(finished).toEqual([]); // stopped decoding, still following the response
    call.onResponseEnd();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    expect(internalErrors).toEqual([]);
    const [f] = finished;
    expect(f.bodyProblem).toBe('incomplete_response');
    expect(f.firstChunkAt).toBeDefined();
    // About 1 MiB of chunks were read: thousands of them, far from the 300,000 of the whole bomb.
    expect(f.response!.estimatedOutputTokens).toBeGreaterThan(1000);
    expect(f.response!.estimatedOutputTokens).toBeLessThan(20_000);
  });

  it('a complete JSON answer padded to 50 MiB: read as it is, no error', async () => {
    const plain = Buffer.concat([Buffer.from(answer('Hello')), Buffer.alloc(50 * MiB, 0x20)]);
    const { call, finished } = startCall(false, 'application/json', 'gzip');
    call.onResponseChunk(zlib.gzipSync(plain));
    call.onResponseEnd();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    expect(finished[0].bodyProblem).toBeUndefined();
    expect(finished[0].response!.usage.outputTokens).toBe(7);
  });

  it('a JSON answer whose content inflates to 50 MiB: invalid_response', async () => {
    const plain = Buffer.from(answer('a'.repeat(50 * MiB)));
    const { call, finished } = startCall(false, 'application/json', 'br');
    call.onResponseChunk(zlib.brotliCompressSync(plain));
    call.onResponseEnd();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    expect(finished[0].bodyProblem).toBe('invalid_response');
  });
});
