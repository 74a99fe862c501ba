/*
 * Configuration resolution: explicit options win over environment variables, which win over the
 * defaults; unreadable values are ignored with a warning that names the variable and the value.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH,
  DEFAULT_MAX_CONTENT_LENGTH,
  DEFAULT_MAX_MODELS_PER_METRIC,
  MAX_IDLE_TIMEOUT_MS,
  parseRelayHost,
  parseRelayHosts,
  resolveConfig,
} from '../../src/config';

/** A warn callback that remembers what it was told. */
function warnings() {
  const seen: string[] = [];
  return { seen, warn: (message: string) => void seen.push(message) };
}

describe('parseRelayHost', () => {
  it.each([
    ['relay.example.com', { host: 'relay.example.com' }],
    ['Relay.Example.COM', { host: 'relay.example.com' }],
    ['  relay.example.com  ', { host: 'relay.example.com' }],
    ['relay.example.com:8443', { host: 'relay.example.com', port: '8443' }],
    // URL parsing drops a default port: the user asked for exactly port 80 and gets it.
    ['relay.example.com:80', { host: 'relay.example.com', port: '80' }],
    ['127.0.0.1:4000', { host: '127.0.0.1', port: '4000' }],
    ['[::1]:8080', { host: '::1', port: '8080' }],
    ['[::1]', { host: '::1' }],
    ['*.relay.example.com', { host: '*.relay.example.com' }],
    ['https://relay.example.com', { host: 'relay.example.com', protocol: 'https:', port: '443' }],
    ['https://relay.example.com/', { host: 'relay.example.com', protocol: 'https:', port: '443' }],
    ['http://relay.example.com', { host: 'relay.example.com', protocol: 'http:', port: '80' }],
    ['http://relay.example.com:8080', { host: 'relay.example.com', protocol: 'http:', port: '8080' }],
    ['HTTPS://Relay.Example.com:9443', { host: 'relay.example.com', protocol: 'https:', port: '9443' }],
  ])('%j', (entry, expected) => {
    const w = warnings();
    expect(parseRelayHost(entry, w.warn)).toEqual(expected);
    expect(w.seen).toEqual([]);
  });

  it('an empty entry (e.g. a trailing comma) is skipped without a warning', () => {
    const w = warnings();
    expect(parseRelayHost('  ', w.warn)).toBeUndefined();
    expect(w.seen).toEqual([]);
  });

  it.each([['relay example.com'], ['http://'], ['relay.example.com:99999'], ['[::1']])(
    '%j is unreadable: undefined and a warning quoting it',
    entry => {
      const w = warnings();
      expect(parseRelayHost(entry, w.warn)).toBeUndefined();
      expect(w.seen).toHaveLength(1);
      expect(w.seen[0]).toContain('OTEL_LLM_RELAY_HOSTS');
      expect(w.seen[0]).toContain(`"${entry}"`);
    },
  );

  it('parseRelayHosts keeps the readable entries of a list, in order', () => {
    const w = warnings();
    const patterns = parseRelayHosts(['a.example.com', 'bad host', '', 'b.example.com:81'], w.warn);
    expect(patterns).toEqual([{ host: 'a.example.com' }, { host: 'b.example.com', port: '81' }]);
    expect(w.seen).toHaveLength(1);
  });
});

