import { describe, expect, it } from 'vitest';
import { lastTraceparent } from '../../../src/http/traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('lastTraceparent', () => {
  it('reads trace id, span id and flags of a traceparent', () => {
    expect(lastTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: false,
    });
    expect(lastTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(0);
  });

  it('takes the last of repeated headers joined with ", " (the one injected closest to the wire)', () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(lastTraceparent(`00-${other}-${SPAN}-01, 00-${TRACE}-bbbbbbbbbbbbbbbb-01`)).toMatchObject({
      traceId: TRACE,
      spanId: 'bbbbbbbbbbbbbbbb',
    });
  });

  it('reads upper-case hex as lower case', () => {
    expect(lastTraceparent(`00-${TRACE.toUpperCase()}-${SPAN.toUpperCase()}-01`)).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
    });
  });

  it('skips all-zero ids, and gives nothing for no header or no valid value', () => {
    expect(lastTraceparent(`00-${TRACE}-${SPAN}-01, 00-${'0'.repeat(32)}-${SPAN}-01`)).toMatchObject({
      traceId: TRACE,
    });
    expect(lastTraceparent(`00-${TRACE}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(lastTraceparent(undefined)).toBeUndefined();
    expect(lastTraceparent('')).toBeUndefined();
    expect(lastTraceparent('00-short-id-01')).toBeUndefined();
  });
});
