import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startRelaySimulator,
  type RelaySimulator,
  type RelaySimulatorOptions,
} from '../../../examples/relay-simulator/server.ts';
import { fetchAny, postJson, type TestResponse } from './helpers.ts';

const chat = (model: string): Record<string, unknown> => ({
  model,
  messages: [{ role: 'user', content: 'Hello there' }],
});

let sim: RelaySimulator | undefined;
async function start(options: RelaySimulatorOptions = {}): Promise<RelaySimulator> {
  sim = await startRelaySimulator({ firstChunkDelayMs: 0, chunkDelayMs: 0, ...options });
  return sim;
}
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('rate-limit headers', () => {
  it('count down requests and tokens per model within a window', async () => {
    const s = await start();
    const first = await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
    const second = await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
    const secondBody = await second.json();
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('4999');
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('4998');
    const spent =
      Number(first.headers.get('x-ratelimit-remaining-tokens')) -
      Number(second.headers.get('x-ratelimit-remaining-tokens'));
    expect(spent).toBe(secondBody.usage.total_tokens);
    expect(second.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/);

    const other = await postJson(`${s.url}/v1/chat/completions`, chat('deepseek-v3.2'));
    expect(other.headers.get('x-ratelimit-remaining-requests')).toBe('4999');
  });

  it('uses the configured limits, refills after the window, and answers 429 once spent when enforced', async () => {
    // A window long enough that three calls surely fall in it even on a loaded CI machine.
    const s = await start({ rateLimits: { requests: 2, tokens: 1000, windowMs: 1500, enforce: true } });
    const statuses: number[] = [];
    let last: TestResponse | undefined;
    for (let i = 0; i < 3; i++) {
      last = await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(last!.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await new Promise(resolve => setTimeout(resolve, 1600));
    const refilled = await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get('x-ratelimit-remaining-requests')).toBe('1');
  });

  it('reports Anthropic input and output token windows separately', async () => {
    const s = await start({ rateLimits: { tokens: 600_000 } });
    const res = await postJson(`${s.url}/v1/messages`, { ...chat('claude-sonnet-4.5'), max_tokens: 10 });
    const body = await res.json();
    expect(Number(res.headers.get('anthropic-ratelimit-tokens-limit'))).toBe(600_000);
    const inputLimit = Number(res.headers.get('anthropic-ratelimit-input-tokens-limit'));
    const outputLimit = Number(res.headers.get('anthropic-ratelimit-output-tokens-limit'));
    expect(inputLimit + outputLimit).toBe(600_000);
    expect(inputLimit - Number(res.headers.get('anthropic-ratelimit-input-tokens-remaining'))).toBe(
      body.usage.input_tokens,
    );
    expect(outputLimit - Number(res.headers.get('anthropic-ratelimit-output-tokens-remaining'))).toBe(
      body.usage.output_tokens,
    );
  });
});

describe('scenario', () => {
  it('failNext: the next n model calls fail with errorFault, then calls succeed', async () => {
    const s = await start();
    s.setScenario({ failNext: 2, errorFault: '503' });
    const statuses: number[] = [];
    for (const model of ['gpt-4.1', 'claude-sonnet-4.5', 'gpt-4.1']) {
      statuses.push((await postJson(`${s.url}/v1/chat/completions`, chat(model))).status);
    }
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('failNextWith: the next model calls fail with these faults in order, before failNext', async () => {
    const s = await start();
    s.setScenario({ failNextWith: ['503', '429'], failNext: 1, errorFault: '500' });
    const statuses: number[] = [];
    for (const model of ['gpt-4.1', 'claude-sonnet-4.5', 'gpt-4.1', 'gpt-4.1']) {
      statuses.push((await postJson(`${s.url}/v1/chat/completions`, chat(model))).status);
    }
    expect(statuses).toEqual([503, 429, 500, 200]);
  });

  it('errorRate: seeded, so the same seed and call order fail the same calls; other models unaffected', async () => {
    const s = await start();
    const run = async (): Promise<number[]> => {
      s.setScenario({ errorRate: { 'gpt-4.1': 0.5 }, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++)
        statuses.push((await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'))).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(429);
    expect(a).toContain(200);
    expect(new Set(a)).toEqual(new Set([200, 429]));
    for (let i = 0; i < 4; i++)
      expect((await postJson(`${s.url}/v1/chat/completions`, chat('gemini-2.5-flash'))).status).toBe(200);
    s.setScenario({ errorRate: { 'gpt-4.1': 0.5 }, seed: 7 });
    const c: number[] = [];
    for (let i = 0; i < 16; i++) c.push((await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'))).status);
    expect(c).not.toEqual(a);
  });

  it('latencyMs per model (with * as fallback) delays the answer', async () => {
    const s = await start();
    s.setScenario({ latencyMs: { 'gpt-4.1': 150, '*': 0 } });
    const timed = async (model: string): Promise<number> => {
      const started = performance.now();
      await (await postJson(`${s.url}/v1/chat/completions`, chat(model))).json();
      return performance.now() - started;
    };
    expect(await timed('gpt-4.1')).toBeGreaterThanOrEqual(140);
    expect(await timed('deepseek-v3.2')).toBeLessThan(100);
  });

  it('faults per model and substitution per model', async () => {
    const s = await start();
    s.setScenario({ faults: { 'claude-sonnet-4.5': '500' }, substitute: { 'gpt-4.1': 'gpt-4o-mini' } });
    expect((await postJson(`${s.url}/v1/messages`, { ...chat('claude-sonnet-4.5'), max_tokens: 5 })).status).toBe(500);
    expect((await (await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'))).json()).model).toBe('gpt-4o-mini');
    expect(s.requests.at(-1)!.response).toMatchObject({ requestModel: 'gpt-4.1', responseModel: 'gpt-4o-mini' });
  });

  it('a per-request fault header wins without using up failNext; GET models is not a model call', async () => {
    const s = await start();
    s.setScenario({ failNext: 1 });
    expect((await fetchAny(`${s.url}/v1/models`)).status).toBe(200);
    expect((await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'), { 'x-sim-fault': '401' })).status).toBe(
      401,
    );
    expect((await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'))).status).toBe(429);
    expect((await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'))).status).toBe(200);
  });

  it('pathFaults fail any request on a path, GET /v1/models included (health probes)', async () => {
    const s = await start();
    s.setScenario({ pathFaults: { '/models': '503', '/chat/completions': 'hang' } });
    const models = await fetchAny(`${s.url}/v1/models`);
    expect(models.status).toBe(503);
    expect(models.headers.get('retry-after')).toBe('1');
    expect((await postJson(`${s.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: 'x' })).status).toBe(
      200,
    );
    const hanging = postJson(`${s.url}/api/v1/chat/completions`, chat('gpt-4.1')).then(
      () => 'answered',
      () => 'failed',
    );
    const early = await Promise.race([hanging, new Promise(resolve => setTimeout(() => resolve('waiting'), 100))]);
    expect(early).toBe('waiting');
    s.setScenario({});
    expect((await fetchAny(`${s.url}/v1/models`)).status).toBe(200);
  });

  it('reset() clears scenario, recorded requests and rate-limit windows', async () => {
    const s = await start();
    s.setScenario({ failNext: 5 });
    await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
    s.reset();
    expect(s.requests).toHaveLength(0);
    const res = await postJson(`${s.url}/v1/chat/completions`, chat('gpt-4.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('4999');
  });
});

describe('recorded requests', () => {
  it('records method, path, headers and body with API keys redacted, plus what was answered', async () => {
    const s = await start();
    const body = chat('gpt-4.1');
    const res = await postJson(`${s.url}/v1/chat/completions`, body, {
      authorization: 'Bearer sk-SECRET',
      'x-api-key': 'sk-ant-SECRET',
    });
    const answer = await res.json();
    await fetchAny(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaSECRET`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'AIzaSECRET' },
      body: JSON.stringify({ contents: [] }),
    });
    const [first, second] = s.requests;
    expect(first).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: JSON.stringify(body) });
    expect(first!.headers['authorization']).toBe('REDACTED');
    expect(first!.headers['x-api-key']).toBe('REDACTED');
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.response).toMatchObject({
      status: 200,
      route: 'chat.completions',
      dialect: 'openai',
      requestModel: 'gpt-4.1',
      responseModel: answer.model,
      inputTokens: answer.usage.prompt_tokens,
      outputTokens: answer.usage.completion_tokens,
      responseId: answer.id,
      finishReason: 'stop',
    });
    expect(second!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent?key=REDACTED');
    expect(second!.headers['x-goog-api-key']).toBe('REDACTED');
    expect(JSON.stringify(s.requests)).not.toContain('SECRET');
  });

  it('keeps only the most recent maxRecordedRequests', async () => {
    const s = await start({ maxRecordedRequests: 3 });
    for (let i = 0; i < 5; i++)
      await (await postJson(`${s.url}/v1/chat/completions`, { ...chat('gpt-4.1'), user: `u${i}` })).text();
    expect(s.requests.map(r => JSON.parse(r.body).user)).toEqual(['u2', 'u3', 'u4']);
  });
});

describe('close()', () => {
  it('closes idle keep-alive sockets and in-flight streams, and can be called twice', async () => {
    const s = await start({ chunkDelayMs: 200 });
    const agent = new http.Agent({ keepAlive: true });
    const socketClosed = new Promise<void>(resolve => {
      const req = http.get(`${s.url}/v1/models`, { agent }, res => {
        res.resume();
        res.on('end', () => req.socket?.once('close', () => resolve()));
      });
    });
    const stream = postJson(`${s.url}/v1/chat/completions`, { ...chat('gpt-4.1'), stream: true }).then(r => r.text());
    const outcome = stream.then(
      () => 'finished',
      () => 'cut',
    );
    await new Promise(resolve => setTimeout(resolve, 100));
    const started = performance.now();
    await Promise.all([s.close(), s.close()]);
    await socketClosed;
    expect(await outcome).toBe('cut');
    expect(performance.now() - started).toBeLessThan(1000);
    agent.destroy();
    await expect(fetch(`${s.url}/v1/models`)).rejects.toThrow();
  });
});
