'use strict';
// @opentelemetry/instrumentation-undici alone: one HTTP span per request, the floor for any
// HTTP-level approach (it reads no body).
const { setupTelemetry } = require('./telemetry.cjs');

setupTelemetry('undici', () => {
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
  return [new UndiciInstrumentation()];
});
