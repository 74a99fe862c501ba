import { describe, expect, it } from 'vitest';
import { resolveProbeConfig } from '../../../src/probe/probe-config';
import type { RelayProbeOptions } from '../../../src/probe/probe-config';

function resolve(options: RelayProbeOptions | false | undefined, env: Record<string, string> = {}) {
  const warnings: string[] = [];
  const config = resolveProbeConfig(options, env, message => warnings.push(message));
  return { config, warnings };
}

describe('resolveProbeConfig: on or off', () => {
  it('is off without a base URL', () => {
    expect(resolve(undefined).config).toBeUndefined();
    expect(resolve(undefined, { OTEL_LLM_RELAY_PROBE_INTERVAL: '60' }).config).toBeUndefined();
  });

  it('is on from the environment alone, with the defaults', () => {
    const { config, warnings } = resolve(undefined, { OTEL_LLM_RELAY_PROBE_URL: 'https://relay.example.com' });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      modelsUrl: 'https://relay.example.com/v1/models',
      displayUrl: 'https://relay.example.com',
      serverAddress: 'relay.example.com',
      serverPort: 443,
      intervalMs: 30_000,
      timeoutMs: 10_000,
      authHeader: 'authorization',
    });
  });

  it('is off when the options say false, whatever the environment says', () => {
    expect(resolve(false, { OTEL_LLM_RELAY_PROBE_URL: 'https://relay.example.com' }).config).toBeUndefined();
  });

  it('lets options win over the environment, field by field', () => {
    const env = {
      OTEL_LLM_RELAY_PROBE_URL: 'https://env.example.com',
      OTEL_LLM_RELAY_PROBE_INTERVAL: '45',
      OTEL_LLM_RELAY_PROBE_API_KEY_ENV: 'ENV_KEY',
      ENV_KEY: 'k1',
      OPT_KEY: 'k2',
      OTEL_LLM_RELAY_PROBE_CHAT_MODEL: 'env-model',
      OTEL_LLM_RELAY_PROBE_TIMEOUT_MS: '2500',
    };
    const fromEnv = resolve({ baseUrl: '' }, env).config!;
    expect(fromEnv).toMatchObject({
      serverAddress: 'env.example.com',
      intervalMs: 45_000,
      apiKeyEnv: 'ENV_KEY',
      chatModel: 'env-model',
      timeoutMs: 2500,
    });
    const fromOptions = resolve(
      {
        baseUrl: 'http://opt.example.com:8080',
        intervalSeconds: 20,
        apiKeyEnv: 'OPT_KEY',
        chatModel: 'gpt-4.1-nano',
        timeoutMs: 900,
      },
      env,
    ).config!;
    expect(fromOptions).toMatchObject({
      serverAddress: 'opt.example.com',
      serverPort: 8080,
      intervalMs: 20_000,
      apiKeyEnv: 'OPT_KEY',
      chatModel: 'gpt-4.1-nano',
      chatUrl: 'http://opt.example.com:8080/v1/chat/completions',
      timeoutMs: 900,
    });
  });
});

