/*
 * Which POSTs are relay calls: a relay host on a known route gives a call with its server address
 * and port; other hosts, suppressed tracing and unknown routes give none, and an unknown route on a
 * configured relay host is told once per request to the caller's note.
 */
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayCalls } from '../../../src/hook/relay-calls';
import type { RelayHostPattern } from '../../../src/hook/relay-matcher';

const PROBE_KEY = createContextKey('test probe kind');

function relayCalls(relayHosts: RelayHostPattern[] | undefined) {
  const unknownRoutes: string[] = [];
  const calls = new RelayCalls(relayHosts, PROBE_KEY, (host, path) => unknownRoutes.push(`${host} ${path}`));
  return { calls, unknownRoutes };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  context.disable();
  contextManager.disable();
});

describe('RelayCalls', () => {
  it('a configured relay host on a known route: a call with its server address, port, route and provider', () => {
    const { calls, unknownRoutes } = relayCalls([{ host: 'relay.example.com' }]);
    const call = calls.recognise({ origin: 'https://relay.example.com:8443', path: '/v1/chat/completions?x=1' });
    expect(call?.start).toEqual({
      method: 'POST',
      url: 'https://relay.example.com:8443/v1/chat/completions?x=1',
      route: { format: 'openai.chat_completions', operation: 'chat' },
      provider: 'openai',
      serverAddress: 'relay.example.com',
      serverPort: 8443,
      probe: undefined,
    });
    expect(unknownRoutes).toEqual([]);
  });

  it("the call's context is the caller's, and a probe mark in it names the probe kind", () => {
    const { calls } = relayCalls(undefined);
    const marked = ROOT_CONTEXT.setValue(PROBE_KEY, 'chat');
    const call = context.with(marked, () =>
      calls.recognise({ origin: 'http://127.0.0.1:9000', path: '/v1/chat/completions' }),
    );
    expect(call?.context).toBe(marked);
    expect(call?.start.probe).toBe('chat');
    expect(call?.start).toMatchObject({ serverAddress: '127.0.0.1', serverPort: 9000 });
  });

  it('a host that is not a configured relay is ignored, whatever its route, and not noted', () => {
    const { calls, unknownRoutes } = relayCalls([{ host: 'relay.example.com' }]);
    expect(calls.recognise({ origin: 'https://api.other.example', path: '/v1/chat/completions' })).toBeUndefined();
    expect(calls.recognise({ origin: 'https://api.other.example', path: '/upload' })).toBeUndefined();
    expect(unknownRoutes).toEqual([]);
  });

  it('an unknown route on a configured relay host gives no call and is noted with the host and path', () => {
    const { calls, unknownRoutes } = relayCalls([{ host: 'relay.example.com' }]);
    expect(calls.recognise({ origin: 'https://relay.example.com', path: '/v1/threads/abc/runs' })).toBeUndefined();
    expect(unknownRoutes).toEqual(['relay.example.com /v1/threads/abc/runs']);
  });

  it('with the default host selection an unknown route is not noted: every host is a candidate then', () => {
    const { calls, unknownRoutes } = relayCalls(undefined);
    expect(calls.recognise({ origin: 'https://uploads.example.com', path: '/files' })).toBeUndefined();
    expect(unknownRoutes).toEqual([]);
  });

  it('a call made with tracing suppressed is ignored', () => {
    const { calls } = relayCalls([{ host: 'relay.example.com' }]);
    const request = { origin: 'https://relay.example.com', path: '/v1/chat/completions' };
    expect(context.with(suppressTracing(ROOT_CONTEXT), () => calls.recognise(request))).toBeUndefined();
    expect(calls.recognise(request)).toBeDefined();
  });

  it('through an HTTP proxy the target URL in the path decides, and a path that does not parse gives nothing', () => {
    const { calls } = relayCalls([{ host: 'relay.example.com' }]);
    const viaProxy = calls.recognise({
      origin: 'http://proxy.internal:3128',
      path: 'https://relay.example.com/v1/messages',
    });
    expect(viaProxy?.start).toMatchObject({
      serverAddress: 'relay.example.com',
      serverPort: 443,
      provider: 'anthropic',
    });
    expect(calls.recognise({ origin: 'http://proxy.internal:3128', path: 'http://[bad' })).toBeUndefined();
  });
});
