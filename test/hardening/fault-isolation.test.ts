/*
 * Fault isolation: whatever part of our own code throws (a parser, a codec, the price table, a hook,
 * a broken meter or tracer handed to us by the app), the app's answers and exceptions stay exactly
 * what they are without the instrumentation, the failure is written once to the diag log (not once
 * per chunk), no span is left open, no call state is left behind, and nothing reaches
 * `uncaughtException` or `unhandledRejection`.
 *
 * Each case gets its own instrumentation (a fresh internal-error budget); the relay replays recorded
 * exchanges, so the app's bytes are comparable call for call. Node's fetch only.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { context, createNoopMeter, propagation, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type {
  Counter,
  Gauge,
  Histogram,
  Meter,
  MeterProvider as ApiMeterProvider,
  Span,
  Tracer,
  TracerProvider as ApiTracerProvider,
  UpDownCounter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ServeFixtureOptions } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig } from '../../src/index';
import { BoundedJsonParser } from '../../src/json/bounded-json-parser';
import { JsonBodyCollector } from '../../src/json/json-body-collector';
import { PriceBook } from '../../src/pricing/price-book';
import { SseParser } from '../../src/sse/sse-parser';
import { anthropicMessagesCodec } from '../../src/wire/anthropic-messages';
import { geminiGenerateContentCodec } from '../../src/wire/gemini';
import { openAiChatCodec } from '../../src/wire/openai-chat';
import type { WireCodec } from '../../src/wire/types';
import { loadFixtures } from '../support/llm-wire-fixtures';
import { callsInFlight, TestMetricReader } from '../support/otel-harness';
import { captureDiag, settled, SpanLedger, viewOf, watchProcessFailures } from './hardening-kit';
import type { AppView, DiagCapture } from './hardening-kit';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const fixtures = new Map(loadFixtures().map(f => [f.name, f.fixture]));
let relay: RelaySimulator;

/** One call as the app makes it. */
interface Exchange {
  name: string;
  run(): Promise<AppView>;
}

function replay(file: string, options: ServeFixtureOptions = {}): Exchange {
  return {
    name: `${file}${options.encoding ? ` (${options.encoding})` : ''}`,
    run: () => {
      const fixture = fixtures.get(file)!;
      const served = relay.serveFixture(fixture, options);
      return viewOf(
        fetch(served.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-fault-isolation' },
          body: JSON.stringify(fixture.request.body ?? {}),
        }),
      );
    },
  };
}

