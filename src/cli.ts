#!/usr/bin/env node
/*
 * `otel-llm-relay probe --base-url URL`: the relay health probe as a standalone Prometheus exporter,
 * for teams that want relay health apart from their apps. It serves /metrics with the probe's
 * metrics, plus the GenAI, cost and rate-limit metrics of its chat probe (seen by the instrumentation).
 */
import { parseArgs } from 'node:util';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { envLogLevel, envText } from './config/env';
import { isVariableName, resolveProbeConfig } from './probe/probe-config';
import type { ProbeAuthHeader, RelayProbeOptions } from './probe/probe-config';
import { PACKAGE_VERSION } from './version';

const USAGE = `Usage: otel-llm-relay probe --base-url URL [options]

Probes an LLM API relay every interval (GET <base>/v1/models, and optionally a one-token chat
completion) and serves the results as Prometheus metrics (llm_relay_probe_up,
llm_relay_probe_duration_*, llm_relay_probe_last_success, llm_relay_rate_limit_*).

Options:
  --base-url URL        relay base URL, e.g. https://relay.example.com/v1   [env OTEL_LLM_RELAY_PROBE_URL]
  --interval SECONDS    seconds between probes, 15 to 86400 (default 30)     [env OTEL_LLM_RELAY_PROBE_INTERVAL]
  --api-key-env NAME    name of the environment variable holding the API key [env OTEL_LLM_RELAY_PROBE_API_KEY_ENV]
  --auth-header NAME    authorization (Bearer, default), x-api-key or x-goog-api-key
  --chat-model MODEL    also send a one-token chat completion to MODEL       [env OTEL_LLM_RELAY_PROBE_CHAT_MODEL]
  --timeout-ms MS       deadline of one request, at most 300000 (default 10000) [env OTEL_LLM_RELAY_PROBE_TIMEOUT_MS]
  --models-path PATH    model-list path relative to the base URL (default /v1/models)
  --balance             also read the balance every 5 minutes (one-api / new-api billing routes):
                        llm_relay_balance_remaining_usd, llm_relay_balance_limit_usd [env OTEL_LLM_RELAY_PROBE_BALANCE]
  --port PORT           port of the /metrics endpoint (default 9464)         [env OTEL_EXPORTER_PROMETHEUS_PORT]
  --host HOST           address to listen on (default localhost; 0.0.0.0 for every interface)
                        [env OTEL_EXPORTER_PROMETHEUS_HOST]
  -h, --help            print this help
  -v, --version         print the version

In a container, give --host 0.0.0.0 (or OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0) so that Prometheus
can reach /metrics from outside it.
Prices of the chat probe's model come from the built-in table or OTEL_LLM_RELAY_PRICING.
Log level: OTEL_LOG_LEVEL (default info).`;

const EXIT_USAGE = 2;

/** A usage error: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

export interface ProbeCommand {
  options: RelayProbeOptions | undefined;
  port: number;
  host?: string;
}

function numberArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got "${value}"`);
  return n;
}

function portArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${name}: expected a port number, got "${value}"`);
  return n;
}

/** The probe command's arguments; throws UsageError on a bad one. Exported for tests. */
export function parseProbeCommand(args: string[], env: NodeJS.ProcessEnv): ProbeCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        'base-url': { type: 'string' },
        interval: { type: 'string' },
        'api-key-env': { type: 'string' },
        'auth-header': { type: 'string' },
        'chat-model': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'models-path': { type: 'string' },
        balance: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  const authHeader = v['auth-header']?.trim().toLowerCase();
  if (authHeader !== undefined && !['authorization', 'x-api-key', 'x-goog-api-key'].includes(authHeader)) {
    throw new UsageError(
      `--auth-header: expected authorization, x-api-key or x-goog-api-key, got "${v['auth-header']}"`,
    );
  }
  const apiKeyEnv = v['api-key-env']?.trim();
  if (apiKeyEnv !== undefined && !isVariableName(apiKeyEnv)) {
    // `--api-key-env "$KEY"` puts the key where its variable's name belongs: never print it.
    throw new UsageError(
      '--api-key-env: the value given to --api-key-env is not a valid variable name (not shown: it may be a key); give the name of the variable that holds the key',
    );
  }
  const baseUrl = v['base-url'];
  const options: RelayProbeOptions | undefined =
    baseUrl === undefined && envText(env, 'OTEL_LLM_RELAY_PROBE_URL') === undefined
      ? undefined
      : {
          baseUrl: baseUrl ?? '',
          intervalSeconds: numberArg('interval', v.interval),
          apiKeyEnv,
          authHeader: authHeader as ProbeAuthHeader | undefined,
          chatModel: v['chat-model'],
          timeoutMs: numberArg('timeout-ms', v['timeout-ms']),
          modelsPath: v['models-path'],
          balance: v.balance,
        };
  const port =
    portArg('--port', v.port) ??
    portArg('OTEL_EXPORTER_PROMETHEUS_PORT', envText(env, 'OTEL_EXPORTER_PROMETHEUS_PORT')) ??
    9464;
  const host = v.host?.trim() || envText(env, 'OTEL_EXPORTER_PROMETHEUS_HOST');
  return host === undefined ? { options, port } : { options, port, host };
}

async function runProbe(args: string[]): Promise<number | undefined> {
  const command = parseProbeCommand(args, process.env);
  const warnings: string[] = [];
  const config = resolveProbeConfig(command.options, process.env, message => warnings.push(message));
  for (const warning of warnings) console.error(`otel-llm-relay probe: ${warning}`);
  if (!config) throw new UsageError(command.options ? 'no usable relay base URL' : '--base-url is required');
  diag.setLogger(new DiagConsoleLogger(), envLogLevel(process.env, DiagLogLevel.INFO));
  // Loaded only now: the SDK takes a second or two to load, which --help and usage errors need not wait for.
  // (A dynamic import keeps its .js extension: Node resolves it at run time, from dist/.)
  const { runProbeExporter } = await import('./sdk/probe-exporter.js');
  return runProbeExporter(config, { port: command.port, host: command.host }, process.env);
}

/** Runs the command line; resolves with the exit code to set (the probe command keeps running). */
export async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '-v' || command === '--version') {
    console.log(PACKAGE_VERSION);
    return 0;
  }
  if (command !== 'probe') {
    console.error(`otel-llm-relay: unknown command "${command}"; try otel-llm-relay --help`);
    return EXIT_USAGE;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  if (rest.includes('-v') || rest.includes('--version')) {
    console.log(PACKAGE_VERSION);
    return 0;
  }
  try {
    return await runProbe(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`otel-llm-relay probe: ${error.message}; try otel-llm-relay probe --help`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

// Run as a program (dist/cli.js), not when imported by a test.
if (typeof require !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    code => {
      if (code !== undefined) process.exitCode = code;
    },
    error => {
      console.error('otel-llm-relay:', error);
      process.exitCode = 1;
    },
  );
}
