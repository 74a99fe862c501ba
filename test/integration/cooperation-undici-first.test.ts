/*
 * @opentelemetry/instrumentation-undici subscribes to undici's channels before our instrumentation:
 * it injects the traceparent, and our relay span nests under its HTTP span.
 */
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { setupOtel } from '../support/otel-harness';
import { defineCooperationSuite } from '../support/sdk-cooperation-suite';

// Constructed enabled: it subscribes now, before setupOtel() enables ours.
const undiciInstrumentation = new UndiciInstrumentation();
const otel = setupOtel();
undiciInstrumentation.setTracerProvider(otel.tracerProvider);

defineCooperationSuite('undici instrumentation first', otel);
