/*
 * Property-based tests of the whole hook path below the channels: one observed call (LlmCall) with
 * its request body parser, ResponseBodyReader (content decoding, SSE or bounded JSON) and the
 * dialect's codec accumulator, fed random or mutated input in random pieces, ended in random ways.
 * It never throws, never reports an internal error, finishes exactly once, and what it hands over
 * is small and well-formed. Adversarial bodies many MiB long keep the call's retained heap bounded.
 * (The parsers' own properties are in test/unit/sse, test/unit/json and test/unit/http.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as zlib from 'node:zlib';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayBody } from '../../examples/relay-simulator/fixture-replay.ts';
import { LlmCall } from '../../src/hook/llm-call';
import type { FinishedCall } from '../../src/call/call';
import type { LlmCallListener } from '../../src/hook/llm-call';
import { outcomeAttributes } from '../../src/telemetry/span-attributes';
import type { CallStart } from '../../src/call/call';
import { matchRoute, providerName } from '../../src/wire/index';
import { loadFixtures, requestTarget } from '../support/llm-wire-fixtures';
import { eventually } from './hardening-kit';

const PATHS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/embeddings',
  '/v1/messages',
  '/v1beta/models/gemini-2.5-flash:generateContent',
  '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
  '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
  '/v1beta/models/text-embedding-004:embedContent',
];

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

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd';
const CODINGS: Coding[] = [
  'gzip',
  'deflate',
  'br',
  ...(typeof zlib.zstdCompressSync === 'function' ? (['zstd'] as const) : []),
];

function encode(bytes: Uint8Array, codings: Coding[]): Buffer {
  let out = Buffer.from(bytes);
  for (const coding of codings) {
    if (coding === 'gzip') out = zlib.gzipSync(out);
    else if (coding === 'deflate') out = zlib.deflateSync(out);
    else if (coding === 'br') out = zlib.brotliCompressSync(out);
    else out = zlib.zstdCompressSync(out);
  }
  return out;
}

function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map(a => (bytes.length === 0 ? 0 : a % (bytes.length + 1))))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  pieces.push(bytes.subarray(from));
  return pieces.filter(p => p.byteLength > 0);
}

type Ending = 'end' | 'reset' | 'abort' | 'abandon';

interface CallInput {
  path: string;
  captureContent: boolean;
  requestBody: Uint8Array;
  requestCuts: number[];
  status: number;
  contentType?: string;
  /** The `content-encoding` header, and whether the body really is encoded that way. */
  encoding?: { codings: Coding[]; header: string; applied: boolean };
  body: Uint8Array;
  cuts: number[];
  ending: Ending;
}

interface Driven {
  finished: FinishedCall[];
  internalErrors: unknown[];
  call: LlmCall;
}

/** Feeds one call as the undici channels would, then waits for it to finish (decoders end it a few ticks later). */
async function drive(input: CallInput): Promise<Driven> {
  const finished: FinishedCall[] = [];
  const internalErrors: unknown[] = [];
  const listener: LlmCallListener = {
    onRequestParsed: () => {},
    onChunkGaps: () => {},
    onFinished: (_call, f) => void finished.push(f),
    onInternalError: (_call, error) => void internalErrors.push(error),
  };
  const call = new LlmCall(
    callStart(input.path),
    performance.now(),
    { captureContent: input.captureContent, maxContentLength: 256 },
    listener,
  );
  for (const piece of cut(input.requestBody, input.requestCuts)) call.onRequestBodyChunk(piece);
  call.onRequestBodyEnd();
  const headers: Buffer[] = [];
  if (input.contentType !== undefined) headers.push(Buffer.from('content-type'), Buffer.from(input.contentType));
  if (input.encoding) headers.push(Buffer.from('content-encoding'), Buffer.from(input.encoding.header));
  call.onResponseHeaders({ statusCode: input.status, headers });
  const body = input.encoding?.applied ? encode(input.body, input.encoding.codings) : input.body;
  for (const piece of cut(body, input.cuts)) call.onResponseChunk(piece);
  if (input.ending === 'end') call.onResponseEnd();
  else if (input.ending === 'reset')
    call.onError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
  else if (input.ending === 'abort') call.onError(new DOMException('This operation was aborted', 'AbortError'));
  else call.abandon('timeout');
  await eventually(() => finished.length > 0, 2000);
  // A second report would come within a few ticks.
  await new Promise(r => setTimeout(r, 2));
  return { finished, internalErrors, call };
}

