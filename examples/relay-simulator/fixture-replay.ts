/*
 * Replays recorded exchanges (test/fixtures/llm-wire) byte for byte: registered per path,
 * served to the next request(s) on that path, optionally compressed and cut into pieces.
 */
import type { ServedFixture, ServeFixtureOptions, WireFixture } from './types.ts';

/** Recorded headers that describe the recording's own framing, not the replay's. */
const FRAMING_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
  'set-cookie',
  'date',
]);

export interface RegisteredFixture {
  fixture: WireFixture;
  options: ServeFixtureOptions;
  method?: string;
  /** Decoded pathname, or `*` for any path. */
  path: string;
  remaining: number;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export class FixtureRegistry {
  private readonly queue: RegisteredFixture[] = [];

  /** Registers a fixture; `origin` is the relay's URL, used to build the URL to call. */
  register(fixture: WireFixture, options: ServeFixtureOptions, origin: string): ServedFixture {
    const recorded = fixture.request?.url ? new URL(fixture.request.url) : undefined;
    const path = options.path ?? recorded?.pathname ?? '*';
    this.queue.push({
      fixture,
      options,
      method: fixture.request?.method?.toUpperCase(),
      path: path === '*' ? '*' : decodePath(path),
      remaining: options.times ?? 1,
    });
    const urlPath = path === '*' ? '/' : path;
    // Keep the recorded query (e.g. Gemini's `?alt=sse`) but never a recorded API key.
    const query =
      options.path === undefined && recorded ? recorded.search.replace(/([?&]key=)[^&]*/i, '$1REDACTED') : '';
    return { url: `${origin}${urlPath}${query}`, path: urlPath };
  }

  /** The first registration matching the request, counted as used. */
  take(method: string, pathname: string): RegisteredFixture | undefined {
    const decoded = decodePath(pathname);
    const index = this.queue.findIndex(
      entry =>
        (entry.path === '*' || entry.path === decoded) &&
        (entry.method === undefined || entry.method === method.toUpperCase()),
    );
    if (index < 0) return undefined;
    const entry = this.queue[index]!;
    entry.remaining--;
    if (entry.remaining <= 0) this.queue.splice(index, 1);
    return entry;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** Recorded headers minus framing ones, with lower-case names. */
export function replayHeaders(fixture: WireFixture): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fixture.response.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!FRAMING_HEADERS.has(lower) && typeof value === 'string') headers[lower] = value;
  }
  return headers;
}

/** JSON bodies as `JSON.stringify` gives them; SSE and other text bodies exactly as recorded. */
export function replayBody(fixture: WireFixture): Buffer {
  const body = fixture.response.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

/** Offsets after each SSE event separator (`\n\n` or `\r\n\r\n`). */
function eventBoundaries(bytes: Buffer): number[] {
  const text = bytes.toString('latin1'); // one char per byte keeps offsets in bytes
  const offsets: number[] = [];
  const separator = /\r\n\r\n|\n\n|\r\r/g;
  for (let match = separator.exec(text); match; match = separator.exec(text))
    offsets.push(match.index + match[0].length);
  return offsets;
}

/** Cuts the body at the requested byte offsets (out-of-range and repeated offsets are ignored). */
export function splitBody(bytes: Buffer, splitAt: ServeFixtureOptions['splitAt']): Buffer[] {
  if (splitAt === undefined) return [bytes];
  let offsets: number[];
  if (splitAt === 'events') offsets = eventBoundaries(bytes);
  else if (Array.isArray(splitAt)) offsets = splitAt;
  else {
    const every = Math.max(1, Math.floor(splitAt.every));
    offsets = [];
    for (let o = every; o < bytes.length; o += every) offsets.push(o);
  }
  const cuts = [...new Set(offsets.filter(o => o > 0 && o < bytes.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}
