/*
 * Which POSTs are relay calls: one to a relay host (relay-matcher.ts), on a known LLM route
 * (src/wire/routes.ts), made while tracing is not suppressed. The caller checks the method first,
 * so every other request costs it one comparison.
 */
import { context } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { callStart } from '../call/call';
import type { CallStart } from '../call/call';
import { matchRoute } from '../wire/routes';
import { RelayMatcher, requestTarget } from './relay-matcher';
import type { RelayHostPattern } from './relay-matcher';

/** A relay call as its request is created. */
export interface RelayCall {
  readonly start: CallStart;
  /** The caller's active context when it made the request: the parent of the call's span. */
  readonly context: Context;
}

/** The request as undici holds it, as far as the choice reads it (src/hook/undici-channels.ts has the whole). */
export interface RelayCallRequest {
  origin?: unknown;
  path?: unknown;
}

export class RelayCalls {
  readonly #matcher: RelayMatcher;
  readonly #probeKey: symbol;
  readonly #onUnknownRoute: ((host: string, path: string) => void) | undefined;

  /**
   * `relayHosts` undefined: the default host selection (every host is a candidate, the route decides).
   * `probeKey`: the context key that marks the relay probe's own requests (src/probe/probe-context.ts).
   * `onUnknownRoute`: told of a POST to a configured relay host on no known route (only hosts the
   * user named: by default every host is a candidate, and most of their POSTs are no LLM calls).
   */
  constructor(
    relayHosts: readonly RelayHostPattern[] | undefined,
    probeKey: symbol,
    onUnknownRoute: (host: string, path: string) => void,
  ) {
    this.#matcher = new RelayMatcher(relayHosts);
    this.#probeKey = probeKey;
    this.#onUnknownRoute = relayHosts ? onUnknownRoute : undefined;
  }

  /** The relay call this POST makes, or undefined when it is none (the request is then not followed). */
  recognise(request: RelayCallRequest): RelayCall | undefined {
    const target = requestTarget(request.origin, request.path);
    if (!target) return undefined;
    const server = this.#matcher.match(target.origin);
    if (!server) return undefined;
    const route = matchRoute('POST', target.path);
    if (!route) {
      this.#onUnknownRoute?.(server.address, target.path);
      return undefined;
    }
    const activeContext = context.active();
    if (isTracingSuppressed(activeContext)) return undefined;
    return {
      start: callStart(target.origin + target.path, server, route, activeContext.getValue(this.#probeKey)),
      context: activeContext,
    };
  }
}