describe('resolveConfig', () => {
  const defaults = {
    relayHosts: undefined,
    pricingFile: undefined,
    captureMessageContent: false,
    contentOnSpans: false,
    contentOnEvents: false,
    spanUsage: 'always',
    maxContentLength: DEFAULT_MAX_CONTENT_LENGTH,
    maxContentAttributeLength: DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH,
    maxModelsPerMetric: DEFAULT_MAX_MODELS_PER_METRIC,
    propagateContext: true,
    idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  };

  it('defaults: every host on a known route, no pricing file, no content, 4096 chars, 100 models, propagation on, 10 min idle', () => {
    const w = warnings();
    expect(resolveConfig({}, {}, w.warn)).toEqual(defaults);
    expect(defaults).toMatchObject({
      maxContentLength: 4096,
      maxContentAttributeLength: 131_072,
      maxModelsPerMetric: 100,
      idleTimeoutMs: 600_000,
    });
    expect(w.seen).toEqual([]);
  });

  it('environment variables apply when no option is given', () => {
    const env = {
      OTEL_LLM_RELAY_HOSTS: 'relay.example.com, https://gw.example.net:8443 ,',
      OTEL_LLM_RELAY_PRICING: ' /etc/prices.json ',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
    };
    expect(resolveConfig({}, env, warnings().warn)).toEqual({
      ...defaults,
      relayHosts: [{ host: 'relay.example.com' }, { host: 'gw.example.net', protocol: 'https:', port: '8443' }],
      pricingFile: '/etc/prices.json',
      captureMessageContent: true,
      contentOnSpans: true,
    });
  });

  it('options win over the environment', () => {
    const env = {
      OTEL_LLM_RELAY_HOSTS: 'env.example.com',
      OTEL_LLM_RELAY_PRICING: '/env/prices.json',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    };
    const resolved = resolveConfig(
      { relayHosts: ['option.example.com:9000'], pricingFile: '/option/prices.json', captureMessageContent: false },
      env,
      warnings().warn,
    );
    expect(resolved.relayHosts).toEqual([{ host: 'option.example.com', port: '9000' }]);
    expect(resolved.pricingFile).toBe('/option/prices.json');
    expect(resolved.captureMessageContent).toBe(false);
  });

  it('capture on by option while the environment says NO_CONTENT', () => {
    const env = { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'NO_CONTENT' };
    expect(resolveConfig({ captureMessageContent: true }, env, warnings().warn).captureMessageContent).toBe(true);
    expect(resolveConfig({}, env, warnings().warn).captureMessageContent).toBe(false);
  });

  it.each([
    ['true', true, false],
    ['SPAN_ONLY', true, false],
    ['event_only', false, true],
    ['SPAN_AND_EVENT', true, true],
    ['NO_CONTENT', false, false],
    ['false', false, false],
  ])('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=%s: spans %s, events %s', (value, spans, events) => {
    const resolved = resolveConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value }, warnings().warn);
    expect([resolved.contentOnSpans, resolved.contentOnEvents, resolved.captureMessageContent]).toEqual([
      spans,
      events,
      spans || events,
    ]);
  });

  it('the option takes the same modes and wins over the environment', () => {
    const env = { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY' };
    const resolved = resolveConfig({ captureMessageContent: 'EVENT_ONLY' }, env, warnings().warn);
    expect([resolved.contentOnSpans, resolved.contentOnEvents]).toEqual([false, true]);
  });

  it('spanUsage: option, then OTEL_LLM_RELAY_SPAN_USAGE, then always; unreadable values warn', () => {
    const w = warnings();
    expect(resolveConfig({ spanUsage: 'never' }, { OTEL_LLM_RELAY_SPAN_USAGE: 'always' }, w.warn).spanUsage).toBe(
      'never',
    );
    expect(resolveConfig({}, { OTEL_LLM_RELAY_SPAN_USAGE: ' Unless-SDK-Span ' }, w.warn).spanUsage).toBe(
      'unless-sdk-span',
    );
    expect(w.seen).toEqual([]);
    expect(resolveConfig({}, { OTEL_LLM_RELAY_SPAN_USAGE: 'sometimes' }, w.warn).spanUsage).toBe('always');
    expect(w.seen.join('\n')).toContain('sometimes');
  });

  it('an unreadable capture value warns and leaves capture off', () => {
    const w = warnings();
    const env = { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'yes please' };
    expect(resolveConfig({}, env, w.warn).captureMessageContent).toBe(false);
    expect(w.seen.join('\n')).toContain('yes please');
  });

  it('blank env values count as unset', () => {
    const env = {
      OTEL_LLM_RELAY_HOSTS: '  ',
      OTEL_LLM_RELAY_PRICING: '   ',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '',
    };
    const w = warnings();
    expect(resolveConfig({}, env, w.warn)).toEqual(defaults);
    expect(w.seen).toEqual([]);
  });

  it('a host list with no readable entry falls back to the default selection instead of observing nothing', () => {
    const w = warnings();
    expect(resolveConfig({ relayHosts: ['not a host'] }, {}, w.warn).relayHosts).toBeUndefined();
    expect(resolveConfig({ relayHosts: [] }, {}, w.warn).relayHosts).toBeUndefined();
    expect(resolveConfig({}, { OTEL_LLM_RELAY_HOSTS: ',,' }, w.warn).relayHosts).toBeUndefined();
    expect(w.seen).toHaveLength(1);
  });

  it('an explicit empty option list does not fall through to the environment', () => {
    // The option was given (even if empty): the env list is not consulted.
    const resolved = resolveConfig({ relayHosts: [] }, { OTEL_LLM_RELAY_HOSTS: 'env.example.com' }, warnings().warn);
    expect(resolved.relayHosts).toBeUndefined();
  });

  it('numeric options are taken when they are positive integers', () => {
    const resolved = resolveConfig(
      {
        maxContentLength: 10,
        maxContentAttributeLength: 1024,
        maxModelsPerMetric: 3,
        idleTimeoutMs: 200,
        propagateContext: false,
      },
      {},
      warnings().warn,
    );
    expect(resolved).toMatchObject({
      maxContentLength: 10,
      maxContentAttributeLength: 1024,
      maxModelsPerMetric: 3,
      idleTimeoutMs: 200,
      propagateContext: false,
    });
  });

  it('idleTimeoutMs above a day is lowered to a day, with one warning', () => {
    const w = warnings();
    expect(resolveConfig({ idleTimeoutMs: 3e9 }, {}, w.warn).idleTimeoutMs).toBe(MAX_IDLE_TIMEOUT_MS);
    expect(MAX_IDLE_TIMEOUT_MS).toBe(86_400_000);
    expect(w.seen).toEqual(['idleTimeoutMs: 3000000000 is above the maximum, using 86400000']);
  });

  it.each([
    ['maxContentLength', 0],
    ['maxContentLength', -5],
    ['maxContentAttributeLength', 1023],
    ['maxContentAttributeLength', 0],
    ['maxModelsPerMetric', 2.5],
    ['maxModelsPerMetric', Number.NaN],
    ['idleTimeoutMs', Number.POSITIVE_INFINITY],
    ['idleTimeoutMs', -1],
  ] as const)('%s = %s is ignored with a warning; the default applies', (name, value) => {
    const w = warnings();
    const resolved = resolveConfig({ [name]: value }, {}, w.warn);
    expect(resolved[name]).toBe(defaults[name]);
    expect(w.seen).toHaveLength(1);
    expect(w.seen[0]).toContain(name);
  });
});
