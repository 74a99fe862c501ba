import { describe, expect, it } from 'vitest';
import { parseProbeCommand, UsageError } from '../../../src/cli';

describe('otel-llm-relay probe arguments', () => {
  it('maps every option onto the probe options and the exporter address', () => {
    const command = parseProbeCommand(
      [
        '--base-url',
        'https://relay.example.com/v1',
        '--interval',
        '45',
        '--api-key-env',
        'RELAY_KEY',
        '--auth-header',
        'X-Api-Key',
        '--chat-model',
        'gpt-4.1-nano',
        '--timeout-ms',
        '5000',
        '--models-path',
        '/v1/models',
        '--port',
        '9999',
        '--host',
        '127.0.0.1',
      ],
      {},
    );
    expect(command).toEqual({
      options: {
        baseUrl: 'https://relay.example.com/v1',
        intervalSeconds: 45,
        apiKeyEnv: 'RELAY_KEY',
        authHeader: 'x-api-key',
        chatModel: 'gpt-4.1-nano',
        timeoutMs: 5000,
        modelsPath: '/v1/models',
      },
      port: 9999,
      host: '127.0.0.1',
    });
  });

  it('serves on the OpenTelemetry Prometheus defaults unless told otherwise', () => {
    expect(parseProbeCommand(['--base-url', 'http://r'], {})).toMatchObject({ port: 9464 });
    expect(parseProbeCommand(['--base-url', 'http://r'], {})).not.toHaveProperty('host');
    expect(
      parseProbeCommand(['--base-url', 'http://r'], {
        OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
        OTEL_EXPORTER_PROMETHEUS_HOST: '::1',
      }),
    ).toMatchObject({ port: 9100, host: '::1' });
  });

  it('leaves the base URL to the environment when it is there', () => {
    expect(parseProbeCommand([], { OTEL_LLM_RELAY_PROBE_URL: 'https://relay.example.com' }).options).toMatchObject({
      baseUrl: '',
    });
    expect(parseProbeCommand([], {}).options).toBeUndefined();
  });

  it('rejects what it cannot use with a usage error that names the option', () => {
    const error = (args: string[]) => {
      try {
        parseProbeCommand(args, {});
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${args.join(' ')}`);
    };
    expect(error(['--base-url', 'http://r', '--interval', 'soon'])).toBe('--interval: expected a number, got "soon"');
    expect(error(['--base-url', 'http://r', '--port', '70000'])).toBe('--port: expected a port number, got "70000"');
    expect(error(['--base-url', 'http://r', '--auth-header', 'cookie'])).toMatch(
      /^--auth-header: expected authorization/,
    );
    // A key where the variable's name belongs (`--api-key-env "$KEY"`) is refused without being repeated.
    const key = 'sk-live-Secret0123456789abcdef';
    expect(error(['--base-url', 'http://r', '--api-key-env', key])).toBe(
      '--api-key-env: the value given to --api-key-env is not a valid variable name (not shown: it may be a key); give the name of the variable that holds the key',
    );
    expect(error(['--base-url', 'http://r', '--verbose'])).toMatch(/--verbose/);
    expect(error(['--base-url', 'http://r', 'extra'])).toMatch(/extra/);
  });
});
