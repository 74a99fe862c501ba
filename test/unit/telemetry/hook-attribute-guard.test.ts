import { describe, expect, it } from 'vitest';
import { HookAttributeGuard, MAX_HOOK_KEYS } from '../../../src/telemetry/hook-attribute-guard';

describe('HookAttributeGuard', () => {
  it('keeps the first values of each key, then _OTHER, warning once per key', () => {
    const warned: string[] = [];
    const guard = new HookAttributeGuard(2, (what, value) => warned.push(`${what}=${value}`));
    const seen = ['a', 'b', 'a', 'c', 'd'].map(tenant => guard.cap({ tenant, region: 'eu', n: 1 }));
    expect(seen.map(a => a!['tenant'])).toEqual(['a', 'b', 'a', '_OTHER', '_OTHER']);
    expect(seen.every(a => a!['region'] === 'eu' && a!['n'] === 1)).toBe(true);
    expect(warned).toEqual(['metricAttributesHook "tenant"=c']);
  });

  it('drops keys beyond the key cap, and passes undefined through', () => {
    const warned: string[] = [];
    const guard = new HookAttributeGuard(10, what => warned.push(what));
    const many = Object.fromEntries(Array.from({ length: MAX_HOOK_KEYS + 4 }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(guard.cap(many)!)).toHaveLength(MAX_HOOK_KEYS);
    expect(warned).toEqual(['metricAttributesHook key']);
    expect(guard.cap(undefined)).toBeUndefined();
  });
});
