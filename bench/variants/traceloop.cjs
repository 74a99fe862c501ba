'use strict';
// OpenLLMetry's @traceloop/instrumentation-openai (patches the openai SDK). Its default records
// prompts and completions on spans; that is turned off here, as it is in every other variant.
const { setupTelemetry } = require('./telemetry.cjs');

setupTelemetry('traceloop', () => {
  const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
  return [new OpenAIInstrumentation({ traceContent: false })];
});