const EXCHANGES: Exchange[] = [
  replay('openai/chat-completions-basic.json'),
  replay('openai/chat-completions-stream-include-usage.json', { splitAt: 'events', delayMs: 1 }),
  replay('openai/chat-completions-stream-include-usage.json', { encoding: 'gzip', splitAt: 'events', delayMs: 1 }),
  replay('anthropic/messages-stream.json', { splitAt: 'events', delayMs: 1 }),
  // No rate-limit headers: the first metric recorded is at the end of the stream.
  replay('mistral/chat-completions-stream.json', { splitAt: 'events', delayMs: 1 }),
  replay('gemini/stream-generate-content-sse.json', { splitAt: 'events', delayMs: 1 }),
  replay('openrouter/chat-completions-429-upstream-rate-limited.json'),
  {
    name: 'connection reset mid-stream',
    run: () =>
      viewOf(
        fetch(`${relay.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sim-fault': 'reset' },
          body: JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ),
  },
];

/** What each exchange gives the app with no instrumentation at all. */
const baseline = new Map<string, AppView>();

beforeAll(async () => {
  relay = await startRelaySimulator();
  for (const exchange of EXCHANGES) baseline.set(exchange.name, await exchange.run());
  // Sanity: the baseline is made of real answers, and the reset really fails.
  expect(baseline.get(EXCHANGES[0]!.name)!.status).toBe(200);
  expect(baseline.get('connection reset mid-stream')!.error).toBeDefined();
});
afterAll(async () => {
  await relay.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const injected = (what: string) => new Error(`injected fault: ${what}`);

/** A meter whose instruments throw on every recording. */
function throwingMeterProvider(): ApiMeterProvider {
  const instrument = {
    record() {
      throw injected('meter record');
    },
    add() {
      throw injected('meter add');
    },
  };
  // A new object over the no-op meter: createNoopMeter() returns a process-wide singleton that must stay intact.
  const meter: Meter = Object.assign(Object.create(createNoopMeter()) as Meter, {
    createHistogram: () => instrument as unknown as Histogram,
    createCounter: () => instrument as unknown as Counter,
    createUpDownCounter: () => instrument as unknown as UpDownCounter,
    createGauge: () => instrument as unknown as Gauge,
  });
  return { getMeter: () => meter };
}

/** A tracer whose spans throw from every method but `spanContext`/`isRecording`; counts starts and ends. */
function throwingTracerProvider(
  counts: { started: number; endCalls: number },
  options: { startThrows?: boolean } = {},
): ApiTracerProvider {
  let n = 0;
  const fail = (what: string) => () => {
    throw injected(`span.${what}`);
  };
  const makeSpan = (): Span => {
    const spanId = (++n).toString(16).padStart(16, '0');
    return {
      spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId, traceFlags: TraceFlags.SAMPLED }),
      isRecording: () => true,
      setAttribute: fail('setAttribute'),
      setAttributes: fail('setAttributes'),
      addEvent: fail('addEvent'),
      addLink: fail('addLink'),
      addLinks: fail('addLinks'),
      setStatus: fail('setStatus'),
      updateName: fail('updateName'),
      recordException: fail('recordException'),
      end: () => {
        counts.endCalls++;
        throw injected('span.end');
      },
    };
  };
  const tracer = {
    startSpan: () => {
      if (options.startThrows) throw injected('tracer.startSpan');
      counts.started++;
      return makeSpan();
    },
    startActiveSpan: fail('startActiveSpan'),
  } as unknown as Tracer;
  return { getTracer: () => tracer };
}

/** A fresh instrumentation and the ledger of its spans. */
interface Rig {
  instrumentation: LlmRelayInstrumentation;
  ledger: SpanLedger;
}

function instrument(
  config: LlmRelayInstrumentationConfig = {},
  providers: { tracerProvider?: ApiTracerProvider; meterProvider?: ApiMeterProvider } = {},
): Rig {
  const ledger = new SpanLedger({ keep: true });
  const instrumentation = new LlmRelayInstrumentation({ ...config, enabled: false });
  instrumentation.setTracerProvider(providers.tracerProvider ?? new TracerProvider({ spanProcessors: [ledger] }));
  instrumentation.setMeterProvider(providers.meterProvider ?? new MeterProvider({ readers: [new TestMetricReader()] }));
  instrumentation.enable();
  return { instrumentation, ledger };
}

interface CallRecord {
  name: string;
  view: AppView;
  /** Injected throws during this call. */
  fired: number;
  diagErrors: string[];
  settled: boolean;
}

/** Runs every exchange through `instrumentation`; `fired()` reads how often the injection has thrown so far. */
async function runAll(rig: Rig, diagLog: DiagCapture, fired: () => number): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  for (const exchange of EXCHANGES) {
    const firedBefore = fired();
    const errorsBefore = diagLog.errors().length;
    const view = await exchange.run();
    const isSettled = await settled(rig.instrumentation, 300);
    records.push({
      name: exchange.name,
      view,
      fired: fired() - firedBefore,
      diagErrors: diagLog.errors().slice(errorsBefore),
      settled: isSettled,
    });
  }
  return records;
}

/** The promises of this suite, checked for every injected fault. */
function expectIsolated(records: CallRecord[], processFailures: string[]): void {
  for (const record of records) {
    // The app's answer (status, headers, body hash) or its exception is the one it gets without us.
    expect({ call: record.name, view: record.view }).toEqual({ call: record.name, view: baseline.get(record.name) });
    // One diag error for a call our code failed on, none for the others: never one per chunk.
    expect({ call: record.name, diagErrors: record.diagErrors.length }).toEqual({
      call: record.name,
      diagErrors: record.fired > 0 ? 1 : 0,
    });
    // Nothing of the call is left behind.
    expect({ call: record.name, settled: record.settled }).toEqual({ call: record.name, settled: true });
  }
  expect(processFailures).toEqual([]);
}

interface Case {
  name: string;
  /** Installs the fault; returns a reader of how many times it threw. */
  inject(): () => number;
  /** At least this many of the exchanges must hit the fault (proves the injection reached our code). */
  minAffected: number;
}

/** Spies on `method` of `target` so that it throws; returns the number of throws so far. */
function throwFrom<T extends object>(target: T, method: keyof T & string): () => number {
  let count = 0;
  vi.spyOn(target, method as never).mockImplementation((() => {
    count++;
    throw injected(method);
  }) as never);
  return () => count;
}

/** Every codec's response accumulators get `method` replaced by a throwing one. */
function throwFromAccumulators(...methods: Array<'onEvent' | 'onJson' | 'finish'>): () => number {
  let count = 0;
  for (const codec of [openAiChatCodec, anthropicMessagesCodec, geminiGenerateContentCodec] as WireCodec[]) {
    const original = codec.createResponseAccumulator.bind(codec);
    vi.spyOn(codec, 'createResponseAccumulator').mockImplementation((request, options) => {
      const accumulator = original(request, options);
      for (const method of methods) {
        accumulator[method] = (() => {
          count++;
          throw injected(`accumulator.${method}`);
        }) as never;
      }
      return accumulator;
    });
  }
  return () => count;
}

const CASES: Case[] = [
  { name: 'the SSE parser throws', inject: () => throwFrom(SseParser.prototype, 'push'), minAffected: 5 },
  // The request body of every call and the JSON response bodies go through it.
  { name: 'the JSON body parser throws', inject: () => throwFrom(JsonBodyCollector.prototype, 'push'), minAffected: 7 },
  {
    name: 'the bounded JSON parser throws (JSON-array streams)',
    inject: () => throwFrom(BoundedJsonParser.prototype, 'push'),
    minAffected: 1,
  },
  { name: 'the price lookup throws', inject: () => throwFrom(PriceBook.prototype, 'lookup'), minAffected: 5 },
  {
    name: 'the codec accumulator throws on events and bodies',
    inject: () => throwFromAccumulators('onEvent', 'onJson'),
    minAffected: 6,
  },
  {
    name: 'the codec accumulator throws when it finishes',
    inject: () => throwFromAccumulators('finish'),
    minAffected: 7,
  },
];

describe('an exception inside our code never reaches the app', () => {
  it.each(CASES.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument();
    try {
      const fired = c.inject();
      const records = await runAll(rig, diagLog, fired);
      expect(records.filter(r => r.fired > 0).length).toBeGreaterThanOrEqual(c.minAffected);
      expectIsolated(records, failures.events);
      // Every span we started has ended: a failure costs the call's attributes, never an open span.
      expect(rig.ledger.open).toBe(0);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a call our code failed on ends its span with status ERROR, saying so; the others are untouched', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument();
    try {
      const fired = throwFrom(SseParser.prototype, 'push');
      const records = await runAll(rig, diagLog, fired);
      expectIsolated(records, failures.events);
      expect(rig.ledger.open).toBe(0);
      const spans = rig.ledger.finished;
      expect(spans).toHaveLength(EXCHANGES.length);
      const internal = spans.filter(
        s => s.status.code === SpanStatusCode.ERROR && /internal error/.test(s.status.message ?? ''),
      );
      expect(internal).toHaveLength(records.filter(r => r.fired > 0).length);
      expect(internal.length).toBeGreaterThanOrEqual(5);
      expect(internal[0]!.status.message).toBe(
        'otel-llm-relay internal error: this span is incomplete (the call itself was unaffected)',
      );
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a meter whose instruments throw', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument({}, { meterProvider: throwingMeterProvider() });
    try {
      let fired = 0;
      // Every call records at least its duration: count the diag lines that name the meter.
      const records = await runAll(
        rig,
        diagLog,
        () => (fired = diagLog.errors().filter(e => e.includes('injected fault: meter')).length),
      );
      expect(fired).toBe(EXCHANGES.length);
      expectIsolated(records, failures.events);
      expect(rig.ledger.open).toBe(0);
      expect(rig.ledger.ended).toBe(EXCHANGES.length);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a tracer whose spans throw from setAttributes, updateName, setStatus and end', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const counts = { started: 0, endCalls: 0 };
    const rig = instrument({}, { tracerProvider: throwingTracerProvider(counts) });
    try {
      let spanFaults = 0;
      const records = await runAll(
        rig,
        diagLog,
        () => (spanFaults = diagLog.errors().filter(e => e.includes('injected fault: span.')).length),
      );
      expect(spanFaults).toBe(EXCHANGES.length);
      expectIsolated(records, failures.events);
      expect(counts.started).toBe(EXCHANGES.length);
      // We still tried to end every span we started.
      expect(counts.endCalls).toBeGreaterThanOrEqual(counts.started);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a tracer that throws from startSpan: the calls go through unobserved', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument(
      {},
      { tracerProvider: throwingTracerProvider({ started: 0, endCalls: 0 }, { startThrows: true }) },
    );
    try {
      let fired = 0;
      const records = await runAll(
        rig,
        diagLog,
        () => (fired = diagLog.errors().filter(e => e.includes('tracer.startSpan')).length),
      );
      expect(fired).toBe(EXCHANGES.length);
      expectIsolated(records, failures.events);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('throwing user hooks: each is reported, and the span and metrics are still complete', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const hookError = (name: string) => () => {
      throw new Error(`injected fault: ${name}`);
    };
    const rig = instrument({
      requestHook: hookError('requestHook'),
      responseHook: hookError('responseHook'),
      metricAttributesHook: hookError('metricAttributesHook'),
    });
    try {
      const records = [];
      for (const exchange of EXCHANGES) {
        const before = diagLog.errors().length;
        const view = await exchange.run();
        expect(await settled(rig.instrumentation)).toBe(true);
        records.push({ name: exchange.name, view, hookErrors: diagLog.errors().slice(before) });
      }
      for (const r of records) {
        expect(r.view).toEqual(baseline.get(r.name));
        // One line per hook that threw, naming it: the three hooks run once per call.
        expect(r.hookErrors.map(e => /(\w+Hook) threw/.exec(e)?.[1])).toEqual([
          'requestHook',
          'responseHook',
          'metricAttributesHook',
        ]);
      }
      expect(failures.events).toEqual([]);
      expect(rig.ledger.open).toBe(0);
      const streamed = rig.ledger.finished.find(s => s.attributes['gen_ai.provider.name'] === 'anthropic')!;
      expect(streamed.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a propagator that injects a header value undici refuses: the call is still observed, once', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument();
    // undici's addHeader throws "invalid … header" on a value with a line break.
    propagation.disable();
    propagation.setGlobalPropagator({
      inject: (_context, carrier, setter) => setter.set(carrier, 'x-broken-baggage', 'a\r\nb'),
      extract: context => context,
      fields: () => ['x-broken-baggage'],
    });
    try {
      const records = await runAll(rig, diagLog, () => diagLog.errors().filter(e => /invalid.*header/i.test(e)).length);
      expect(records.every(r => r.fired === 1)).toBe(true);
      expectIsolated(records, failures.events);
      expect(rig.ledger.open).toBe(0);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });

  it('a fault that hits every call is logged a bounded number of times', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument();
    const stream = EXCHANGES[1]!;
    try {
      const fired = throwFrom(SseParser.prototype, 'push');
      for (let i = 0; i < 25; i++) expect(await stream.run()).toEqual(baseline.get(stream.name));
      expect(await settled(rig.instrumentation)).toBe(true);
      expect(fired()).toBe(25);
      const errors = diagLog.errors();
      // Ten reports, then one line saying that the rest are muted.
      expect(errors).toHaveLength(11);
      expect(errors.at(-1)).toMatch(/further internal errors are not logged/);
      expect(rig.ledger.open).toBe(0);
      expect(failures.events).toEqual([]);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });
});

describe('every diagnostics-channel subscriber is guarded', () => {
  const CHANNELS = [
    'undici:request:create',
    'undici:request:bodyChunkSent',
    'undici:request:bodySent',
    'undici:request:headers',
    'undici:request:bodyChunkReceived',
    'undici:request:trailers',
    'undici:request:error',
  ];
  /** An object every property read of which throws, like a future undici shape we do not expect. */
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('hostile getter');
      },
      getPrototypeOf() {
        throw new Error('hostile prototype');
      },
    },
  );
  const relayLike = {
    origin: 'http://127.0.0.1:1',
    path: '/v1/chat/completions',
    method: 'POST',
    headers: ['content-type', 'application/json'],
    addHeader() {
      throw new Error('addHeader refuses');
    },
  };
  const MESSAGES: unknown[] = [
    undefined,
    null,
    42,
    'text',
    {},
    { request: null },
    { request: hostile },
    { request: relayLike, response: hostile, chunk: hostile, error: hostile },
    { request: relayLike, response: { statusCode: 'x', headers: 5 }, chunk: new Uint8Array([0xff, 0x00]) },
    { request: { ...relayLike, headers: hostile } },
    { request: { ...relayLike, origin: hostile } },
  ];

  it('malformed and hostile messages on every channel reach neither the publisher nor the process', async () => {
    const failures = watchProcessFailures();
    const diagLog = captureDiag();
    const rig = instrument();
    try {
      for (const message of MESSAGES) {
        for (const name of CHANNELS) {
          // A subscriber that throws would make publish() re-throw on the next tick as an uncaughtException.
          expect(() => diagnosticsChannel.channel(name).publish(message)).not.toThrow();
        }
      }
      await new Promise(r => setTimeout(r, 20));
      expect(failures.events).toEqual([]);
      // Each relay-like request got its trailers or error message: none may still be followed.
      expect(callsInFlight(rig.instrumentation)).toBe(0);
      // The relay-like request started a call that never got more events: the idle sweep owns it, not a leak.
      for (const exchange of EXCHANGES.slice(0, 2)) expect(await exchange.run()).toEqual(baseline.get(exchange.name));
      expect(failures.events).toEqual([]);
    } finally {
      rig.instrumentation.disable();
      diagLog.restore();
      failures.stop();
    }
  });
});
