'use strict';
/*
 * The instruction benchmark's split of ours (bench/instructions/): the shared setup plus
 * subscribers to the same undici diagnostics channels as ours, through ours' own subscription code
 * (dist/hook/undici-channels.js, which on Node 22 also taps each request's body callbacks), that
 * follow every request and do nothing with what they see. What Node and undici charge for being
 * observed: ours-channels − sdk-only.
 */
const { setupTelemetry } = require('./telemetry.cjs');

const dist = process.env.BENCH_DIST ?? require('node:path').join(__dirname, '../../dist');
const { subscribeToUndici } = require(`${dist}/hook/undici-channels.js`);

const ignore = () => {};
const observer = {
  onRequestBodyChunk: ignore,
  onRequestBodyEnd: ignore,
  onResponseHeaders: ignore,
  onResponseChunk: ignore,
  onResponseEnd: ignore,
  onError: ignore,
};

setupTelemetry('ours-channels', () => {
  subscribeToUndici({ onRequestCreated: () => observer, onInternalError: ignore });
  return [];
});
