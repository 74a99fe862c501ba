import { describe, expect, it } from 'vitest';
import { inclusiveShare, splitUnder, topFunctions, topUnder } from '../../../bench/lib/cpu-profile.ts';
import type { CpuProfile } from '../../../bench/lib/cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

/**
 * root ─┬─ (idle)
 *       ├─ app (file:///repo/app.js) ─┬─ ours (file:///repo/dist/a.js) ─── JSON.parse (native)
 *       │                             └─ sdk (file:///repo/node_modules/sdk.js)
 *       └─ (garbage collector)
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 7] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('app', 'file:///repo/app.js', 9), children: [4, 6] },
    { id: 4, callFrame: frame('ours', 'file:///repo/dist/a.js', 41), children: [5] },
    { id: 5, callFrame: frame('parse') },
    { id: 6, callFrame: frame('sdk', 'file:///repo/node_modules/sdk.js', 0) },
    { id: 7, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 1000,
  // Each sample's time is the next delta: idle 500, app 100, ours 100, parse 200, sdk 50, gc 50.
  samples: [2, 3, 4, 5, 6, 7],
  timeDeltas: [0, 500, 100, 100, 200, 50, 50],
};

describe('topFunctions', () => {
  it('ranks functions by self time, idle left out of the total', () => {
    const top = topFunctions(profile, 10, '/repo');
    expect(top.map(t => t.function)).toEqual([
      'parse',
      'app (app.js:10)',
      'ours (dist/a.js:42)',
      'sdk (node_modules/sdk.js:1)',
      '(garbage collector)',
      '(root)',
    ]);
    expect(top[0]!.selfMs).toBeCloseTo(0.2);
    expect(top[0]!.share).toBeCloseTo(200 / 500);
    expect(top.reduce((sum, t) => sum + t.share, 0)).toBeCloseTo(1);
  });

  it('keeps the first `limit` entries', () => {
    expect(topFunctions(profile, 2)).toHaveLength(2);
  });

  it('spreads the duration by hit count when a profile has no samples', () => {
    const counted: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('a', 'file:///x.js'), hitCount: 3 },
        { id: 2, callFrame: frame('b', 'file:///x.js'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4000,
    };
    const top = topFunctions(counted, 5);
    expect(top.map(t => [t.function, t.selfMs])).toEqual([
      ['a (/x.js:1)', 3],
      ['b (/x.js:1)', 1],
    ]);
  });
});

describe('topUnder and inclusiveShare', () => {
  it('charge a sample to the innermost matching frame, callees included', () => {
    const ours = topUnder(profile, /\/dist\//, 5, '/repo');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.function).toBe('ours (dist/a.js:42)');
    // its own 100 µs and the 200 µs of the parse it called, of 500 µs not idle
    expect(ours[0]!.share).toBeCloseTo(300 / 500);
    expect(inclusiveShare(profile, /\/dist\//)).toBeCloseTo(300 / 500);
  });

  it('count what the app called outside dist/ against the app, not us', () => {
    expect(inclusiveShare(profile, /\/node_modules\//)).toBeCloseTo(50 / 500);
    expect(inclusiveShare(profile, /app\.js$/)).toBeCloseTo(450 / 500);
    expect(inclusiveShare(profile, /nothing/)).toBe(0);
  });
});

describe('splitUnder', () => {
  /**
   * root ─── app ─── ours (dist/a.js) ─┬─ helper (dist/b.js) ─── JSON.parse          own 100
   *                                    ├─ span (@opentelemetry/sdk-trace) ── hash    otel 40
   *                                    ├─ wrapSafe (node:internal/modules/cjs/loader) ── compile  loading 30
   *                                    └─ (self)                                     own 10
   *          app ─── sdk (@opentelemetry/sdk-trace), not under ours                  not counted 70
   */
  const otel = 'file:///repo/node_modules/@opentelemetry/sdk-trace/build/src/Tracer.js';
  const split: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2] },
      { id: 2, callFrame: frame('app', 'file:///repo/app.js'), children: [3, 10] },
      { id: 3, callFrame: frame('ours', 'file:///repo/dist/a.js'), children: [4, 6, 8] },
      { id: 4, callFrame: frame('helper', 'file:///repo/dist/b.js'), children: [5] },
      { id: 5, callFrame: frame('parse') },
      { id: 6, callFrame: frame('startSpan', otel), children: [7] },
      { id: 7, callFrame: frame('hash') },
      { id: 8, callFrame: frame('wrapSafe', 'node:internal/modules/cjs/loader'), children: [9] },
      { id: 9, callFrame: frame('compileFunction') },
      { id: 10, callFrame: frame('startSpan', otel) },
    ],
    startTime: 0,
    endTime: 1000,
    samples: [5, 7, 9, 3, 10],
    timeDeltas: [0, 100, 40, 30, 10, 70],
  };

  it('charges time under our code to our code, the OpenTelemetry SDK it called, or module loading', () => {
    expect(splitUnder(split, /\/dist\//)).toEqual({ ownUs: 110, openTelemetryUs: 40, loadingUs: 30 });
  });
});
