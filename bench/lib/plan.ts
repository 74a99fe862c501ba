/*
 * What the benchmark runs: the variants (how each child process is started) and the workloads
 * (how many calls, how many at a time). The calls themselves are in bench/client.cjs.
 */

export interface Workload {
  name: string;
  title: string;
  /** Measured calls and warm-up calls, full run and --quick. */
  calls: number;
  warmup: number;
  quickCalls: number;
  quickWarmup: number;
  /** Calls in flight at once. */
  concurrency: number;
}

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'chat',
    title: 'small chat completion, not streamed (~700 B JSON), one call at a time',
    calls: 800,
    warmup: 100,
    quickCalls: 200,
    quickWarmup: 50,
    concurrency: 1,
  },
  {
    name: 'stream-200',
    title: 'streamed chat completion of 200 chunks (+ usage chunk, ~60 KB SSE), one at a time',
    calls: 120,
    warmup: 15,
    quickCalls: 40,
    quickWarmup: 10,
    concurrency: 1,
  },
  {
    name: 'gzip-json',
    title: 'chat completion of 1000 tokens, gzip-compressed JSON (2 KB on the wire, 6.8 KB decoded), one at a time',
    calls: 400,
    warmup: 40,
    quickCalls: 100,
    quickWarmup: 20,
    concurrency: 1,
  },
  {
    name: 'embeddings-5mb',
    title: 'embeddings of 80 inputs × 3072 floats (a 5.2 MB JSON body), one at a time',
    calls: 12,
    warmup: 3,
    quickCalls: 5,
    quickWarmup: 2,
    concurrency: 1,
  },
  {
    name: 'streams-64',
    title: '64 streamed chat completions of 200 chunks in flight at once',
    calls: 192,
    warmup: 64,
    quickCalls: 64,
    quickWarmup: 64,
    concurrency: 64,
  },
];

export interface Variant {
  name: string;
  title: string;
  /** npm package measured (for its version in the results); none for bare. */
  packageName?: string;
  /** Node arguments that load the variant before the client; `{dist}` is the dist/ being measured. */
  preload: readonly string[];
  /** Records at the SDK level (patches `openai`) rather than the HTTP level. */
  patchesSdk: boolean;
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'bare',
    title: 'bare: no OpenTelemetry',
    preload: ['--require', './bench/variants/bare.cjs'],
    patchesSdk: false,
  },
  {
    name: 'sdk-only',
    title: 'the shared OpenTelemetry setup with no instrumentation (context manager, providers): the floor',
    preload: ['--require', './bench/variants/sdk-only.cjs'],
    patchesSdk: false,
  },
  {
    name: 'ours',
    title: 'otel-llm-relay (LlmRelayInstrumentation, shared providers)',
    packageName: 'otel-llm-relay',
    preload: ['--require', './bench/variants/ours.cjs'],
    patchesSdk: false,
  },
  {
    name: 'ours-register',
    title: 'otel-llm-relay under its register hook (its defaults: Prometheus, no trace exporter)',
    packageName: 'otel-llm-relay',
    // {dist}: the copy of dist/ the run measures (bench/run.ts), i.e. the package's `./register` export.
    preload: ['--require', '{dist}/register.js', '--require', './bench/variants/ours-register.cjs'],
    patchesSdk: false,
  },
  {
    name: 'otel-openai',
    title: '@opentelemetry/instrumentation-openai',
    packageName: '@opentelemetry/instrumentation-openai',
    preload: ['--require', './bench/variants/otel-openai.cjs'],
    patchesSdk: true,
  },
  {
    name: 'traceloop',
    title: "OpenLLMetry's @traceloop/instrumentation-openai (traceContent off)",
    packageName: '@traceloop/instrumentation-openai',
    preload: ['--require', './bench/variants/traceloop.cjs'],
    patchesSdk: true,
  },
  {
    name: 'undici',
    title: '@opentelemetry/instrumentation-undici alone (HTTP spans only)',
    packageName: '@opentelemetry/instrumentation-undici',
    preload: ['--require', './bench/variants/undici.cjs'],
    patchesSdk: false,
  },
];

/** The openai SDK every variant calls with: the newest release both SDK-patching peers accept (`<7`). */
export const OPENAI_VERSION = '6.49.0';

/** Memory test bodies: each read once through fetch with bare and with ours. */
export interface MemoryCase {
  body: 'sse' | 'json';
  targetBytes: number;
  quickTargetBytes: number;
}

export const MEMORY_CASES: readonly MemoryCase[] = [
  { body: 'sse', targetBytes: 1_000_000, quickTargetBytes: 1_000_000 },
  { body: 'sse', targetBytes: 100_000_000, quickTargetBytes: 10_000_000 },
  { body: 'json', targetBytes: 1_000_000, quickTargetBytes: 1_000_000 },
  { body: 'json', targetBytes: 5_000_000, quickTargetBytes: 5_000_000 },
  { body: 'json', targetBytes: 50_000_000, quickTargetBytes: 10_000_000 },
];
