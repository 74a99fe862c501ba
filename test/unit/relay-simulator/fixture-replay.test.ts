import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startRelaySimulator,
  type RelaySimulator,
  type WireFixture,
} from '../../../examples/relay-simulator/server.ts';
import { rawRequest } from './helpers.ts';
import { FIXTURES_DIR } from '../../support/llm-wire-fixtures';

interface FixtureFile extends WireFixture {
  request: { method: string; url: string; headers: Record<string, string>; body: unknown } | null;
}

function loadFixtures(): Array<[string, FixtureFile]> {
  const files: Array<[string, FixtureFile]> = [];
  for (const provider of fs.readdirSync(FIXTURES_DIR).sort()) {
    const dir = path.join(FIXTURES_DIR, provider);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs
      .readdirSync(dir)
      .filter(f => f.endsWith('.json'))
      .sort()) {
      files.push([`${provider}/${file}`, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FixtureFile]);
    }
  }
  return files;
}

const fixtures = loadFixtures();
const load = (name: string): FixtureFile => fixtures.find(([n]) => n === name)![1];
/** What the wire must carry: JSON bodies as JSON.stringify gives them, text bodies as recorded. */
const expectedBytes = (fixture: WireFixture): Buffer =>
  Buffer.from(
    typeof fixture.response.body === 'string' ? fixture.response.body : JSON.stringify(fixture.response.body),
    'utf8',
  );
