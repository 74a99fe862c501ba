import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../../examples/relay-simulator/server.ts';
import { parseSse, postJson, rawRequest } from './helpers.ts';

const chatBody = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }] };
const streamBody = { ...chatBody, stream: true, stream_options: { include_usage: true }, max_tokens: 6 };
const messagesBody = { model: 'claude-sonnet-4.5', max_tokens: 6, messages: [{ role: 'user', content: 'Hello' }] };
const geminiPath = '/v1beta/models/gemini-2.5-flash:generateContent';
const geminiBody = {
  contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
  generationConfig: { maxOutputTokens: 6 },
};

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator({ firstChunkDelayMs: 0, chunkDelayMs: 2 });
});
afterAll(async () => {
  await sim.close();
});

const fault = (name: string): Record<string, string> => ({ 'x-sim-fault': name });

describe('HTTP error faults', () => {
  it('429: retry-after, OpenAI rate_limit_exceeded body, no request left in the rate-limit headers', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, fault('429'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('retry-after-ms')).toBe('1000');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('5000');
    const body = await res.json();
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
  });

  it('is selectable with the sim_fault query too, and retry-after follows x-sim-retry-after', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions?sim_fault=429`, chatBody, { 'x-sim-retry-after': '7' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('shapes errors in the dialect of the route (Anthropic, Gemini)', async () => {
    const anthropic = await postJson(`${sim.url}/v1/messages`, messagesBody, fault('429'));
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const anthropicBody = await anthropic.json();
    expect(anthropicBody).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(anthropicBody.request_id).toBe(anthropic.headers.get('request-id'));

    const overloaded = await postJson(`${sim.url}/v1/messages`, messagesBody, fault('529'));
    expect(overloaded.status).toBe(529);
    expect((await overloaded.json()).error.type).toBe('overloaded_error');

    const gemini = await postJson(`${sim.url}${geminiPath}`, geminiBody, fault('429'));
    expect(gemini.status).toBe(429);
    expect((await gemini.json()).error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
  });

  const statusCases: Array<[string, number, string, string | null]> = [
    ['400', 400, 'invalid_request_error', null],
    ['401', 401, 'invalid_request_error', 'invalid_api_key'],
    ['500', 500, 'server_error', null],
    ['503', 503, 'server_error', null],
  ];
  for (const [name, status, type, code] of statusCases) {
    it(`${name}: status ${status} with an OpenAI error body`, async () => {
      const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, {
        ...fault(name),
        authorization: 'Bearer sk-live-SECRET123',
      });
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).not.toContain('SECRET123');
      expect(JSON.parse(text).error).toMatchObject({ type, code });
    });
  }

  it('html-502: an HTML error page', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, fault('html-502'));
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toContain('<title>502 Bad Gateway</title>');
  });

  it('rejects an unknown fault name loudly', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, fault('teapot'));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('teapot');
  });
});

describe('broken 200 bodies', () => {
  it('invalid-json: 200 application/json that does not parse', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, fault('invalid-json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('invalid-json on a stream: one SSE data line is cut JSON, the rest stays valid', async () => {
    const text = await (await postJson(`${sim.url}/v1/chat/completions`, streamBody, fault('invalid-json'))).text();
    const broken = parseSse(text)
      .filter(e => e.data !== '[DONE]')
      .filter(e => {
        try {
          JSON.parse(e.data);
          return false;
        } catch {
          return true;
        }
      });
    expect(broken).toHaveLength(1);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('empty-200: status 200 with an empty body', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, chatBody, fault('empty-200'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  });

  it('garbage: binary bytes labelled JSON; with a forced encoding, a corrupt compressed body', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, { body: chatBody, headers: fault('garbage') });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.body.toString('utf8')).toContain('\uFFFD');
    expect(() => JSON.parse(res.body.toString('utf8'))).toThrow();

    const labelled = await rawRequest(`${sim.url}/v1/chat/completions?encoding=gzip`, {
      body: chatBody,
      headers: fault('garbage'),
    });
    expect(labelled.headers['content-encoding']).toBe('gzip');
    expect(() => zlib.gunzipSync(labelled.body)).toThrow();
  });

  it('stream-error-event (chat): a 200 stream ending with an in-band error event, no usage, no [DONE]', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, streamBody, fault('stream-error-event'));
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data).error.type).toBe('server_error');
    expect(events.some(e => e.data === '[DONE]')).toBe(false);
    expect(events.some(e => e.data.includes('"prompt_tokens"'))).toBe(false);
    expect(events.some(e => e.data.includes('"content":" ') || e.data.includes('"content":"'))).toBe(true);
  });

  it('stream-error-event in the other dialects, even for a non-streaming request', async () => {
    const anthropic = parseSse(
      await (await postJson(`${sim.url}/v1/messages`, messagesBody, fault('stream-error-event'))).text(),
    );
    expect(anthropic[0]!.event).toBe('message_start');
    expect(anthropic.at(-1)!.event).toBe('error');
    expect(JSON.parse(anthropic.at(-1)!.data).error.type).toBe('overloaded_error');
    expect(anthropic.some(e => e.event === 'message_stop')).toBe(false);

    const responses = parseSse(
      await (
        await postJson(
          `${sim.url}/v1/responses`,
          { model: 'gpt-4.1', input: 'hi', stream: true },
          fault('stream-error-event'),
        )
      ).text(),
    );
    expect(responses.slice(-2).map(e => e.event)).toEqual(['error', 'response.failed']);
    expect(JSON.parse(responses.at(-1)!.data).response.status).toBe('failed');

    const geminiText = await (
      await postJson(`${sim.url}${geminiPath}`, geminiBody, fault('stream-error-event'))
    ).text();
    const gemini = parseSse(geminiText);
    expect(JSON.parse(gemini.at(-1)!.data).error.status).toBe('INTERNAL');
    expect(geminiText.endsWith('\r\n\r\n')).toBe(true);
  });
});

describe('connection faults', () => {
  it('truncate (stream): the connection closes inside an event, before the end of the stream', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, { body: streamBody, headers: fault('truncate') });
    expect(res.status).toBe(200);
    expect(res.error).toBeDefined();
    const text = res.body.toString('utf8');
    expect(text).toContain('"content":');
    expect(text).not.toContain('[DONE]');
    expect(text.endsWith('\n\n')).toBe(false);
    await expect(
      (await postJson(`${sim.url}/v1/chat/completions`, streamBody, fault('truncate'))).text(),
    ).rejects.toThrow();
  });

  it('truncate (JSON): fewer bytes than content-length, then the connection closes', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, { body: chatBody, headers: fault('truncate') });
    expect(res.error).toBeDefined();
    expect(res.body.length).toBeLessThan(Number(res.headers['content-length']));
  });

  it('reset: headers arrive, then the connection is reset', async () => {
    const res = await postJson(`${sim.url}/v1/chat/completions`, streamBody, fault('reset'));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const raw = await rawRequest(`${sim.url}/v1/chat/completions`, { body: chatBody, headers: fault('reset') });
    expect(raw.status).toBe(200);
    expect(raw.error).toBeDefined();
    expect(raw.body.length).toBe(0);
  });

  it('slow: headers only after x-sim-slow-ms, then a normal answer', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, {
      body: chatBody,
      headers: { ...fault('slow'), 'x-sim-slow-ms': '150' },
    });
    expect(res.headersAt - res.startedAt).toBeGreaterThanOrEqual(140);
    expect(JSON.parse(res.body.toString('utf8')).object).toBe('chat.completion');
  });

  it('hang: never answers, and close() still ends it promptly', async () => {
    const own = await startRelaySimulator();
    const pending = postJson(`${own.url}/v1/chat/completions`, chatBody, fault('hang'));
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    const early = await Promise.race([outcome, new Promise(resolve => setTimeout(() => resolve('waiting'), 150))]);
    expect(early).toBe('waiting');
    expect(own.requests).toHaveLength(1);
    const closedIn = performance.now();
    await own.close();
    expect(await outcome).toBe('failed');
    expect(performance.now() - closedIn).toBeLessThan(1000);
  });
});

describe('API keys', () => {
  it('accepts any key by default, and only the configured key with requireKey', async () => {
    const ok = await postJson(`${sim.url}/v1/chat/completions`, chatBody, { authorization: 'Bearer whatever' });
    expect(ok.status).toBe(200);

    const guarded = await startRelaySimulator({ requireKey: 'sk-right' });
    try {
      const wrong = await postJson(`${guarded.url}/v1/chat/completions`, chatBody, {
        authorization: 'Bearer sk-wrong-KEY987',
      });
      expect(wrong.status).toBe(401);
      const text = await wrong.text();
      expect(JSON.parse(text).error.code).toBe('invalid_api_key');
      expect(text).not.toContain('KEY987');
      expect(
        (await postJson(`${guarded.url}/v1/chat/completions`, chatBody, { authorization: 'Bearer sk-right' })).status,
      ).toBe(200);
      expect((await postJson(`${guarded.url}/v1/messages`, messagesBody, { 'x-api-key': 'sk-right' })).status).toBe(
        200,
      );
      expect((await postJson(`${guarded.url}${geminiPath}?key=sk-right`, geminiBody)).status).toBe(200);
      const anthropicWrong = await postJson(`${guarded.url}/v1/messages`, messagesBody, { 'x-api-key': 'nope' });
      expect((await anthropicWrong.json()).error.type).toBe('authentication_error');
    } finally {
      await guarded.close();
    }
  });
});
