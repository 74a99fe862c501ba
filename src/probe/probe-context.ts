/*
 * The context key that marks the relay probe's own requests. It lives in its own module so that
 * the instrumentation (which reads it) and the probe (which sets it) can both import it without
 * importing each other.
 */
import { createContextKey } from '@opentelemetry/api';

/** Context key the relay probe sets around its own requests (value: the probe kind), so their spans and metrics say so. */
export const PROBE_CONTEXT_KEY = createContextKey('otel-llm-relay probe kind');
