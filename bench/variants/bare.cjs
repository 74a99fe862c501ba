'use strict';
// No OpenTelemetry at all: the reference every other variant is compared with.
globalThis.__benchTelemetry = undefined;