/** Every attribute value is a primitive or an array of them; labels are short and clean. */
function expectWellFormedOutcome(input: CallInput, f: FinishedCall): void {
  const attributes = outcomeAttributes(
    {
      ...f.start,
      request: f.request,
      response: f.response,
      statusCode: f.statusCode,
      errorType: f.transportError ?? f.bodyProblem,
      unpriced: false,
      substituted: false,
    },
    input.captureContent,
  );
  for (const [key, value] of Object.entries(attributes)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) expect(['string', 'number', 'boolean']).toContain(typeof v);
    if (!key.endsWith('.messages') && typeof value === 'string') expect(value.length).toBeLessThanOrEqual(256);
  }
  if (f.response?.error) expect(f.response.error.type).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  for (const count of Object.values(f.response?.usage ?? {})) expect(Number.isFinite(count) && count >= 0).toBe(true);
  if (f.bodyProblem !== undefined)
    expect(['invalid_response', 'empty_response', 'incomplete_response', 'decode_error']).toContain(f.bodyProblem);
  // Nothing of the body is handed over whole: without content capture the outcome is a few scalars.
  if (!input.captureContent) expect(JSON.stringify(f.response ?? {}).length).toBeLessThan(16 * 1024);
}

// ---- generators ----

const fixtures = loadFixtures();
const fixtureBodies = fixtures.map(f => replayBody(f.fixture));
const fixtureRequests = fixtures.map(f => ({
  path: requestTarget(f.fixture.request.url),
  body: Buffer.from(JSON.stringify(f.fixture.request.body ?? {})),
}));

/** Keys the codecs look for, so random objects reach deep into them. */
const LLM_KEYS = [
  'id',
  'model',
  'object',
  'type',
  'choices',
  'index',
  'delta',
  'message',
  'content',
  'text',
  'role',
  'finish_reason',
  'usage',
  'prompt_tokens',
  'completion_tokens',
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'prompt_tokens_details',
  'cached_tokens',
  'error',
  'code',
  'response',
  'output',
  'status',
  'candidates',
  'parts',
  'finishReason',
  'usageMetadata',
  'promptTokenCount',
  'candidatesTokenCount',
  'modelVersion',
  'responseId',
  'stop_reason',
  'content_block',
  'tool_calls',
  'function',
  'arguments',
  'data',
  'embedding',
  'cost',
];
const { llmValue } = fc.letrec<{ llmValue: unknown }>(tie => ({
  llmValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, 0, -1, 1.5, 1e308, 'stop', 'message_delta', 'response.completed', '[DONE]', 'STOP', ''),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.array(tie('llmValue'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...LLM_KEYS), tie('llmValue'), { maxKeys: 5 }),
  ),
}));
const llmJson = llmValue.map(v => JSON.stringify(v) ?? 'null');

const SSE_EVENT_NAMES = [
  'message_start',
  'content_block_delta',
  'message_delta',
  'message_stop',
  'error',
  'ping',
  'response.output_text.delta',
  'response.completed',
];
const sseText = fc
  .array(
    fc.oneof(
      llmJson.map(j => `data: ${j}`),
      fc.tuple(fc.constantFrom(...SSE_EVENT_NAMES), llmJson).map(([e, j]) => `event: ${e}\ndata: ${j}`),
      fc.constantFrom('data: [DONE]', ': keep-alive', 'retry: 10', 'id: 7', 'data:', 'event:', 'data: {"cut'),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 12 },
  )
  .chain(lines => fc.constantFrom('\n\n', '\r\n\r\n', '\n', '\r').map(separator => lines.join(separator) + separator));

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** A recorded body with a few bytes changed, some removed, or cut. */
const mutatedFixtureBody = fc
  .tuple(
    fc.nat({ max: fixtureBodies.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat()),
  )
  .map(([index, flips, cutAt]) => {
    const bytes = Buffer.from(fixtureBodies[index]!);
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return cutAt === null || bytes.length === 0 ? bytes : bytes.subarray(0, cutAt % bytes.length);
  });

const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  sseText.map(utf8),
  llmJson.map(utf8),
  fc.array(llmJson, { maxLength: 5 }).map(items => utf8(`[${items.join(',')}`)), // a JSON-array stream, perhaps unfinished
  mutatedFixtureBody,
);

