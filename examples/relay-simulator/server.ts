/*
 * A local OpenAI-compatible LLM API relay (GPT, Claude, Gemini and DeepSeek behind one gateway)
 * for tests, the demo and the benchmark. Real HTTP on 127.0.0.1, real pauses between streamed
 * chunks, real compression, and faults on demand. Only node: built-ins.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { compressSync, createBodyWriter, negotiateCoding, untilAborted } from './body-writer.ts';
import { garbageBytes, HTML_502_PAGE, type ErrorContext, type ErrorKind } from './errors.ts';
import { FixtureRegistry, replayBody, replayHeaders, splitBody, type RegisteredFixture } from './fixture-replay.ts';
import { versionedModel } from './generation.ts';
import { asRecord, asString, type JsonRecord } from './json-values.ts';
import { readKnobs, type Knobs } from './knobs.ts';
import { DEFAULT_MODELS } from './openai-wire.ts';
import { buildPlan, errorPlan, withBrokenJson, withStreamError, type PlanContext } from './plans.ts';
import {
  anthropicRateLimitHeaders,
  openaiRateLimitHeaders,
  RateLimitLedger,
  type RateLimitSnapshot,
} from './rate-limits.ts';
import { randomHex, randomId } from './randomness.ts';
import type { PlannedResponse } from './response-plan.ts';
import { clientDialectOf, matchRoute, type Route } from './routes.ts';
import { ScenarioState } from './scenario.ts';
import {
  FAULT_NAMES,
  type ContentCoding,
  type Dialect,
  type FaultName,
  type RecordedRequest,
  type RelaySimulator,
  type RelaySimulatorOptions,
  type Scenario,
  type ServedFixture,
  type ServeFixtureOptions,
  type WireFixture,
} from './types.ts';

export type * from './types.ts';
export { FAULT_NAMES } from './types.ts';
export { countTokens, promptText } from './generation.ts';

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
]);
/** Time for bytes already written to reach the client before the socket is cut. */
const CUT_GRACE_MS = 25;

/** Thrown inside a handler when the client went away or the simulator closed. */
class ClientGone extends Error {}

