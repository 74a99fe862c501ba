/*
 * A hostile relay against a real app: `hostile-body-app.mjs` makes one call, run bare and under
 * `--import otel-llm-relay/register`, against a node:http server on loopback. The app with us must
 * cost about what it costs bare: event-loop stall, RSS growth and CPU within a small factor of the
 * bare run plus a little slack (no absolute times: the machine may be slow or shared).
 *   - decompression bombs (a few KiB of br or zstd, or gzip/deflate at their ~1000:1 limit, that
 *     inflate to 50 MiB), to a call that was not streamed, whose body the app cancels unread or reads;
 *   - a streamed bomb whose whole body has arrived when the app aborts after the first chunk
 *     (undici then reports no error: only our own limits stop the decoding);
 *   - four SSE events of ~1 MB dripped in 1 KB pieces (the parser must stay linear).
 * Needs dist/ (the register hook is loaded from the build).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const MiB = 1024 * 1024;

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd';
const hasZstd = typeof zlib.zstdCompressSync === 'function';

function compress(data: Buffer, coding: Coding): Buffer {
  switch (coding) {
    case 'gzip':
      return zlib.gzipSync(data, { level: 9 });
    case 'deflate':
      return zlib.deflateSync(data, { level: 9 });
    case 'br':
      return zlib.brotliCompressSync(data);
    case 'zstd':
      return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 19 } });
  }
}

const chatChunk = (content: string) =>
  `data: {"id":"chatcmpl-h","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
const jsonAnswer = (content: string) =>
  `{"id":"chatcmpl-h","object":"chat.completion","model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"${content}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`;

/** What the relay answers, by `case` (compressed once, on first use). */
const bodies = new Map<string, Buffer>();
function body(name: string, make: () => Buffer): Buffer {
  let bytes = bodies.get(name);
  if (!bytes) bodies.set(name, (bytes = make()));
  return bytes;
}

function answer(res: ServerResponse, name: string): void {
  const warm = name.startsWith('warm-');
  if (name.endsWith('sse-drip')) {
    void drip(res, warm);
    return;
  }
  const [kind, coding] = name.replace(/^warm-/, '').split('-') as [string, Coding];
  const sse = kind === 'sse';
  const bytes = body(name, () => {
    if (warm) return compress(Buffer.from(sse ? chatChunk('hi') + 'data: [DONE]\n\n' : jsonAnswer('hi')), coding);
    // 50 MiB: a JSON answer whose content is one huge string, or a stream of tiny chunks.
    const plain = sse
      ? Buffer.from(chatChunk('a').repeat(Math.ceil((50 * MiB) / chatChunk('a').length)))
      : Buffer.from(jsonAnswer('a'.repeat(50 * MiB)));
    return compress(plain, coding);
  });
  res.writeHead(200, {
    'content-type': sse ? 'text/event-stream' : 'application/json',
    'content-encoding': coding,
    'content-length': bytes.length,
  });
  res.end(bytes);
}

/** Four events of ~1 MB (under the 1 MiB event cap), written 1 KB at a time. */
async function drip(res: ServerResponse, warm: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.socket?.setNoDelay(true);
  const event = `data: {"id":"chatcmpl-h","choices":[{"index":0,"delta":{"content":"${'d'.repeat(warm ? 10_000 : 1_000_000)}"}}]}\n\n`;
  const text = event.repeat(4) + 'data: [DONE]\n\n';
  for (let at = 0; at < text.length && !res.destroyed; at += 1000) {
    res.write(text.slice(at, at + 1000));
    await new Promise(r => setImmediate(r));
  }
  res.end();
}

let server: Server;
let url: string;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res, new URL(req.url ?? '/', 'http://x').searchParams.get('case') ?? ''));
  });
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise(done => server.close(done));
});

interface Cost {
  stallMs: number;
  rssGrowthMiB: number;
  cpuMs: number;
}

function runApp(instrumented: boolean, hostileCase: string, how: string, calls: number): Promise<Cost> {
  const args = ['--expose-gc', ...(instrumented ? ['--import', 'otel-llm-relay/register'] : [])];
  args.push('test/hardening/hostile-body-app.mjs', url, hostileCase, how, String(calls));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) fail(new Error(`app exited with ${code}: ${stderr || stdout}`));
      else done(JSON.parse(line) as Cost);
    });
  });
}

/**
 * Bare, then with us: within 3 × bare plus slack on every measure. A bomb is sent four times in a
 * row: the app's own cost per call is small next to what it costs to start and settle, ours was not.
 */
async function expectCostsLikeBare(hostileCase: string, how: string, calls = 4): Promise<void> {
  const bare = await runApp(false, hostileCase, how, calls);
  const withUs = await runApp(true, hostileCase, how, calls);
  const report = `${hostileCase} ${how} ×${calls}: bare ${JSON.stringify(bare)}, with us ${JSON.stringify(withUs)}`;
  expect(withUs.stallMs, report).toBeLessThan(3 * bare.stallMs + 150);
  expect(withUs.rssGrowthMiB, report).toBeLessThan(3 * bare.rssGrowthMiB + 24);
  expect(withUs.cpuMs, report).toBeLessThan(3 * bare.cpuMs + 200);
}

const codings: Coding[] = ['gzip', 'deflate', 'br', ...(hasZstd ? (['zstd'] as const) : [])];
const highRatio: Coding[] = ['br', ...(hasZstd ? (['zstd'] as const) : [])];

describe('a hostile relay costs the app about what it costs bare', { timeout: 120_000, retry: 1 }, () => {
  it.each(codings)('a %s bomb to a call that was not streamed, body cancelled unread', async coding => {
    await expectCostsLikeBare(`json-${coding}`, 'cancel');
  });

  it.each(highRatio)('a %s bomb to a call that was not streamed, body read whole', async coding => {
    await expectCostsLikeBare(`json-${coding}`, 'read');
  });

  it.each(highRatio)('a streamed %s bomb, all arrived, the app aborting after the first chunk', async coding => {
    await expectCostsLikeBare(`sse-${coding}`, 'abort-after-first-chunk');
  });

  it('four ~1 MB SSE events dripped in 1 KB pieces', async () => {
    await expectCostsLikeBare('sse-drip', 'read', 1);
  });
});
