/*
 * Everything one config gives, built together from it: settings (options over environment), relay
 * hosts, hooks, prices; the pricing file is read on the first ask only, and once.
 */
import path from 'node:path';
import type { DiagLogger } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ActiveConfig } from '../../src/active-config';
import type { CallOutcome } from '../../src/call/call';
import type { LlmRelayInstrumentationConfig } from '../../src/types';
import { CHAT_CALL_START } from '../support/calls';

function activeConfig(options: LlmRelayInstrumentationConfig, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const unknownRoutes: string[] = [];
  const log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const diag = { error: log, warn: log, info: log, debug: log, verbose: log } as DiagLogger;
  const active = new ActiveConfig(options, env, diag, (host, route) => unknownRoutes.push(`${host} ${route}`));
  return { active, lines, unknownRoutes };
}

function outcome(model: string): CallOutcome {
  return {
    ...CHAT_CALL_START,
    request: { model, stream: false, params: {} },
    response: { responseModel: model, finishReasons: [], usage: { inputTokens: 2, outputTokens: 3 } },
    unpriced: false,
    substituted: false,
  };
}

describe('ActiveConfig', () => {
  it('settings: options win over the environment, which wins over defaults; what is unusable is said', () => {
    const { active, lines } = activeConfig(
      { maxContentLength: 10, idleTimeoutMs: -1 },
      { OTEL_LLM_RELAY_HOSTS: 'relay.example.com', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
    );
    expect(active.settings).toMatchObject({
      relayHosts: [{ host: 'relay.example.com' }],
      captureMessageContent: true,
      maxContentLength: 10,
      idleTimeoutMs: 10 * 60 * 1000,
    });
    expect(lines).toEqual(['idleTimeoutMs: ignoring -1, expected a positive integer']);
  });

  it("relay calls follow the config's relay hosts; an unknown route on one is handed to the note", () => {
    const { active, unknownRoutes } = activeConfig({ relayHosts: ['relay.example.com'] });
    const call = active.relayCalls.recognise({ origin: 'https://relay.example.com', path: '/v1/chat/completions' });
    expect(call?.start).toMatchObject({ serverAddress: 'relay.example.com', serverPort: 443 });
    expect(active.relayCalls.recognise({ origin: 'https://other.example.com', path: '/v1/chat/completions' })).toBe(
      undefined,
    );
    expect(active.relayCalls.recognise({ origin: 'https://relay.example.com', path: '/v1/threads' })).toBe(undefined);
    expect(unknownRoutes).toEqual(['relay.example.com /v1/threads']);
  });

  it("the pricer prices with this config's prices (a dollar per token here)", () => {
    const { active } = activeConfig({ pricing: { models: { 'acme-large': { input: 1e6, output: 1e6 } } } });
    const priced = outcome('acme-large');
    active.pricer.price(priced);
    expect(priced.cost).toEqual({ usd: 5, source: 'table' });
  });

  it('the pricing file is read on the first ask for prices, not before, and once', () => {
    const missing = path.join(__dirname, 'no-such-pricing-file.json');
    const { active, lines } = activeConfig({ pricingFile: missing });
    expect(lines).toEqual([]);
    active.prices();
    active.prices();
    active.pricer.price(outcome('gpt-4.1'));
    expect(lines).toEqual([`pricing file ${missing}: cannot be read (ENOENT)`]);
  });

  it("the user hooks are this config's", () => {
    const { active } = activeConfig({ metricAttributesHook: info => ({ team: info.requestModel ?? 'none' }) });
    expect(active.userHooks.metricAttributes(CHAT_CALL_START, 'gpt-4.1')).toEqual({ team: 'gpt-4.1' });
  });
});