function redactedPath(url: string): string {
  return url.replace(/([?&]key=)[^&]*/gi, '$1REDACTED');
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = SECRET_HEADERS.has(name) ? 'REDACTED' : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The API key a request presents, in whichever header or query its SDK uses. */
function presentedKey(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return (
    bearer ?? header('x-api-key') ?? header('api-key') ?? header('x-goog-api-key') ?? query.get('key') ?? undefined
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new ClientGone();
  }
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  signal: AbortSignal;
  url: URL;
  record: RecordedRequest;
  knobs: Knobs;
  started: number;
  /** Sent as `request-id` (Anthropic) or `x-request-id`, and inside Anthropic error bodies. */
  requestId: string;
}

class RelaySimulatorServer implements RelaySimulator {
  url = '';
  port = 0;
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly options: RelaySimulatorOptions;
  private readonly scenario: ScenarioState;
  private readonly ledger: RateLimitLedger;
  private readonly fixtures = new FixtureRegistry();
  private closing: Promise<void> | undefined;
  spentUsd = 0;

  constructor(options: RelaySimulatorOptions) {
    this.options = options;
    this.scenario = new ScenarioState(options.scenario);
    this.ledger = new RateLimitLedger(options.rateLimits);
    this.spentUsd = options.billing === false ? 0 : (options.billing?.spentUsd ?? 0);
    this.server = createServer({ noDelay: true }, (req, res) => {
      void this.handle(req, res);
    });
    if (options.keepAliveTimeoutMs !== undefined) this.server.keepAliveTimeout = options.keepAliveTimeoutMs;
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  setScenario(scenario: Scenario): void {
    this.scenario.set(scenario);
  }

  reset(): void {
    this.scenario.set({});
    this.requests.length = 0;
    this.ledger.reset();
    this.fixtures.clear();
    this.spentUsd = this.options.billing === false ? 0 : (this.options.billing?.spentUsd ?? 0);
  }

  serveFixture(fixture: WireFixture, options: ServeFixtureOptions = {}): ServedFixture {
    return this.fixtures.register(fixture, options, this.url);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>(resolve => {
      this.server.close(() => resolve());
      // Keep-alive, streaming and hanging connections alike: nothing may keep a test waiting.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new ClientGone());
    });
    req.on('error', () => controller.abort(new ClientGone()));
    try {
      await this.respond(req, res, controller.signal);
    } catch (error) {
      if (controller.signal.aborted || error instanceof ClientGone) return;
      // A simulator bug: answer 500 rather than leave the caller hanging.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              message: `relay simulator error: ${String(error)}`,
              type: 'server_error',
              param: null,
              code: null,
            },
          }),
        );
      } else {
        res.destroy();
      }
    }
  }

  private remember(record: RecordedRequest): void {
    this.requests.push(record);
    const cap = Math.max(1, this.options.maxRecordedRequests ?? 500);
    if (this.requests.length > cap) this.requests.splice(0, this.requests.length - cap);
  }

  private async respond(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const body = await untilAborted(readBody(req), signal).catch(() => {
      throw new ClientGone();
    });
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const record: RecordedRequest = {
      method,
      path: redactedPath(req.url ?? '/'),
      headers: recordHeaders(req),
      body: body === 'too-large' ? '' : body.toString('utf8'),
      receivedAt: Date.now(),
    };
    this.remember(record);
    const exchange: Exchange = {
      req,
      res,
      signal,
      url,
      record,
      knobs: readKnobs(req.headers, url.searchParams),
      started,
      requestId: '',
    };
    try {
      await this.dispatch(exchange, body);
    } finally {
      this.options.onRequest?.(record);
    }
  }

  private async dispatch(ex: Exchange, body: Buffer | 'too-large'): Promise<void> {
    const { req, url, knobs } = ex;
    const method = req.method ?? 'GET';

    const fixture = this.fixtures.take(method, url.pathname);
    if (fixture) return this.replay(ex, fixture);

    const clientDialect = clientDialectOf(req.headers, url.searchParams);
    const route = matchRoute(method, url.pathname, clientDialect);
    const dialect: Dialect =
      route?.dialect ?? clientDialect ?? (url.pathname.includes('/v1beta/') ? 'gemini' : 'openai');
    ex.requestId = dialect === 'anthropic' ? `req_011C${randomId(20)}` : `req_${randomHex(32)}`;
    const errors: ErrorContext = {
      method,
      path: url.pathname,
      requestId: ex.requestId,
      retryAfterSeconds: knobs.retryAfterSeconds ?? this.options.retryAfterSeconds ?? 1,
    };

    if (body === 'too-large') return this.send(ex, errorPlan(dialect, 'too_large', errors), dialect);
    let json: JsonRecord = {};
    if (method === 'POST' && body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return this.send(ex, errorPlan(dialect, 'invalid_json', errors, { route: route?.name }), dialect);
      }
      json = asRecord(parsed) ?? {};
    }
    const model = asString(json['model']) ?? route?.urlModel;
    errors.model = model;

    if (this.options.requireKey !== undefined && presentedKey(req, url.searchParams) !== this.options.requireKey) {
      return this.send(ex, errorPlan(dialect, 'unauthorized', errors, { route: route?.name }), dialect);
    }

    if (knobs.fault !== undefined && typeof knobs.fault !== 'string') {
      const message = `Unknown relay-simulator fault "${knobs.fault.unknown}". Known: ${FAULT_NAMES.join(', ')}.`;
      return this.send(ex, errorPlan(dialect, 'bad_request', errors, { route: route?.name }, message), dialect);
    }
    const isModelCall = route !== undefined && method === 'POST' && model !== undefined;
    const fault: FaultName | undefined =
      knobs.fault ??
      this.scenario.faultForPath(url.pathname) ??
      (isModelCall ? this.scenario.faultFor(model) : undefined);
    const latency =
      knobs.latencyMs ??
      (model === undefined ? undefined : this.scenario.latencyFor(model)) ??
      this.options.latencyMs ??
      0;
    ex.record.response = { status: 0, dialect, ...(route ? { route: route.name } : {}), ...(fault ? { fault } : {}) };
    await sleep(latency, ex.signal);

    const early = await this.connectionFault(ex, fault, route, dialect, isModelCall ? model : undefined);
    if (early) return;
    if (fault === 'slow') await sleep(knobs.slowMs ?? this.options.slowMs ?? 1000, ex.signal);
    const errorKind = statusFaultKind(fault);
    if (errorKind)
      return this.send(ex, errorPlan(dialect, errorKind, errors, { route: route?.name, fault }), dialect, model);

    if (!route) return this.send(ex, errorPlan(dialect, 'route_not_found', errors), dialect);
    if (model === undefined && route.name !== 'models.list' && !route.name.startsWith('billing.')) {
      const message = 'you must provide a model parameter';
      return this.send(ex, errorPlan(dialect, 'bad_request', errors, { route: route.name }, message), dialect);
    }
    const requestModel = model ?? '';
    if (isModelCall && this.ledger.enforce && this.ledger.exhausted(requestModel)) {
      return this.send(ex, errorPlan(dialect, 'rate_limited', errors, { route: route.name }), dialect, requestModel);
    }

    const context: PlanContext = {
      route,
      body: json,
      model: requestModel,
      settings: {
        responseModel:
          knobs.model ??
          this.scenario.substituteFor(requestModel) ??
          this.options.substitute?.[requestModel] ??
          versionedModel(requestModel, this.options.modelVersions),
        outputTokens: knobs.outputTokens ?? this.options.outputTokens ?? 16,
        reasoningTokens: this.options.reasoningTokens ?? 8,
        cachedTokens: knobs.cachedTokens ?? 0,
        cacheWriteTokens: knobs.cacheWriteTokens ?? 0,
      },
      sse: url.searchParams.get('alt') === 'sse',
      models: this.options.models ?? DEFAULT_MODELS,
      embeddingDimensions: this.options.embeddingDimensions ?? 1536,
      forceStream: fault === 'stream-error-event',
      errors,
      ...(this.options.billing === false
        ? {}
        : { billing: { limitUsd: this.options.billing?.limitUsd ?? 100, spentUsd: this.spentUsd } }),
    };
    let plan = buildPlan(context);
    if (fault === 'stream-error-event') plan = withStreamError(plan, dialect, route.name);
    if (fault === 'invalid-json') plan = withBrokenJson(plan);
    if (fault) plan.report.fault = fault;
    return this.send(ex, plan, dialect, isModelCall ? model : undefined, fault === 'truncate');
  }

  /** Faults that act on the connection rather than on the body. True when the exchange is done. */
  private async connectionFault(
    ex: Exchange,
    fault: FaultName | undefined,
    route: Route | undefined,
    dialect: Dialect,
    model: string | undefined,
  ): Promise<boolean> {
    const { res, signal } = ex;
    // What the API itself would send; the HTML page comes from a proxy in front and has none of it.
    const apiHeaders = (): Record<string, string> => ({
      ...this.dialectHeaders(ex, dialect, 200),
      ...this.rateLimitHeaders(dialect, 200, model),
    });
    const report = (status: number): void => {
      ex.record.response = { ...ex.record.response, status, ...(fault ? { fault } : {}) };
    };
    switch (fault) {
      case 'hang':
        report(0);
        // Never answers; only the client giving up or close() ends it.
        await untilAborted(new Promise<never>(() => undefined), signal).catch(() => undefined);
        throw new ClientGone();
      case 'reset': {
        report(200);
        const stream =
          asRecord(safeJson(ex.record.body))?.['stream'] === true || route?.name === 'streamGenerateContent';
        res.writeHead(200, {
          ...apiHeaders(),
          'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json',
        });
        res.flushHeaders();
        await sleep(CUT_GRACE_MS, signal);
        res.socket?.resetAndDestroy();
        return true;
      }
      case 'html-502': {
        report(502);
        const page = Buffer.from(HTML_502_PAGE, 'utf8');
        res.writeHead(502, { 'content-type': 'text/html', 'content-length': page.length, server: 'cloudflare' });
        res.end(page);
        return true;
      }
      case 'empty-200':
        report(200);
        res.writeHead(200, { ...apiHeaders(), 'content-type': 'application/json', 'content-length': 0 });
        res.end();
        return true;
      case 'garbage': {
        report(200);
        const bytes = garbageBytes();
        // A forced encoding labels the garbage as compressed: a corrupt-stream test for decoders.
        const headers: Record<string, string | number> = {
          ...apiHeaders(),
          'content-type': 'application/json',
          'content-length': bytes.length,
        };
        if (ex.knobs.encoding && ex.knobs.encoding !== 'identity') headers['content-encoding'] = ex.knobs.encoding;
        res.writeHead(200, headers);
        res.end(bytes);
        return true;
      }
      default:
        return false;
    }
  }

  private coding(ex: Exchange): ContentCoding {
    if (ex.knobs.encoding) return ex.knobs.encoding;
    if (this.options.compression === false) return 'identity';
    const accept = ex.req.headers['accept-encoding'];
    return negotiateCoding(Array.isArray(accept) ? accept.join(',') : accept);
  }

  /**
   * Rate-limit headers of one response. A successful model call counts against its model's
   * window; other responses only report it, and a 429 reports no request left.
   */
  private rateLimitHeaders(
    dialect: Dialect,
    status: number,
    model: string | undefined,
    usage?: { input: number; output: number },
  ): Record<string, string> {
    const key = model ?? '*';
    let snapshot: RateLimitSnapshot =
      usage && model !== undefined ? this.ledger.consume(key, usage.input, usage.output) : this.ledger.peek(key);
    if (status === 429) snapshot = { ...snapshot, requestsRemaining: 0 };
    return dialect === 'anthropic' ? anthropicRateLimitHeaders(snapshot) : openaiRateLimitHeaders(snapshot, Date.now());
  }

  private dialectHeaders(ex: Exchange, dialect: Dialect, status: number): Record<string, string> {
    const retryAfter = ex.knobs.retryAfterSeconds ?? this.options.retryAfterSeconds ?? 1;
    const headers: Record<string, string> = {};
    headers[dialect === 'anthropic' ? 'request-id' : 'x-request-id'] = ex.requestId;
    if (dialect === 'openai') {
      headers['openai-processing-ms'] = String(Math.round(performance.now() - ex.started));
      headers['openai-version'] = '2020-10-01';
    }
    if (status === 429 || status === 503 || status === 529) {
      headers['retry-after'] = String(retryAfter);
      if (dialect === 'openai') headers['retry-after-ms'] = String(retryAfter * 1000);
    }
    return headers;
  }

  /** Writes a planned response: headers (rate limits, encoding), then the body, paced when streamed. */
  private async send(
    ex: Exchange,
    plan: PlannedResponse,
    dialect: Dialect,
    model?: string,
    truncate = false,
  ): Promise<void> {
    const { res, signal } = ex;
    const coding = this.coding(ex);
    const headers: Record<string, string | number> = {
      ...this.dialectHeaders(ex, dialect, plan.status),
      ...this.rateLimitHeaders(
        dialect,
        plan.status,
        model,
        plan.status === 200
          ? { input: plan.report.inputTokens ?? 0, output: plan.report.outputTokens ?? 0 }
          : undefined,
      ),
      ...plan.headers,
    };
    if (coding !== 'identity') headers['content-encoding'] = coding;
    ex.record.response = { ...ex.record.response, ...plan.report, status: plan.status, contentEncoding: coding };
    if (plan.status === 200 && model !== undefined)
      this.charge(plan.report.inputTokens ?? 0, plan.report.outputTokens ?? 0);

    const body = plan.body;
    if (body.kind !== 'stream') {
      const raw =
        body.kind === 'json'
          ? Buffer.from(JSON.stringify(body.value), 'utf8')
          : body.kind === 'raw'
            ? body.bytes
            : Buffer.alloc(0);
      const bytes = compressSync(raw, coding);
      headers['content-length'] = bytes.length;
      res.writeHead(plan.status, headers);
      if (!truncate) {
        res.end(bytes);
        return;
      }
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      await sleep(CUT_GRACE_MS, signal);
      res.socket?.destroy();
      return;
    }

    headers['cache-control'] = 'no-cache';
    res.writeHead(plan.status, headers);
    res.flushHeaders();
    const writer = createBodyWriter(res, coding, signal);
    const firstChunkDelay = ex.knobs.firstChunkDelayMs ?? this.options.firstChunkDelayMs ?? 20;
    const chunkDelay = ex.knobs.chunkDelayMs ?? this.options.chunkDelayMs ?? 5;
    const outputs = body.frames.filter(f => f.kind === 'output').length;
    const cutAt = truncate ? Math.floor(outputs / 2) : -1;
    const gate = this.options.streamGate?.();
    let written = 0;
    for (const frame of body.frames) {
      if (frame.kind === 'output') {
        await sleep(written === 0 ? firstChunkDelay : chunkDelay, signal);
        if (written === cutAt) {
          // Cut inside an event: half of its bytes, then the connection goes away.
          await writer.write(frame.text.slice(0, Math.floor(frame.text.length / 2)));
          await sleep(CUT_GRACE_MS, signal);
          res.socket?.destroy();
          return;
        }
        written++;
      }
      await gate?.beforeFrame(frame.text);
      await writer.write(frame.text);
    }
    await gate?.beforeEnd();
    await writer.end();
  }

  /** An answered model call spends from the billing routes' balance, at a flat price per token. */
  private charge(inputTokens: number, outputTokens: number): void {
    if (this.options.billing === false) return;
    this.spentUsd += ((inputTokens + outputTokens) / 1e6) * (this.options.billing?.usdPerMillionTokens ?? 10);
  }

  /** Serves a registered fixture: recorded status, headers and body bytes. */
  private async replay(ex: Exchange, entry: RegisteredFixture): Promise<void> {
    const { res, signal } = ex;
    const { fixture, options } = entry;
    const coding = options.encoding ?? 'identity';
    const headers: Record<string, string | number> = replayHeaders(fixture);
    if (coding !== 'identity') headers['content-encoding'] = coding;
    const bytes = replayBody(fixture);
    ex.record.response = { status: fixture.response.status, fixture: true, contentEncoding: coding };
    if (options.splitAt === undefined) {
      const sent = compressSync(bytes, coding);
      headers['content-length'] = sent.length;
      res.writeHead(fixture.response.status, headers);
      res.end(sent);
      return;
    }
    res.writeHead(fixture.response.status, headers);
    res.flushHeaders();
    const writer = createBodyWriter(res, coding, signal);
    const pieces = splitBody(bytes, options.splitAt);
    for (const [index, piece] of pieces.entries()) {
      if (index > 0) await sleep(options.delayMs ?? 5, signal);
      await writer.write(piece);
    }
    await writer.end();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const STATUS_FAULTS: Partial<Record<FaultName, ErrorKind>> = {
  '400': 'bad_request',
  '401': 'unauthorized',
  '429': 'rate_limited',
  '500': 'server_error',
  '503': 'unavailable',
  '529': 'overloaded',
};

function statusFaultKind(fault: FaultName | undefined): ErrorKind | undefined {
  return fault === undefined ? undefined : STATUS_FAULTS[fault];
}

/**
 * Starts a simulated relay on 127.0.0.1 (an ephemeral port unless `port` is given).
 * Resolves once it listens; `close()` stops it and ends every connection.
 */
export async function startRelaySimulator(options: RelaySimulatorOptions = {}): Promise<RelaySimulator> {
  const simulator = new RelaySimulatorServer(options);
  await simulator.listen();
  return simulator;
}
