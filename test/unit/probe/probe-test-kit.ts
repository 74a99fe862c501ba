/* Helpers for the relay probe tests: a diag logger that keeps every line, hand-driven timers, metrics. */
import { createServer } from 'node:net';
import type { DiagLogger } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import type { ProbeTimers } from '../../../src/probe/relay-probe';
import { TestMetricReader } from '../../support/otel-harness';

/** Every diag line, with its level; arguments are rendered as a logger would print them. */
export class CapturingDiag implements DiagLogger {
  readonly lines: { level: string; text: string }[] = [];
  private add(level: string, message: string, args: unknown[]): void {
    const rest = args.map(a =>
      a instanceof Error
        ? `${a.name}: ${a.message} ${JSON.stringify(a)}`
        : typeof a === 'string'
          ? a
          : JSON.stringify(a),
    );
    this.lines.push({ level, text: [message, ...rest].join(' ') });
  }
  error = (message: string, ...args: unknown[]) => this.add('error', message, args);
  warn = (message: string, ...args: unknown[]) => this.add('warn', message, args);
  info = (message: string, ...args: unknown[]) => this.add('info', message, args);
  debug = (message: string, ...args: unknown[]) => this.add('debug', message, args);
  verbose = (message: string, ...args: unknown[]) => this.add('verbose', message, args);
  text(): string {
    return this.lines.map(l => `${l.level}: ${l.text}`).join('\n');
  }
}

interface PendingTimer {
  id: number;
  callback: () => void;
  ms: number;
}

/** Timers that only fire when the test says so; they record every delay asked for. */
export class ManualTimers implements ProbeTimers {
  readonly pending: PendingTimer[] = [];
  readonly requested: number[] = [];
  private nextId = 1;
  set(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, callback, ms };
    this.pending.push(timer);
    this.requested.push(ms);
    return timer.id;
  }
  clear(handle: unknown): void {
    const at = this.pending.findIndex(t => t.id === handle);
    if (at !== -1) this.pending.splice(at, 1);
  }
  /** Fires the oldest pending timer and waits until the probe it started has scheduled the next one. */
  async fireAndWaitForNext(timeoutMs = 5000): Promise<number> {
    const timer = this.pending.shift();
    if (!timer) throw new Error('no pending timer');
    const before = this.requested.length;
    timer.callback();
    const deadline = Date.now() + timeoutMs;
    while (this.requested.length === before) {
      if (Date.now() > deadline) throw new Error('the probe did not schedule its next run');
      await new Promise(r => setTimeout(r, 5));
    }
    return this.requested[this.requested.length - 1]!;
  }
}

export interface MetricsHarness {
  meterProvider: MeterProvider;
  collect(): Promise<MetricData[]>;
}

export function metricsHarness(): MetricsHarness {
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length) throw errors[0];
      return resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
    },
  };
}

/** The one data point of `name` whose attributes include `match`; fails when there are none or several. */
export function onePoint(metrics: MetricData[], name: string, match: Record<string, unknown> = {}): DataPoint<unknown> {
  const points = metrics
    .filter(m => m.descriptor.name === name)
    .flatMap(m => m.dataPoints as DataPoint<unknown>[])
    .filter(p => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
  if (points.length !== 1) throw new Error(`${name} ${JSON.stringify(match)}: ${points.length} points`);
  return points[0]!;
}

/** A localhost port with nothing listening on it (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise(r => server.close(r));
  return port;
}
