/*
 * The benchmark's relay: the bundled simulator in a process of its own, so that its CPU is never
 * counted against the client being measured. Prints its URL on the first line of stdout and runs
 * until stdin closes (the orchestrator going away ends it too).
 *
 * With `--ack` (the instruction benchmark, bench/instructions/), streams are written one event at a
 * time: the second line of stdout is `ack <port>`, a TCP port the client connects to and writes one
 * byte to for each event its SDK hands it; the relay writes an event only once the event before it
 * was acknowledged, so each event arrives in a read of its own however slow the client is (under
 * valgrind it is ~50× slower, and unpaced events would coalesce into reads by timing). Events the
 * SDKs never hand to the app (`data: [DONE]`, Anthropic's `ping`) are not waited for. A missing
 * acknowledgement is waited for at most ACK_TIMEOUT_MS; then the relay writes on and prints
 * `ack-timeout` on stdout, which fails the measurement.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startRelaySimulator } from '../examples/relay-simulator/server.ts';
import type { StreamGate } from '../examples/relay-simulator/server.ts';

const ACK_TIMEOUT_MS = 120_000;

/** Acknowledgements received and not yet matched to an event, and the event waiting for one. */
let acksBanked = 0;
let waiting: (() => void) | undefined;

function nextAck(): Promise<void> {
  if (acksBanked > 0) {
    acksBanked--;
    return Promise.resolve();
  }
  return new Promise(resolveAck => {
    const timer = setTimeout(() => {
      waiting = undefined;
      process.stdout.write('ack-timeout\n');
      resolveAck();
    }, ACK_TIMEOUT_MS);
    waiting = () => {
      clearTimeout(timer);
      waiting = undefined;
      resolveAck();
    };
  });
}

function onAckBytes(count: number): void {
  acksBanked += count;
  if (waiting && acksBanked > 0) {
    acksBanked--;
    waiting();
  }
}

/** Whether the client's SDK hands this SSE event to the app (and so acknowledges it). */
function handedToApp(frame: string): boolean {
  return !frame.startsWith('data: [DONE]') && !frame.startsWith('event: ping');
}

/** Per stream: wait for the acknowledgement of the last event handed to the app before writing on. */
function ackGate(): StreamGate {
  let owed = false;
  return {
    async beforeFrame(text) {
      if (owed) await nextAck();
      owed = handedToApp(text);
    },
    async beforeEnd() {
      if (owed) await nextAck();
      owed = false;
    },
  };
}

const withAck = process.argv.includes('--ack');

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
  // Under valgrind a client can take longer than Node's default 5 s between two calls on a
  // connection; a close racing the next request would fail it (or cost a retry).
  ...(withAck ? { streamGate: ackGate, keepAliveTimeoutMs: 600_000 } : {}),
});
process.stdout.write(`${simulator.url}\n`);

if (withAck) {
  const ackServer = createServer(socket => {
    socket.on('data', (bytes: Buffer) => onAckBytes(bytes.length));
    socket.on('error', () => socket.destroy());
    // A client that went away (or finished) owes nothing more: start the next one from zero.
    socket.on('close', () => {
      acksBanked = 0;
    });
  });
  await new Promise<void>(resolveListen => ackServer.listen(0, '127.0.0.1', resolveListen));
  process.stdout.write(`ack ${(ackServer.address() as AddressInfo).port}\n`);
}

const stop = (): void => {
  void simulator.close().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
