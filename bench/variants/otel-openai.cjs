'use strict';
// @opentelemetry/instrumentation-openai (patches the openai SDK), defaults: message content off.
const { setupTelemetry } = require('./telemetry.cjs');

setupTelemetry('otel-openai', () => {
  const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
  return [new OpenAIInstrumentation()];
});
