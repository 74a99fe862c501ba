import { describe, expect, it } from 'vitest';
import { MAX_UNKNOWN_ROUTE_SHAPES, UnknownRouteLog, routeShape } from '../../../src/telemetry/unknown-routes';

describe('routeShape', () => {
  it('keeps words and API versions, replaces ids, models and keys by {id}', () => {
    expect(routeShape('/v1/threads/thread_abc123/runs?key=sk-1')).toBe('/v1/threads/{id}/runs');
    expect(routeShape('/v1beta/models/gemini-2.5-flash:countTokens')).toBe('/v1beta/models/{id}:countTokens');
    expect(routeShape('https://relay.example.com/v1/key/sk-abcdef/rerank#x')).toBe('/v1/key/{id}/rerank');
    expect(routeShape('/a/b/c/d/e/f/g/h/i/j')).toBe('/a/b/c/d/e/f/g/h/…');
    expect(routeShape('')).toBe('/');
  });
});

describe('UnknownRouteLog', () => {
  it('says each shape once, then stops after a bounded number of shapes', () => {
    const log = new UnknownRouteLog();
    expect(log.note('POST', 'relay', '/v1/rerank')).toContain('POST /v1/rerank');
    expect(log.note('POST', 'relay', '/v1/rerank?x=1')).toBeUndefined();
    const lines: (string | undefined)[] = [];
    for (let i = 0; i < 100; i++)
      lines.push(
        log.note(
          'POST',
          'relay',
          `/v1/route${'x'.repeat(i % 26)}${String.fromCharCode(97 + (i % 26))}/${'y'.repeat(Math.floor(i / 26) + 1)}`,
        ),
      );
    const said = lines.filter(line => line !== undefined);
    expect(said).toHaveLength(MAX_UNKNOWN_ROUTE_SHAPES); // 31 more shapes and the one line saying the rest are muted
    expect(said.at(-1)).toContain('further ones are not logged');
  });
});
