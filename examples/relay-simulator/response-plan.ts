/*
 * A response decided but not yet written: status, headers and body. Faults and the writer
 * work on this shape, whatever the dialect.
 */
import type { ReportedResponse } from './types.ts';

/**
 * One frame of a stream, written as its own socket write.
 * `meta` frames go out at once, `output` frames are paced (first-chunk delay, then the
 * inter-chunk delay), `tail` frames follow the last output at once.
 */
export interface StreamFrame {
  text: string;
  kind: 'meta' | 'output' | 'tail';
}

export type PlannedBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'stream'; frames: StreamFrame[] }
  | { kind: 'none' };

export interface PlannedResponse {
  status: number;
  /** Content type and dialect headers; rate-limit and encoding headers are added by the server. */
  headers: Record<string, string>;
  body: PlannedBody;
  report: ReportedResponse;
}

/** An SSE event: optional `event:` line, one `data:` line, then the blank-line separator. */
export function sseFrame(data: string, options: { event?: string; separator?: string } = {}): string {
  const separator = options.separator ?? '\n\n';
  const eventLine = options.event === undefined ? '' : `event: ${options.event}\n`;
  return `${eventLine}data: ${data}${separator}`;
}

export function jsonResponse(
  status: number,
  value: unknown,
  contentType: string,
  report: ReportedResponse,
): PlannedResponse {
  return { status, headers: { 'content-type': contentType }, body: { kind: 'json', value }, report };
}
