/*
 * A minimal OTLP/HTTP JSON receiver on loopback: collects what an app exports with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json, flattened to spans and metric points.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

export interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
}

export interface ReceivedMetric {
  name: string;
  unit?: string;
  points: Array<{ attributes: Record<string, unknown>; value: number; count?: number }>;
}

export interface ReceivedLog {
  eventName?: string;
  traceId?: string;
  spanId?: string;
  scope: string;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  endpoint: string;
  spans: ReceivedSpan[];
  /** Log records (events) exported to /v1/logs. */
  logs: ReceivedLog[];
  metrics: ReceivedMetric[];
  /** The resource attributes of every export request's resourceSpans and resourceMetrics. */
  resources: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

function attributeValue(value: Record<string, unknown>): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) {
    const values = (value.arrayValue as { values?: Record<string, unknown>[] }).values ?? [];
    return values.map(attributeValue);
  }
  if ('kvlistValue' in value) {
    return attributesOf((value.kvlistValue as { values?: OtlpAttribute[] }).values);
  }
  return undefined;
}

export function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = attributeValue(a.value);
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const metrics: ReceivedMetric[] = [];
  const resources: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (req.url === '/v1/traces') {
          for (const rs of body.resourceSpans ?? []) {
            resources.push(attributesOf(rs.resource?.attributes));
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of ss.spans ?? []) {
                spans.push({
                  name: s.name,
                  kind: s.kind,
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId || undefined,
                  scope: ss.scope?.name,
                  attributes: attributesOf(s.attributes),
                  status: s.status,
                });
              }
            }
          }
        } else if (req.url === '/v1/logs') {
          for (const rl of body.resourceLogs ?? []) {
            for (const sl of rl.scopeLogs ?? []) {
              for (const r of sl.logRecords ?? []) {
                logs.push({
                  eventName: r.eventName || undefined,
                  traceId: r.traceId || undefined,
                  spanId: r.spanId || undefined,
                  scope: sl.scope?.name,
                  attributes: attributesOf(r.attributes),
                });
              }
            }
          }
        } else if (req.url === '/v1/metrics') {
          for (const rm of body.resourceMetrics ?? []) {
            resources.push(attributesOf(rm.resource?.attributes));
            for (const sm of rm.scopeMetrics ?? []) {
              for (const m of sm.metrics ?? []) {
                const data = m.histogram ?? m.sum ?? m.gauge;
                metrics.push({
                  name: m.name,
                  unit: m.unit,
                  points: (data?.dataPoints ?? []).map((p: Record<string, unknown>) => ({
                    attributes: attributesOf(p.attributes as OtlpAttribute[]),
                    value: Number(p.asDouble ?? p.asInt ?? p.sum ?? 0),
                    count: p.count === undefined ? undefined : Number(p.count),
                  })),
                });
              }
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    logs,
    metrics,
    resources,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}
