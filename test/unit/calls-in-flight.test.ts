import { describe, expect, it, vi } from 'vitest';
import { CallsInFlight } from '../../src/calls-in-flight';
import type { CallsHost } from '../../src/calls-in-flight';
import type { FinishedCall } from '../../src/call/call';
import type { LlmCall } from '../../src/hook/llm-call';
import type { CallMetrics } from '../../src/telemetry/call-metrics';
import type { CallSpan } from '../../src/telemetry/call-span';
import type { DiagNotes } from '../../src/telemetry/diag-notes';

function setup(idleTimeoutMs = 60_000) {
  const metrics = { finished: vi.fn(), chunkGaps: vi.fn() };
  const notes = { internalError: vi.fn() };
  const onIdle = vi.fn();
  const host: CallsHost = {
    metrics: () => metrics as unknown as CallMetrics,
    notes: () => notes as unknown as DiagNotes,
    idleTimeoutMs: () => idleTimeoutMs,
    onIdle,
  };
  const calls = new CallsInFlight(host);
  const newCall = (lastActivityAt = performance.now()) => {
    const call = {
      lastActivityAt,
      drop: vi.fn(),
      abandon: vi.fn((reason: string) => calls.listener.onFinished(call as unknown as LlmCall, finished(reason))),
    };
    const span = {
      finish: vi.fn(() => ({ outcome: true })),
      failInternally: vi.fn(),
      requestParsed: vi.fn(),
      start: vi.fn(),
    };
    calls.add(call as unknown as LlmCall, span as unknown as CallSpan);
    return { call, span, llmCall: call as unknown as LlmCall };
  };
  return { calls, metrics, notes, onIdle, newCall };
}

const finished = (transportError?: string) => ({ transportError }) as unknown as FinishedCall;

describe('CallsInFlight', () => {
  it('a finished call ends its span, records its metrics with the outcome, and is released', () => {
    const { calls, metrics, onIdle, newCall } = setup();
    const a = newCall();
    const b = newCall();
    expect(calls.size).toBe(2);
    const done = finished();
    calls.listener.onFinished(a.llmCall, done);
    expect(a.span.finish).toHaveBeenCalledWith(done);
    expect(metrics.finished).toHaveBeenCalledWith(done, { outcome: true });
    expect(calls.size).toBe(1);
    expect(onIdle).not.toHaveBeenCalled();
    calls.listener.onFinished(b.llmCall, finished());
    expect(onIdle).toHaveBeenCalledTimes(1);
    // A second report of the same call records nothing more.
    calls.listener.onFinished(a.llmCall, finished());
    expect(metrics.finished).toHaveBeenCalledTimes(2);
    calls.stopSweep();
  });

  it('an internal error drops the call, fails its span, says so once per error, and releases it', () => {
    const { calls, notes, onIdle, newCall } = setup();
    const a = newCall();
    const error = new Error('boom');
    calls.internalError(error, a.llmCall);
    expect(a.call.drop).toHaveBeenCalled();
    expect(a.span.failInternally).toHaveBeenCalled();
    expect(notes.internalError).toHaveBeenCalledWith(error);
    expect(calls.size).toBe(0);
    expect(onIdle).toHaveBeenCalledTimes(1);
    // With no call named, only the note.
    calls.internalError(error, undefined);
    expect(notes.internalError).toHaveBeenCalledTimes(2);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('a span that fails to finish still releases the call (the error goes to the channel guard)', () => {
    const { calls, metrics, onIdle, newCall } = setup();
    const a = newCall();
    a.span.finish.mockImplementation(() => {
      throw new Error('finish failed');
    });
    expect(() => calls.listener.onFinished(a.llmCall, finished())).toThrow('finish failed');
    expect(calls.size).toBe(0);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(metrics.finished).not.toHaveBeenCalled();
  });

  it('the idle sweep abandons a call that made no progress for idleTimeoutMs, and leaves a live one', async () => {
    const { calls, onIdle, newCall } = setup(40);
    const stalled = newCall(performance.now() - 1000);
    const live = newCall();
    for (let i = 0; i < 200 && calls.size > 1; i++) await new Promise(r => setTimeout(r, 5));
    expect(stalled.call.abandon).toHaveBeenCalledWith('timeout');
    expect(calls.size).toBe(1);
    expect(onIdle).not.toHaveBeenCalled();
    calls.listener.onFinished(live.llmCall, finished());
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('passes a deferred start to the span, and turns its failure into an internal error', () => {
    const { calls, notes, newCall } = setup();
    const a = newCall();
    calls.startDeferred(a.llmCall);
    expect(a.span.start).toHaveBeenCalledWith(true);
    a.span.start.mockImplementation(() => {
      throw new Error('no start');
    });
    expect(() => calls.startDeferred(a.llmCall)).not.toThrow();
    expect(notes.internalError).toHaveBeenCalledTimes(1);
    expect(a.span.failInternally).toHaveBeenCalled();
    expect(calls.size).toBe(0);
  });
});
