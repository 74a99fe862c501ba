/*
 * The cardinality guard: a relay answering with ever new model names cannot grow the number of
 * metric series past the cap, and says so once.
 */
import { describe, expect, it } from 'vitest';
import { CardinalityGuard, OVERFLOW_VALUE } from '../../../src/telemetry/cardinality-guard';

describe('CardinalityGuard', () => {
  it('passes the first maxValues distinct values, then maps new ones to _OTHER', () => {
    const guard = new CardinalityGuard(3);
    const admitted = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'].map(v => guard.admit(v));
    expect(admitted).toEqual(['m0', 'm1', 'm2', '_OTHER', '_OTHER', '_OTHER']);
    expect(OVERFLOW_VALUE).toBe('_OTHER');
    expect(guard.size).toBe(3);
  });

  it('values seen before the cap keep passing after it', () => {
    const guard = new CardinalityGuard(2);
    guard.admit('a');
    guard.admit('b');
    expect(guard.admit('c')).toBe('_OTHER');
    expect(guard.admit('a')).toBe('a');
    expect(guard.admit('b')).toBe('b');
  });

  it('repeats of one value take one slot', () => {
    const guard = new CardinalityGuard(2);
    for (let i = 0; i < 10; i++) guard.admit('same');
    expect(guard.admit('other')).toBe('other');
    expect(guard.size).toBe(2);
  });

  it('reports the first overflowing value once, however many follow', () => {
    const reported: string[] = [];
    const guard = new CardinalityGuard(1, value => reported.push(value));
    guard.admit('kept');
    for (let i = 0; i < 50; i++) guard.admit(`new-${i}`);
    expect(reported).toEqual(['new-0']);
  });

  it('never grows past the cap', () => {
    const guard = new CardinalityGuard(100);
    const labels = new Set<string>();
    for (let i = 0; i < 10_000; i++) labels.add(guard.admit(`model-${i}`));
    expect(guard.size).toBe(100);
    expect(labels.size).toBe(101);
  });
});
