/*
 * A POST to a configured relay host whose path is no known LLM route produces no telemetry; a new
 * API or SDK version we do not know would go unnoticed. This names each such route once, by its
 * shape (ids, model names and anything else not word-like replaced by `{id}`), with a bounded set
 * of shapes, so the log can neither flood nor carry a key that was put in a path.
 */
import { sanitizeErrorLabel } from '../wire/errors';

/** Most distinct shapes reported; later new ones are counted in one last line. */
export const MAX_UNKNOWN_ROUTE_SHAPES = 32;
const MAX_SEGMENTS = 8;
/** A word-like path segment: letters first, then letters, `_`, `-`, `.`; no digits (ids, versions of models). */
const WORD = /^[A-Za-z][A-Za-z_.-]{0,31}$/;
/** API versions (`v1`, `v1beta`, `v2alpha`) are part of the route, not ids. */
const VERSION = /^v\d{1,2}(?:(?:alpha|beta)\d{0,2})?$/;

function segmentShape(segment: string): string {
  const colon = segment.lastIndexOf(':');
  if (colon > 0) {
    // Google style `models/<model>:<method>`: the method names the route.
    const method = segment.slice(colon + 1);
    return `${segmentShape(segment.slice(0, colon))}:${WORD.test(method) ? method : '{id}'}`;
  }
  if (VERSION.test(segment)) return segment;
  // The error-label screen also refuses key-shaped words (`sk-…`, `AIza…`) and random letter runs.
  return WORD.test(segment) && sanitizeErrorLabel(segment) !== undefined ? segment : '{id}';
}

/** `/v1/threads/abc123/runs?x=1` → `/v1/threads/{id}/runs` (query, fragment and absolute-URL prefix dropped). */
export function routeShape(path: string): string {
  let bare = path;
  const cut = bare.search(/[?#]/);
  if (cut >= 0) bare = bare.slice(0, cut);
  const scheme = bare.indexOf('://');
  if (scheme >= 0) {
    const slash = bare.indexOf('/', scheme + 3);
    bare = slash < 0 ? '/' : bare.slice(slash);
  }
  const segments = bare.split('/').filter(segment => segment.length > 0);
  const shaped = segments.slice(0, MAX_SEGMENTS).map(segmentShape);
  if (segments.length > MAX_SEGMENTS) shaped.push('…');
  return `/${shaped.join('/')}`;
}

/** Remembers which unknown route shapes were reported; says what to log, once per shape. */
export class UnknownRouteLog {
  private readonly _seen = new Set<string>();
  private _overflowed = false;

  /** The diag line for this request, or undefined when its shape was already reported (or the cap was). */
  note(method: string, host: string, path: string): string | undefined {
    const shape = `${method} ${routeShape(path)}`;
    if (this._seen.has(shape)) return undefined;
    if (this._seen.size >= MAX_UNKNOWN_ROUTE_SHAPES) {
      if (this._overflowed) return undefined;
      this._overflowed = true;
      return `more than ${MAX_UNKNOWN_ROUTE_SHAPES} unknown routes on relay hosts: further ones are not logged`;
    }
    this._seen.add(shape);
    return (
      `${shape} to relay host ${host} is no LLM API route this version knows: it is not observed ` +
      '(if it is an LLM call, please report the route)'
    );
  }
}
