/*
 * Decides from a request's origin whether it goes to a relay. Runs for every request undici
 * makes, so verdicts are cached per origin string (a Map lookup on the hot path).
 */
export interface RelayHostPattern {
  /** Lower-case host name, without brackets for IPv6. */
  host: string;
  /** Only this port (as a string) when given. */
  port?: string;
  /** Only this scheme (`http:`/`https:`) when given. */
  protocol?: string;
}

export interface RelayServer {
  address: string;
  port: number;
}

const MAX_CACHED_ORIGINS = 1024;

/**
 * The origin and path a request goes to, from undici's `origin` and `path`; through an HTTP proxy
 * the path is the absolute target URL. Undefined when that URL does not parse.
 */
export function requestTarget(
  requestOrigin: unknown,
  requestPath: unknown,
): { origin: string; path: string } | undefined {
  const origin = String(requestOrigin ?? '');
  const path = typeof requestPath === 'string' ? requestPath : '';
  if (!path.startsWith('http://') && !path.startsWith('https://')) return { origin, path };
  try {
    const target = new URL(path);
    return { origin: target.origin, path: target.pathname + target.search };
  } catch {
    return undefined;
  }
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

export class RelayMatcher {
  private readonly _patterns: readonly RelayHostPattern[] | undefined;
  private readonly _cache = new Map<string, RelayServer | null>();

  /** With no patterns every origin is a candidate: the route then decides (the default host selection). */
  constructor(patterns: readonly RelayHostPattern[] | undefined) {
    this._patterns = patterns;
  }

  /** The relay's address and port, or undefined when the origin is not a relay. */
  match(origin: string): RelayServer | undefined {
    let verdict = this._cache.get(origin);
    if (verdict === undefined) {
      verdict = this._classify(origin);
      // Origins are few in practice; the cap only guards against an app that makes up hosts.
      if (this._cache.size >= MAX_CACHED_ORIGINS) this._cache.clear();
      this._cache.set(origin, verdict);
    }
    return verdict ?? undefined;
  }

  private _classify(origin: string): RelayServer | null {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return null;
    }
    const address = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port ? Number(url.port) : defaultPort(url.protocol);
    if (!this._patterns) return { address, port };
    for (const p of this._patterns) {
      const hostMatches = p.host.startsWith('*.') ? address.endsWith(p.host.slice(1)) : p.host === address;
      if (!hostMatches) continue;
      if (p.port !== undefined && p.port !== '' && Number(p.port) !== port) continue;
      if (p.protocol !== undefined && p.protocol !== url.protocol) continue;
      return { address, port };
    }
    return null;
  }
}
