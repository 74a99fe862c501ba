/*
 * The call model: what the hook knows of a relay call when it starts and when it ends, and what
 * the call amounted to (its outcome), which telemetry turns into span attributes and metrics.
 * Below both the hook and telemetry, so that neither needs the other.
 */
import { redactUrl } from '../http/headers';
import type { CallCost } from '../pricing/cost';
import { providerName } from '../wire/provider';
import type { RequestInfo, ResponseInfo, RouteMatch } from '../wire/types';

/** What is known about a call when its request line is seen. */
export interface CallStart {
  method: string;
  /** Redacted URL. */
  url: string;
  route: RouteMatch;
  provider: string;
  serverAddress: string;
  serverPort: number;
  /** Set when the relay probe made this call. */
  probe?: string;
}

/** The start of a POST to `url` (redacted here) on a relay's `route`; `probe`: the probe kind marking the context, if any. */
export function callStart(
  url: string,
  server: { address: string; port: number },
  route: RouteMatch,
  probe: unknown,
): CallStart {
  return {
    method: 'POST',
    url: redactUrl(url),
    route,
    provider: providerName(server.address, route.format),
    serverAddress: server.address,
    serverPort: server.port,
    probe: typeof probe === 'string' ? probe : undefined,
  };
}

/** What the body reader found wrong with the response body itself. */
export type BodyProblem = 'invalid_response' | 'empty_response' | 'incomplete_response' | 'decode_error';

/** A call as the hook hands it over at its end. */
export interface FinishedCall {
  start: CallStart;
  request: RequestInfo;
  response?: ResponseInfo;
  statusCode?: number;
  headers: ReadonlyMap<string, string>;
  /** Transport failure (reset, abort, timeout), if any. */
  transportError?: string;
  /** What was wrong with the body itself (unparseable, empty, cut), if anything. */
  bodyProblem?: BodyProblem;
  startedAt: number;
  endedAt: number;
  firstChunkAt?: number;
  /** Seconds between consecutive output chunks not yet handed over through `onChunkGaps`. */
  chunkGaps?: Float64Array;
}

/** What one finished call amounted to. */
export interface CallOutcome extends CallStart {
  request: RequestInfo;
  response?: ResponseInfo;
  statusCode?: number;
  /** Low-cardinality failure class, or undefined for a successful call. */
  errorType?: string;
  /** The vendor's error class from the body, when there was one. */
  vendorErrorType?: string;
  retryAfterHeader?: string;
  /** Seconds from request start to the first output chunk (streaming calls only). */
  timeToFirstChunk?: number;
  cost?: CallCost;
  /** The model has no price (and the relay reported none). */
  unpriced: boolean;
  substituted: boolean;
  /** The SDK's retry count of this attempt (`x-stainless-retry-count`), when > 0. */
  resendCount?: number;
}