describe('resolveProbeConfig: interval, timeout and header checks', () => {
  it('raises an interval below 15 s to 15 s, with a warning', () => {
    const { config, warnings } = resolve({ baseUrl: 'https://r.example.com', intervalSeconds: 5 });
    expect(config!.intervalMs).toBe(15_000);
    expect(warnings.join('\n')).toMatch(/5 s is below the minimum, using 15 s/);
  });

  it('falls back to 30 s for an unreadable interval and says so', () => {
    const { config, warnings } = resolve(undefined, {
      OTEL_LLM_RELAY_PROBE_URL: 'https://r.example.com',
      OTEL_LLM_RELAY_PROBE_INTERVAL: 'often',
    });
    expect(config!.intervalMs).toBe(30_000);
    expect(warnings).toEqual(['OTEL_LLM_RELAY_PROBE_INTERVAL: ignoring "often", expected a number']);
    const negative = resolve({ baseUrl: 'https://r.example.com', intervalSeconds: -1 });
    expect(negative.config!.intervalMs).toBe(30_000);
    expect(negative.warnings).toHaveLength(1);
  });

  it('keeps a fractional interval above the minimum', () => {
    expect(resolve({ baseUrl: 'https://r.example.com', intervalSeconds: 15.5 }).config!.intervalMs).toBe(15_500);
  });

  it('rejects a non-positive timeout', () => {
    const { config, warnings } = resolve({ baseUrl: 'https://r.example.com', timeoutMs: 0 });
    expect(config!.timeoutMs).toBe(10_000);
    expect(warnings).toHaveLength(1);
  });

  it('accepts the three auth headers, any case, and warns about others', () => {
    expect(resolve({ baseUrl: 'https://r.example.com', authHeader: 'x-api-key' }).config!.authHeader).toBe('x-api-key');
    const env = {
      OTEL_LLM_RELAY_PROBE_URL: 'https://r.example.com',
      OTEL_LLM_RELAY_PROBE_AUTH_HEADER: 'X-Goog-Api-Key',
    };
    expect(resolve(undefined, env).config!.authHeader).toBe('x-goog-api-key');
    const bad = resolve(undefined, { ...env, OTEL_LLM_RELAY_PROBE_AUTH_HEADER: 'cookie' });
    expect(bad.config!.authHeader).toBe('authorization');
    expect(bad.warnings).toHaveLength(1);
  });

  it('warns, naming the variable but never a value, when the key variable is unset', () => {
    const { config, warnings } = resolve({ baseUrl: 'https://r.example.com', apiKeyEnv: 'RELAY_KEY' });
    expect(config!.apiKeyEnv).toBe('RELAY_KEY');
    expect(warnings).toEqual([
      'relay probe: the API key variable RELAY_KEY is not set; probe requests go without a key',
    ]);
    expect(
      resolve({ baseUrl: 'https://r.example.com', apiKeyEnv: 'RELAY_KEY' }, { RELAY_KEY: 'sk-1' }).warnings,
    ).toEqual([]);
  });

  // `--api-key-env "$OPENAI_API_KEY"`: the key itself where its variable's name belongs.
  it.each([
    ['the apiKeyEnv option', { apiKeyEnv: 'sk-live-Secret0123456789abcdef' }, {}, 'apiKeyEnv'],
    [
      'OTEL_LLM_RELAY_PROBE_API_KEY_ENV',
      {},
      { OTEL_LLM_RELAY_PROBE_API_KEY_ENV: 'sk-live-Secret0123456789abcdef' },
      'OTEL_LLM_RELAY_PROBE_API_KEY_ENV',
    ],
  ])('a key given as %s is not a variable name: never echoed, and no key is sent', (_from, options, env, name) => {
    const { config, warnings } = resolve({ baseUrl: 'https://r.example.com', ...options }, env);
    expect(config!.apiKeyEnv).toBeUndefined();
    expect(warnings).toEqual([
      `relay probe: the value given to ${name} is not a valid variable name (not shown: it may be a key); probe requests go without a key`,
    ]);
  });

  it('does not echo a name that looks like a key rather than a variable, even when it is a valid name', () => {
    const keyLike = 'Sk0LiveSecret0123456789abcdefGHIJ';
    const { config, warnings } = resolve({ baseUrl: 'https://r.example.com', apiKeyEnv: keyLike });
    expect(config!.apiKeyEnv).toBe(keyLike); // read from the environment as asked
    expect(warnings.join('\n')).not.toContain(keyLike);
    expect(warnings).toEqual([
      'relay probe: the API key variable named by apiKeyEnv is not set; probe requests go without a key',
    ]);
  });
});

