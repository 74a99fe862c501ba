/*
 * The idle sweeper ends calls that made no progress for the idle time, and runs only while calls are in flight.
 */
import { describe, expect, it } from 'vitest';
import { IdleSweeper } from '../../../src/hook/idle-sweeper';

class FakeCall {
  abandoned: string[] = [];
  lastActivityAt: number;
  readonly calls: Map<FakeCall, unknown>;
  constructor(lastActivityAt: number, calls: Map<FakeCall, unknown>) {
    this.lastActivityAt = lastActivityAt;
    this.calls = calls;
  }
  abandon(reason: string): void {
    this.abandoned.push(reason);
    this.calls.delete(this);
  }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('IdleSweeper', () => {
  it('abandons an idle call with "timeout", keeps a busy one, and stops once none is left', async () => {
    const calls = new Map<FakeCall, unknown>();
    const idle = new FakeCall(performance.now(), calls);
    const busy = new FakeCall(performance.now(), calls);
    calls.set(idle, {}).set(busy, {});
    const sweeper = new IdleSweeper(calls, error => expect.fail(String(error)));
    sweeper.ensure(40);
    expect(sweeper.running).toBe(true);
    const until = performance.now() + 150;
    while (performance.now() < until && calls.has(idle)) {
      busy.lastActivityAt = performance.now();
      await sleep(5);
    }
    expect(idle.abandoned).toEqual(['timeout']);
    expect(busy.abandoned).toEqual([]);
    calls.delete(busy);
    await sleep(60);
    expect(sweeper.running).toBe(false);
  });

  it('hands what a sweep throws to onError, and stop() ends it', async () => {
    const calls = new Map<{ lastActivityAt: number; abandon(): void }, unknown>();
    calls.set(
      {
        lastActivityAt: 0,
        abandon: () => {
          throw new Error('broken call');
        },
      },
      {},
    );
    const errors: unknown[] = [];
    const sweeper = new IdleSweeper(calls, error => errors.push(error));
    sweeper.ensure(10);
    await sleep(60);
    sweeper.stop();
    expect(sweeper.running).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toContain('broken call');
  });
});
