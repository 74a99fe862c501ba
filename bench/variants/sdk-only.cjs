'use strict';
// The shared OpenTelemetry setup (telemetry.cjs) with no instrumentation: what the SDK alone costs
// the app (chiefly the AsyncLocalStorage context manager), the floor under every instrumented variant.
const { setupTelemetry } = require('./telemetry.cjs');

setupTelemetry('sdk-only', () => []);
