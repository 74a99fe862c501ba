/*
 * A call's `error.type`: one low-cardinality class, never a message.
 */
import { OTHER_ERROR_TYPE, sanitizeErrorLabel } from '../wire/errors';
import type { FinishedCall } from './call';

/**
 * error.type of a finished call, the first that applies: the transport error (the call never got
 * its whole answer), the HTTP status when 400 or above, the vendor's error class from the body
 * (`vendorErrorType`, already a bounded label), what was wrong with the body; undefined: a success.
 */
export function callErrorType(finished: FinishedCall, vendorErrorType: string | undefined): string | undefined {
  const status = finished.statusCode;
  return (
    finished.transportError ??
    (status !== undefined && status >= 400 ? String(status) : undefined) ??
    vendorErrorType ??
    finished.bodyProblem
  );
}

/**
 * error.type for a transport failure: the error's code or name (`UND_ERR_SOCKET`, `ECONNREFUSED`,
 * `AbortError`), never its message; `_OTHER` when that is not code-shaped (see sanitizeErrorLabel).
 */
export function transportErrorType(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | undefined;
  const raw =
    (typeof e?.code === 'string' && e.code) ||
    (typeof e?.name === 'string' && e.name !== 'Error' && e.name) ||
    (error instanceof Error ? error.constructor.name : '');
  return sanitizeErrorLabel(raw) ?? OTHER_ERROR_TYPE;
}
