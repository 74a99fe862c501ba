/*
 * What the instrumentation says of itself in the diag log, each kind bounded so that no traffic can
 * flood the log: a route it does not know on a relay host (once per shape, unknown-routes.ts), a
 * traceparent it cannot inject (once), and its own internal errors (the first few).
 */
import type { DiagLogger } from '@opentelemetry/api';
import { UnknownRouteLog } from './unknown-routes';

/** At most this many internal errors are written to the diag log; then one line says the rest are muted. */
export const MAX_LOGGED_INTERNAL_ERRORS = 10;

export class DiagNotes {
  readonly #diag: DiagLogger;
  readonly #unknownRoutes = new UnknownRouteLog();
  #notPropagatedSaid = false;
  #internalErrors = 0;

  constructor(diag: DiagLogger) {
    this.#diag = diag;
  }

  /** A POST to a configured relay host on no known route: one line per route shape. */
  unknownRoute(host: string, path: string): void {
    const line = this.#unknownRoutes.note('POST', host, path);
    if (line !== undefined) this.#diag.warn(line);
  }

  /** An undici copy too unlike the known ones to inject a traceparent after other subscribers: said once. */
  notPropagated(): void {
    if (this.#notPropagatedSaid) return;
    this.#notPropagatedSaid = true;
    this.#diag.warn(
      'propagateContext: this undici version offers no point to inject a traceparent after other ' +
        'undici:client:sendHeaders subscribers (e.g. NODE_DEBUG=undici); relay calls carry none unless another instrumentation injects it',
    );
  }

  /** Our own code failed while observing a call (the call itself never sees it). */
  internalError(error: unknown): void {
    this.#internalErrors++;
    if (this.#internalErrors > MAX_LOGGED_INTERNAL_ERRORS) return;
    this.#diag.error('internal error while observing a relay call (the call itself is unaffected):', error);
    if (this.#internalErrors === MAX_LOGGED_INTERNAL_ERRORS) {
      this.#diag.error(`further internal errors are not logged (${MAX_LOGGED_INTERNAL_ERRORS} so far)`);
    }
  }
}
