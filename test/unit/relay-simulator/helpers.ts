/* Small clients for the relay-simulator tests: raw node:http (to see bytes and their timing) and SSE parsing. */
import http from 'node:http';

export interface TimedChunk {
  at: number;
  bytes: Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  chunks: TimedChunk[];
  body: Buffer;
  /** Set when the body ended with an error (reset, cut connection). */
  error?: Error;
  startedAt: number;
  headersAt: number;
}

/**
 * One request with node:http and no automatic decompression: every `data` event is kept
 * with its arrival time. Resolves (with `error` set) even when the connection breaks mid-body.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; agent?: http.Agent } = {},
): Promise<RawResponse> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    // Once headers have arrived, a socket error ends the body instead of failing the request.
    let endBody: ((error: Error) => void) | undefined;
    const req = http.request(
      url,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers: { 'content-type': 'application/json', ...options.headers },
        agent: options.agent ?? false,
      },
      res => {
        const headersAt = performance.now();
        const chunks: TimedChunk[] = [];
        let settled = false;
        const finish = (error?: Error): void => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            chunks,
            body: Buffer.concat(chunks.map(c => c.bytes)),
            ...(error ? { error } : {}),
            startedAt,
            headersAt,
          });
        };
        endBody = finish;
        res.on('data', (bytes: Buffer) => chunks.push({ at: performance.now(), bytes }));
        res.on('end', () => finish());
        res.on('error', error => finish(error));
        res.on('aborted', () => finish(new Error('aborted')));
        res.on('close', () => {
          if (!res.complete) finish(new Error('incomplete body'));
        });
      },
    );
    req.on('error', error => (endBody ? endBody(error) : reject(error)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface SseEvent {
  event?: string;
  data: string;
}

/** Splits SSE text into events (`\n\n` or `\r\n\r\n` separated; comments ignored). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({ ...(event === undefined ? {} : { event }), data: data.join('\n') });
  }
  return events;
}

/** JSON of each `data:` except `[DONE]`. */
export function sseJson(text: string): any[] {
  return parseSse(text)
    .filter(e => e.data !== '[DONE]')
    .map(e => JSON.parse(e.data));
}

/** A fetch Response whose JSON is untyped, for terse assertions. */
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export async function fetchAny(url: string, init?: RequestInit): Promise<TestResponse> {
  return fetch(url, init);
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return fetchAny(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