const requestArb = fc.oneof(
  fc.nat({ max: fixtureRequests.length - 1 }).map(i => fixtureRequests[i]!),
  fc.record({ path: fc.constantFrom(...PATHS), body: fc.oneof(llmJson.map(utf8), fc.uint8Array({ maxLength: 512 })) }),
);

const encodingArb = fc.option(
  fc.oneof(
    fc.tuple(fc.subarray(CODINGS, { minLength: 1, maxLength: 2 }), fc.boolean()).map(([codings, applied]) => ({
      codings,
      header: codings.join(', '),
      applied,
    })),
    fc
      .constantFrom('identity', 'x-unknown', 'gzip, gzip, gzip, gzip, gzip, gzip', '')
      .map(header => ({ codings: [] as Coding[], header, applied: false })),
  ),
  { nil: undefined },
);

const callInputArb: fc.Arbitrary<CallInput> = fc
  .record({
    request: requestArb,
    captureContent: fc.boolean(),
    requestCuts: fc.array(fc.nat(), { maxLength: 3 }),
    status: fc.constantFrom(200, 200, 200, 201, 204, 400, 404, 429, 500, 502, 529),
    contentType: fc.option(
      fc.constantFrom(
        'text/event-stream',
        'text/event-stream; charset=utf-8',
        'application/json',
        'application/json; charset=UTF-8',
        'text/html',
        'text/plain',
        'x',
        '',
      ),
      { nil: undefined },
    ),
    encoding: encodingArb,
    body: bodyArb,
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    ending: fc.constantFrom<Ending>('end', 'end', 'end', 'reset', 'abort', 'abandon'),
  })
  .map(({ request, ...rest }) => ({ ...rest, path: request.path, requestBody: new Uint8Array(request.body) }));

