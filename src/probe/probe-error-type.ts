/*
 * error.type of a failed probe request: the HTTP status, or what the transport said. Pure.
 */
import { transportErrorType } from '../call/error-type';
import { OTHER_ERROR_TYPE, sanitizeErrorLabel } from '../wire/errors';

/** undici's own deadlines count as timeouts, like the probe's. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** error.type of an HTTP answer that is not a success. */
export function statusErrorType(status: number): string {
  return sanitizeErrorLabel(status) ?? OTHER_ERROR_TYPE;
}

/**
 * error.type of an error thrown by `fetch` or while reading the body: `timeout` for a deadline
 * (the probe's own or undici's), else the transport error's code (`ECONNREFUSED`, `ENOTFOUND`,
 * `UND_ERR_SOCKET`, ...), never its message.
 */
export function probeErrorType(error: unknown): string {
  const outer = error as ErrorShape | undefined;
  if (outer?.name === 'TimeoutError') return 'timeout';
  // fetch wraps network failures: TypeError('fetch failed', { cause }).
  let cause = (outer?.cause ?? error) as ErrorShape | undefined;
  if (cause?.name === 'TimeoutError') return 'timeout';
  // Connecting to every address of a host failed (happy eyeballs): the first error says why.
  if (typeof cause?.code !== 'string' && Array.isArray(cause?.errors) && cause.errors.length > 0) {
    cause = cause.errors[0] as ErrorShape;
  }
  if (typeof cause?.code === 'string' && TIMEOUT_CODES.has(cause.code)) return 'timeout';
  return transportErrorType(cause);
}
