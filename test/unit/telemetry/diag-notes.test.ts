/*
 * What the instrumentation says of itself stays bounded: an unknown route once per shape, the
 * propagation note once, the first internal errors and then one line saying the rest are muted.
 */
import type { DiagLogger } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DiagNotes, MAX_LOGGED_INTERNAL_ERRORS } from '../../../src/telemetry/diag-notes';

function notes() {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const diag = { error: log('error'), warn: log('warn'), info: log('info') } as unknown as DiagLogger;
  return { notes: new DiagNotes(diag), lines };
}

describe('DiagNotes', () => {
  it('an unknown route on a relay host: one warning per route shape, without the ids in it', () => {
    const { notes: n, lines } = notes();
    n.unknownRoute('relay.example.com', '/v1/threads/abc123/runs');
    n.unknownRoute('relay.example.com', '/v1/threads/def456/runs');
    expect(lines).toEqual([
      'warn POST /v1/threads/{id}/runs to relay host relay.example.com is no LLM API route this version knows: it is not observed (if it is an LLM call, please report the route)',
    ]);
  });

  it('the propagation note is said once', () => {
    const { notes: n, lines } = notes();
    n.notPropagated();
    n.notPropagated();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn propagateContext: this undici version offers no point to inject a traceparent/);
  });

  it('internal errors: the first ones are logged, then one line says the rest are muted', () => {
    const { notes: n, lines } = notes();
    for (let i = 0; i < MAX_LOGGED_INTERNAL_ERRORS + 5; i++) n.internalError(new Error(`boom ${i}`));
    expect(lines).toHaveLength(MAX_LOGGED_INTERNAL_ERRORS + 1);
    expect(lines[0]).toBe('error internal error while observing a relay call (the call itself is unaffected):');
    expect(lines.at(-1)).toBe(`error further internal errors are not logged (${MAX_LOGGED_INTERNAL_ERRORS} so far)`);
  });
});