describe('the hook path on random and mutated input', () => {
  it('never throws, never fails internally, finishes once, hands over a small well-formed outcome', async () => {
    await fc.assert(
      fc.asyncProperty(callInputArb, async input => {
        const { finished, internalErrors } = await drive(input);
        expect(internalErrors).toEqual([]);
        expect(finished).toHaveLength(1);
        expectWellFormedOutcome(input, finished[0]!);
        if (input.ending === 'abandon') expect(finished[0]!.transportError).toBe('timeout');
        if (input.ending === 'reset') expect(finished[0]!.transportError).toBe('UND_ERR_SOCKET');
      }),
      { numRuns: 300 },
    );
  });

  it('events after the end are ignored, whatever they are', async () => {
    await fc.assert(
      fc.asyncProperty(
        callInputArb,
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 3 }),
        async (input, late) => {
          const { finished, internalErrors, call } = await drive(input);
          for (const chunk of late) call.onResponseChunk(chunk);
          call.onResponseEnd();
          call.onError(new Error('late'));
          call.abandon('timeout');
          await new Promise(r => setTimeout(r, 2));
          expect(internalErrors).toEqual([]);
          expect(finished).toHaveLength(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('what a call keeps does not grow with the body', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const MiB = 1024 * 1024;
  const BODY_BYTES = 8 * MiB;
  /** The SSE parser may hold one event of up to 1 MiB; everything else is far smaller. */
  const RETAINED_LIMIT = 2 * MiB;

  async function heapUsed(): Promise<number> {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise(r => setImmediate(r));
    }
    return process.memoryUsage().heapUsed;
  }

  /** `piece(i)` repeated until BODY_BYTES, preceded by `head`, in 64 KiB writes. */
  function* body(head: string, piece: (i: number) => string): Generator<Uint8Array> {
    let buffered = head;
    let sent = 0;
    for (let i = 0; sent < BODY_BYTES; i++) {
      buffered += piece(i);
      if (buffered.length >= 64 * 1024) {
        sent += buffered.length;
        yield Buffer.from(buffered);
        buffered = '';
      }
    }
    if (buffered) yield Buffer.from(buffered);
  }

  const chatChunk = (i: number) =>
    `data: {"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"word ${i} ${'z'.repeat(80)}"},"finish_reason":null}]}\n\n`;

  const CASES: Array<[string, string, string, () => Generator<Uint8Array>, { gzip?: boolean; countsText?: boolean }]> =
    [
      [
        'one endless SSE line',
        '/v1/chat/completions',
        'text/event-stream',
        () => body('data: ', () => 'x'.repeat(1024)),
        {},
      ],
      [
        'one SSE event that never ends',
        '/v1/chat/completions',
        'text/event-stream',
        () => body('', () => `data: ${'y'.repeat(1000)}\n`),
        {},
      ],
      [
        'endless chat chunks, content captured',
        '/v1/chat/completions',
        'text/event-stream',
        () => body('', chatChunk),
        { countsText: true },
      ],
      [
        'endless chat chunks, gzip',
        '/v1/chat/completions',
        'text/event-stream',
        () => body('', chatChunk),
        { gzip: true, countsText: true },
      ],
      [
        'a JSON body with an endless array',
        '/v1/embeddings',
        'application/json',
        () => body('{"object":"list","data":[{"embedding":[', i => `${i % 7}.123456,`),
        {},
      ],
      [
        'a JSON body with an endless string',
        '/v1/chat/completions',
        'application/json',
        () => body('{"choices":[{"message":{"content":"', () => 'q'.repeat(1024)),
        {},
      ],
      [
        'an endless Gemini JSON-array stream',
        '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
        'application/json',
        () =>
          body(
            '[',
            i =>
              `{"candidates":[{"content":{"parts":[{"text":"part ${i} ${'g'.repeat(200)}"}]}}],"modelVersion":"gemini-2.5-flash"},`,
          ),
        { countsText: true },
      ],
    ];

  it.each(CASES)('%s (8 MiB)', async (_name, path, contentType, chunks, { gzip: compressed, countsText }) => {
    const finished: FinishedCall[] = [];
    const internalErrors: unknown[] = [];
    const call = new LlmCall(
      callStart(path),
      performance.now(),
      { captureContent: true, maxContentLength: 4096 },
      {
        onRequestParsed: () => {},
        onChunkGaps: () => {},
        onFinished: (_c, f) => void finished.push(f),
        onInternalError: (_c, e) => void internalErrors.push(e),
      },
    );
    call.onRequestBodyChunk(
      Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'go on' }] })),
    );
    call.onRequestBodyEnd();
    const headers = [Buffer.from('content-type'), Buffer.from(contentType)];
    if (compressed) headers.push(Buffer.from('content-encoding'), Buffer.from('gzip'));
    call.onResponseHeaders({ statusCode: 200, headers });

    const before = await heapUsed();
    const gzip = compressed ? zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH }) : undefined;
    gzip?.on('data', (data: Buffer) => call.onResponseChunk(data));
    for (const chunk of chunks()) {
      if (gzip) await new Promise<void>(r => gzip.write(chunk, () => r()));
      else call.onResponseChunk(chunk);
    }
    if (gzip) await new Promise(r => setTimeout(r, 50)); // let our decoder drain
    const retained = (await heapUsed()) - before;

    expect(internalErrors).toEqual([]);
    expect(finished).toEqual([]); // still open: what it holds is what we measured
    expect(retained).toBeLessThan(RETAINED_LIMIT);
    call.onResponseEnd();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    const response = finished[0]!.response!;
    // It did read it all (the text was counted) and still hands over little.
    if (countsText) expect(response.estimatedOutputTokens).toBeGreaterThan(BODY_BYTES / 16);
    expect(JSON.stringify(response).length).toBeLessThan(16 * 1024);
  });
});
