// Kept equal to package.json's version by test/unit/version.test.ts.
export const PACKAGE_NAME = 'otel-llm-relay';
export const PACKAGE_VERSION = '0.1.0';
