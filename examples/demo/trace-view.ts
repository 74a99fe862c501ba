/*
 * The demo's trace section: picks a few telling spans of the run (the slowest call, a 429, a
 * stream) and prints each the way a trace view shows one span: its name, duration and status, its
 * place in the trace, and its GenAI attributes.
 */
import type { AttributeValue, ReceivedSpan } from './otlp-trace-receiver.ts';

/** The instrumentation scope of otel-llm-relay's spans. */
export const RELAY_SCOPE = 'otel-llm-relay';

export interface TellingSpan {
  title: string;
  span: ReceivedSpan;
}

export function durationSeconds(span: ReceivedSpan): number {
  return Number(span.endNs - span.startNs) / 1e9;
}

const failed = (span: ReceivedSpan) => span.attributes['error.type'] !== undefined;

/** Wall-clock window, in Unix nanoseconds like span times. */
export interface Window {
  fromNs: bigint;
  toNs: bigint;
}

function slowestOf(spans: ReceivedSpan[]): ReceivedSpan | undefined {
  return spans.reduce<ReceivedSpan | undefined>(
    (a, b) => (a && durationSeconds(a) >= durationSeconds(b) ? a : b),
    undefined,
  );
}

/**
 * The slowest call started during the latency spike (else of the whole run), a rate-limited call,
 * and a streamed answer (preferably one whose SDK opened a span of its own around it, so it has a
 * parent to show). Missing kinds are left out.
 */
export function tellingSpans(spans: ReceivedSpan[], spike?: Window): TellingSpan[] {
  const calls = spans.filter(s => s.scope === RELAY_SCOPE);
  const picked: TellingSpan[] = [];
  const inSpike = spike ? slowestOf(calls.filter(s => s.startNs >= spike.fromNs && s.startNs < spike.toNs)) : undefined;
  const slowest = inSpike ?? slowestOf(calls);
  if (slowest)
    picked.push({
      title: inSpike ? 'The slowest call of the latency spike' : 'The slowest call of the run',
      span: slowest,
    });
  const limited = calls.find(s => s.attributes['error.type'] === '429');
  if (limited) picked.push({ title: 'A rate-limited call (429)', span: limited });
  const streams = calls.filter(s => s.attributes['gen_ai.request.stream'] === true && !failed(s) && s !== slowest);
  const stream = streams.find(s => s.parentSpanId !== undefined) ?? streams[0];
  if (stream) picked.push({ title: 'A streamed answer', span: stream });
  return picked;
}

function text(value: AttributeValue): string {
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  return String(value);
}

/** Attribute rows, in two columns: the call on the left, what came back on the right. */
const CALL = ['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.provider.name', 'server.address'];
const OUTCOME = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'llm_relay.cost.usd',
  'gen_ai.response.time_to_first_chunk',
  'gen_ai.response.finish_reasons',
  'error.type',
];

function cells(span: ReceivedSpan, keys: string[]): string[][] {
  return keys
    .filter(key => span.attributes[key] !== undefined)
    .map(key => {
      let value = text(span.attributes[key]);
      if (key === 'server.address' && span.attributes['server.port'] !== undefined)
        value += `:${text(span.attributes['server.port'])}`;
      if (key === 'gen_ai.response.time_to_first_chunk') value = `${Number(span.attributes[key]).toFixed(3)}s`;
      return [key, value];
    });
}

const STATUS = ['unset', 'ok', 'ERROR'];

export function renderSpan({ title, span }: TellingSpan, all: ReceivedSpan[]): string {
  const parent = span.parentSpanId === undefined ? undefined : all.find(s => s.spanId === span.parentSpanId);
  const place =
    span.parentSpanId === undefined
      ? 'parent: none (a root span)'
      : `parent: ${parent?.name ?? '(not received)'} ${span.parentSpanId}`;
  const lines = [
    `${title}: ${span.name}, ${durationSeconds(span).toFixed(2)}s, status ${STATUS[span.statusCode] ?? span.statusCode}`,
    `  trace ${span.traceId}  span ${span.spanId}  ${place}`,
  ];
  const left = cells(span, CALL);
  const right = cells(span, OUTCOME);
  const keyWidth = Math.max(...left.map(c => c[0]!.length));
  const leftWidth = keyWidth + 2 + Math.max(...left.map(c => c[1]!.length));
  const rightKeyWidth = Math.max(...right.map(c => c[0]!.length));
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i] ? `${left[i]![0]!.padEnd(keyWidth)}  ${left[i]![1]}` : '';
    const r = right[i] ? `${right[i]![0]!.padEnd(rightKeyWidth)}  ${right[i]![1]}` : '';
    lines.push(`    ${l.padEnd(leftWidth)}    ${r}`.trimEnd());
  }
  return lines.join('\n');
}
