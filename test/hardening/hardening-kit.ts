/*
 * Shared tools of the hardening suites: what the app sees (status, content type, body hash, or the
 * error it got), the diag log, process-level failure events, and a span processor that notices
 * spans started but never ended.
 */
import { createHash } from 'node:crypto';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Context, DiagLogger } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LlmRelayInstrumentation } from '../../src/index';
import { callsInFlight } from '../support/otel-harness';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the app observes of one call: the answer, or the error it got (name and cause code, never a message with ids). */
export interface AppView {
  status?: number;
  contentType?: string | null;
  contentEncoding?: string | null;
  bodySha256?: string;
  bodyLength?: number;
  error?: string;
}

export function errorView(err: unknown): AppView {
  const e = err as Error & { cause?: { code?: string; name?: string } };
  return { error: `${e?.name}:${e?.cause?.code ?? e?.cause?.name ?? ''}` };
}

/** Reads a fetch response the way an app does and reduces it to an AppView (a body error after the headers counts as the error). */
export async function viewOf(responsePromise: Promise<Response>): Promise<AppView> {
  try {
    const response = await responsePromise;
    const body = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      contentEncoding: response.headers.get('content-encoding'),
      bodySha256: sha256(body),
      bodyLength: body.length,
    };
  } catch (err) {
    return errorView(err);
  }
}

export interface DiagCapture {
  readonly lines: Array<{ level: string; text: string }>;
  /** Lines written at error level since the last `clear()`. */
  errors(): string[];
  clear(): void;
  /** Everything logged, at every level, as one string (for secret scans). */
  text(): string;
  restore(): void;
}

function render(args: unknown[]): string {
  return args
    .map(a => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return `${a.name}: ${a.message}\n${a.stack ?? ''}`;
      try {
        return JSON.stringify(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

/** Sends the OpenTelemetry diag log, at every level, to memory. */
export function captureDiag(): DiagCapture {
  const lines: Array<{ level: string; text: string }> = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({ level, text: render(args) });
    };
  const logger: DiagLogger = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    verbose: at('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return {
    lines,
    errors: () => lines.filter(l => l.level === 'error').map(l => l.text),
    clear: () => void (lines.length = 0),
    text: () => lines.map(l => `${l.level} ${l.text}`).join('\n'),
    restore: () => diag.disable(),
  };
}

/** Records `uncaughtException` and `unhandledRejection` while active (vitest would report them too, but late and vaguely). */
export function watchProcessFailures(): { readonly events: string[]; stop(): void } {
  const events: string[] = [];
  const onException = (err: unknown) => events.push(`uncaughtException: ${render([err])}`);
  const onRejection = (reason: unknown) => events.push(`unhandledRejection: ${render([reason])}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    events,
    stop() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** Counts started and ended spans of one instrumentation scope, and keeps the ended ones when asked to. */
export class SpanLedger implements SpanProcessor {
  started = 0;
  ended = 0;
  readonly finished: ReadableSpan[] = [];
  private readonly _keep: boolean;
  private readonly _scope: string;

  constructor(options: { keep?: boolean; scope?: string } = {}) {
    this._keep = options.keep ?? true;
    this._scope = options.scope ?? 'otel-llm-relay';
  }

  onStart(span: Span, _parentContext: Context): void {
    if (span.instrumentationScope.name === this._scope) this.started++;
  }

  onEnd(span: ReadableSpan): void {
    if (span.instrumentationScope.name !== this._scope) return;
    this.ended++;
    if (this._keep) this.finished.push(span);
  }

  get open(): number {
    return this.started - this.ended;
  }

  reset(): void {
    this.started = 0;
    this.ended = 0;
    this.finished.length = 0;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** Polls `condition` every few ms; false if it still does not hold after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 5));
  }
  return true;
}

/** Waits until no relay call is followed any more (decoders may end a call a few ticks after the body). */
export function settled(instrumentation: LlmRelayInstrumentation, timeoutMs = 2000): Promise<boolean> {
  return eventually(() => callsInFlight(instrumentation) === 0, timeoutMs);
}

export const delay = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