describe('resolveProbeConfig: URLs', () => {
  const urls = (baseUrl: string, modelsPath?: string) => {
    const { config } = resolve({ baseUrl, chatModel: 'm', ...(modelsPath ? { modelsPath } : {}) });
    return [config!.modelsUrl, config!.chatUrl];
  };

  it('adds /v1 to a bare host, and not to a base URL that already names the version', () => {
    expect(urls('https://relay.example.com')).toEqual([
      'https://relay.example.com/v1/models',
      'https://relay.example.com/v1/chat/completions',
    ]);
    expect(urls('https://relay.example.com/')).toEqual([
      'https://relay.example.com/v1/models',
      'https://relay.example.com/v1/chat/completions',
    ]);
    expect(urls('https://relay.example.com/v1')).toEqual([
      'https://relay.example.com/v1/models',
      'https://relay.example.com/v1/chat/completions',
    ]);
    expect(urls('https://relay.example.com/v1/')).toEqual([
      'https://relay.example.com/v1/models',
      'https://relay.example.com/v1/chat/completions',
    ]);
  });

  it('treats a base path with a version segment as the API root, as OpenAI SDKs do', () => {
    expect(urls('https://openrouter.ai/api/v1')).toEqual([
      'https://openrouter.ai/api/v1/models',
      'https://openrouter.ai/api/v1/chat/completions',
    ]);
    expect(urls('https://generativelanguage.googleapis.com/v1beta/openai/')).toEqual([
      'https://generativelanguage.googleapis.com/v1beta/openai/models',
      'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions',
    ]);
    expect(urls('https://api.groq.com/openai/v1')[0]).toBe('https://api.groq.com/openai/v1/models');
  });

  it('puts /v1 under a path prefix without a version', () => {
    expect(urls('https://gw.example.com/openai')).toEqual([
      'https://gw.example.com/openai/v1/models',
      'https://gw.example.com/openai/v1/chat/completions',
    ]);
  });

  it('joins an explicit models path to the base URL without doubling /v1', () => {
    expect(urls('https://relay.example.com', '/v1/models')[0]).toBe('https://relay.example.com/v1/models');
    expect(urls('https://relay.example.com/v1', '/v1/models')[0]).toBe('https://relay.example.com/v1/models');
    expect(urls('https://relay.example.com/v1', 'models')[0]).toBe('https://relay.example.com/v1/models');
    expect(urls('https://relay.example.com', '/health?deep=1')[0]).toBe('https://relay.example.com/health?deep=1');
  });

  it('keeps the base URL query on requests but not in the display URL', () => {
    const { config } = resolve({ baseUrl: 'https://relay.example.com/v1?api-version=2024-10-21' });
    expect(config!.modelsUrl).toBe('https://relay.example.com/v1/models?api-version=2024-10-21');
    expect(config!.displayUrl).toBe('https://relay.example.com/v1');
  });

  it('reads the server address and port as the metrics label them', () => {
    expect(resolve({ baseUrl: 'http://Relay.Example.com' }).config).toMatchObject({
      serverAddress: 'relay.example.com',
      serverPort: 80,
    });
    expect(resolve({ baseUrl: 'http://[::1]:9000/v1' }).config).toMatchObject({
      serverAddress: '::1',
      serverPort: 9000,
    });
  });

  it('turns the probe off, without echoing the value, for an unusable base URL', () => {
    const bad = resolve({ baseUrl: 'relay.example.com/sk-secret' });
    expect(bad.config).toBeUndefined();
    expect(bad.warnings.join('\n')).not.toContain('sk-secret');
    expect(resolve({ baseUrl: 'ftp://relay.example.com' }).config).toBeUndefined();
    const withCredentials = resolve({ baseUrl: 'https://user:sk-secret@relay.example.com' });
    expect(withCredentials.config).toBeUndefined();
    expect(withCredentials.warnings.join('\n')).toMatch(/must not contain credentials/);
    expect(withCredentials.warnings.join('\n')).not.toContain('sk-secret');
  });
});