const recordedHeader = (fixture: WireFixture, name: string): string | undefined =>
  Object.entries(fixture.response.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('fixture replay', () => {
  it('finds the recorded fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  it('serves every fixture byte-identical, with its status, content type and rate-limit headers', async () => {
    for (const [name, fixture] of fixtures) {
      const served = sim.serveFixture(fixture);
      const res = await rawRequest(served.url, {
        method: fixture.request?.method ?? 'POST',
        body: fixture.request?.body ?? {},
      });
      expect(res.status, name).toBe(fixture.response.status);
      expect(res.body.equals(expectedBytes(fixture)), name).toBe(true);
      expect(res.headers['content-type'], name).toBe(recordedHeader(fixture, 'content-type'));
      expect(res.headers['content-encoding'], name).toBeUndefined();
      expect(Number(res.headers['content-length']), name).toBe(res.body.length);
      for (const header of ['x-ratelimit-remaining-requests', 'anthropic-ratelimit-tokens-remaining', 'retry-after']) {
        expect(res.headers[header], `${name} ${header}`).toBe(recordedHeader(fixture, header));
      }
      expect(sim.requests.at(-1)!.response).toMatchObject({ fixture: true, status: fixture.response.status });
    }
  });

  it('answers on the recorded path only, keeps the recorded query, then falls back to the simulator', async () => {
    const fixture = load('gemini/stream-generate-content-sse.json');
    const served = sim.serveFixture(fixture, { times: 2 });
    expect(served.url).toBe(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`);
    const elsewhere = await rawRequest(`${sim.url}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`, {
      body: fixture.request!.body,
    });
    expect(elsewhere.body.equals(expectedBytes(fixture))).toBe(false);
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
        body: fixture.request!.body,
      });
      expect(res.body.equals(expectedBytes(fixture))).toBe(true);
    }
    const third = await rawRequest(served.url, { body: fixture.request!.body });
    expect(third.body.equals(expectedBytes(fixture))).toBe(false);
    expect(third.status).toBe(200);
  });

  it('serves a gzip-compressed body that decodes to the recorded bytes', async () => {
    const fixture = load('openai/chat-completions-basic.json');
    const served = sim.serveFixture(fixture, { encoding: 'gzip' });
    const res = await rawRequest(served.url, { body: fixture.request!.body });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(res.body).equals(expectedBytes(fixture))).toBe(true);
  });

  it('splits the body at byte offsets inside a UTF-8 character and inside "data:"', async () => {
    const fixture = load('anthropic/messages-stream.json');
    const bytes = expectedBytes(fixture);
    const emoji = bytes.indexOf(Buffer.from('😄', 'utf8'));
    const data = bytes.indexOf(Buffer.from('data:', 'utf8'));
    expect(emoji).toBeGreaterThan(data);
    const offsets = [data + 2, emoji + 2];
    const served = sim.serveFixture(fixture, { splitAt: offsets, delayMs: 20 });
    const res = await rawRequest(served.url, { body: fixture.request!.body });
    expect(res.body.equals(bytes)).toBe(true);
    expect(res.chunks.map(c => c.bytes.length)).toEqual([
      offsets[0],
      offsets[1]! - offsets[0]!,
      bytes.length - offsets[1]!,
    ]);
    expect(res.chunks[1]!.at - res.chunks[0]!.at).toBeGreaterThanOrEqual(15);
  });

  it('splits at SSE event boundaries (\\r\\n\\r\\n for Gemini), with pauses between events', async () => {
    const fixture = load('gemini/stream-generate-content-sse.json');
    const served = sim.serveFixture(fixture, { splitAt: 'events', delayMs: 15 });
    const res = await rawRequest(served.url, { body: fixture.request!.body });
    const events = (fixture.response.body as string).split('\r\n\r\n').filter(Boolean);
    expect(res.chunks.map(c => c.bytes.toString('utf8'))).toEqual(events.map(e => `${e}\r\n\r\n`));
    expect(res.chunks.at(-1)!.at - res.chunks[0]!.at).toBeGreaterThanOrEqual((events.length - 1) * 12);
  });

  it('splits every n bytes, and flushes each compressed piece', async () => {
    const fixture = load('openai/chat-completions-stream-include-usage.json');
    const bytes = expectedBytes(fixture);
    const plain = await rawRequest(sim.serveFixture(fixture, { splitAt: { every: 500 }, delayMs: 2 }).url, {
      body: {},
    });
    expect(
      plain.chunks
        .map(c => c.bytes.length)
        .slice(0, -1)
        .every(n => n === 500),
    ).toBe(true);
    expect(plain.chunks).toHaveLength(Math.ceil(bytes.length / 500));

    const gz = await rawRequest(
      sim.serveFixture(fixture, { splitAt: { every: 500 }, delayMs: 2, encoding: 'gzip' }).url,
      { body: {} },
    );
    expect(gz.chunks.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 500));
    // Each arrival decodes to 500 more bytes: the compressor was flushed after every piece.
    const firstTwo = zlib.gunzipSync(Buffer.concat(gz.chunks.slice(0, 2).map(c => c.bytes)), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    expect(firstTwo.length).toBeGreaterThanOrEqual(500);
    expect(zlib.gunzipSync(gz.body).equals(bytes)).toBe(true);
  });

  it('serves a fixture without a recorded request on any path, and honours an explicit path', async () => {
    const fixture: WireFixture = {
      request: null,
      response: { status: 418, headers: { 'Content-Type': 'text/plain' }, body: 'short and stout' },
    };
    const anyPath = sim.serveFixture(fixture);
    expect(anyPath.path).toBe('/');
    const res = await rawRequest(`${sim.url}/whatever/path`, { method: 'GET' });
    expect(res.status).toBe(418);
    expect(res.body.toString('utf8')).toBe('short and stout');

    sim.serveFixture(fixture, { path: '/custom/route' });
    expect((await rawRequest(`${sim.url}/v1/models`)).status).toBe(200);
    expect((await rawRequest(`${sim.url}/custom/route`)).status).toBe(418);
  });

  it('drops recorded framing headers and never replays recorded cookies', async () => {
    const fixture = load('openai/responses-basic.json');
    const res = await rawRequest(sim.serveFixture(fixture).url, { body: fixture.request!.body });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers['x-request-id']).toBe(recordedHeader(fixture, 'x-request-id'));
  });
});
