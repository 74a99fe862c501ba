/*
 * The benchmark's relay: the bundled simulator in a process of its own, so that its CPU is never
 * counted against the client being measured. Prints its URL on the first line of stdout and runs
 * until stdin closes (the orchestrator going away ends it too).
 */
import { startRelaySimulator } from '../examples/relay-simulator/server.ts';

const simulator = await startRelaySimulator({
  // No pacing: the client is what is measured, so it should never wait on a timer.
  firstChunkDelayMs: 0,
  chunkDelayMs: 0,
  // Request bodies are kept for assertions; the bench makes none, so keep one.
  maxRecordedRequests: 1,
  // Node's fetch asks for gzip, deflate and br by default; only the gzip workload (which forces it
  // with x-sim-encoding) should get a compressed body.
  compression: false,
  // Never let a rate-limit window turn a call into an error, however many calls a run makes.
  rateLimits: { requests: 1_000_000_000, tokens: 1_000_000_000_000, enforce: false },
});
process.stdout.write(`${simulator.url}\n`);

const stop = (): void => {
  void simulator.close().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
