/*
 * Runs the relay simulator until killed:
 *   node examples/relay-simulator/cli.ts [--port 8787] [--host 127.0.0.1] [--latency-ms 0]
 *        [--first-chunk-ms 20] [--chunk-delay-ms 5] [--output-tokens 16] [--require-key KEY]
 *        [--balance-usd 100] [--usd-per-million-tokens 10] [--verbose]
 * Prints its URL on the first line of stdout.
 */
import { parseArgs } from 'node:util';
import { startRelaySimulator, type RecordedRequest, type RelaySimulatorOptions } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string' },
    'first-chunk-ms': { type: 'string' },
    'chunk-delay-ms': { type: 'string' },
    'output-tokens': { type: 'string' },
    'require-key': { type: 'string' },
    'balance-usd': { type: 'string' },
    'usd-per-million-tokens': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: node examples/relay-simulator/cli.ts [--port N] [--host H] [--latency-ms N] ' +
      '[--first-chunk-ms N] [--chunk-delay-ms N] [--output-tokens N] [--require-key KEY] ' +
      '[--balance-usd N] [--usd-per-million-tokens N] [--verbose]\n',
  );
  process.exit(0);
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return n;
}

/** One line per request: method, path, status, models, fault. Headers (and so API keys) are never printed. */
function logLine(request: RecordedRequest): void {
  const r = request.response;
  const models =
    r?.requestModel === undefined
      ? ''
      : ` ${r.requestModel}${r.responseModel && r.responseModel !== r.requestModel ? `→${r.responseModel}` : ''}`;
  process.stdout.write(
    `${request.method} ${request.path} ${r?.status ?? '-'}${models}${r?.fault ? ` fault=${r.fault}` : ''}\n`,
  );
}

const options: RelaySimulatorOptions = {
  host: values.host,
  port: numberOption('port', values.port),
  latencyMs: numberOption('latency-ms', values['latency-ms']),
  firstChunkDelayMs: numberOption('first-chunk-ms', values['first-chunk-ms']),
  chunkDelayMs: numberOption('chunk-delay-ms', values['chunk-delay-ms']),
  outputTokens: numberOption('output-tokens', values['output-tokens']),
  requireKey: values['require-key'],
  billing: {
    limitUsd: numberOption('balance-usd', values['balance-usd']),
    usdPerMillionTokens: numberOption('usd-per-million-tokens', values['usd-per-million-tokens']),
  },
  onRequest: values.verbose ? logLine : undefined,
};

const simulator = await startRelaySimulator(options);
process.stdout.write(`${simulator.url}\n`);
process.stderr.write(
  `relay simulator listening on ${simulator.url} (OpenAI base URL: ${simulator.url}/v1); Ctrl-C to stop\n`,
);

const stop = (): void => {
  void simulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
