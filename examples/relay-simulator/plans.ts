/*
 * Decides the response to a parsed request: the normal answer of each route, error answers,
 * and the body-level faults (in-band stream error, broken JSON) applied to a normal answer.
 */
import { planAnswer, type AnswerInputs, type AnswerSettings } from './answer.ts';
import { messagesInputs, renderAnthropicModelList, renderMessages, ANTHROPIC_JSON } from './anthropic-wire.ts';
import { errorBody, ERROR_STATUS, streamErrorPayload, type ErrorContext, type ErrorKind } from './errors.ts';
import {
  generateContentInputs,
  renderEmbedContent,
  renderGeminiModelList,
  renderGenerateContent,
  GEMINI_JSON,
} from './gemini-wire.ts';
import { countTokens, promptText } from './generation.ts';
import { asRecord, type JsonRecord } from './json-values.ts';
import {
  chatInputs,
  completionsInputs,
  modelObject,
  renderChat,
  renderCompletions,
  renderEmbeddings,
  renderModelList,
  renderResponses,
  responsesInputs,
  streamFlags,
  OPENAI_JSON,
  type RenderedAnswer,
} from './openai-wire.ts';
import { sseFrame, type PlannedResponse, type StreamFrame } from './response-plan.ts';
import type { Route } from './routes.ts';
import type { Dialect, ReportedResponse } from './types.ts';

export const JSON_CONTENT_TYPE: Record<Dialect, string> = {
  openai: OPENAI_JSON,
  anthropic: ANTHROPIC_JSON,
  gemini: GEMINI_JSON,
};

export interface PlanContext {
  route: Route;
  body: JsonRecord;
  /** Requested model (body `model`, else the URL's). */
  model: string;
  settings: AnswerSettings;
  /** Gemini `?alt=sse`. */
  sse: boolean;
  models: string[];
  embeddingDimensions: number;
  /** Answer as a stream even if the request did not ask (the `stream-error-event` fault). */
  forceStream?: boolean;
  errors: ErrorContext;
  /** The billing routes' state; undefined when they are off. */
  billing?: { limitUsd: number; spentUsd: number };
}

export function errorPlan(
  dialect: Dialect,
  kind: ErrorKind,
  ctx: ErrorContext,
  report: Partial<ReportedResponse> = {},
  message?: string,
): PlannedResponse {
  const value = errorBody(dialect, kind, ctx);
  if (message !== undefined) {
    const error = asRecord(value['error']);
    if (error) error['message'] = message;
  }
  const status = ERROR_STATUS[kind];
  return {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE[dialect] },
    body: { kind: 'json', value },
    report: { ...report, status, dialect },
  };
}

function answerPlan(
  ctx: PlanContext,
  inputs: AnswerInputs,
  render: (answer: ReturnType<typeof planAnswer>) => RenderedAnswer,
  stream: boolean,
): PlannedResponse {
  const answer = planAnswer(inputs, ctx.settings);
  const rendered = render(answer);
  return {
    status: 200,
    headers: { 'content-type': rendered.contentType },
    body: rendered.body,
    report: {
      status: 200,
      dialect: ctx.route.dialect,
      route: ctx.route.name,
      stream,
      requestModel: answer.requestModel,
      responseModel: answer.responseModel,
      inputTokens: answer.inputTokens,
      cachedInputTokens: answer.cachedInputTokens,
      cacheWriteInputTokens: answer.cacheWriteInputTokens,
      outputTokens: answer.outputTokens,
      reasoningTokens: answer.reasoningTokens,
      finishReason: answer.finishReason,
      ...(rendered.responseId === undefined ? {} : { responseId: rendered.responseId }),
    },
  };
}

function jsonPlan(ctx: PlanContext, value: unknown, report: Partial<ReportedResponse> = {}): PlannedResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_CONTENT_TYPE[ctx.route.dialect] },
    body: { kind: 'json', value },
    report: { status: 200, dialect: ctx.route.dialect, route: ctx.route.name, stream: false, ...report },
  };
}

function modelListPlan(ctx: PlanContext): PlannedResponse {
  switch (ctx.route.dialect) {
    case 'anthropic':
      return jsonPlan(ctx, renderAnthropicModelList(ctx.models));
    case 'gemini':
      return jsonPlan(ctx, renderGeminiModelList(ctx.models));
    case 'openai':
      return jsonPlan(ctx, renderModelList(ctx.models));
  }
}

function modelGetPlan(ctx: PlanContext): PlannedResponse {
  const id = ctx.model.replace(/^models\//, '');
  if (!ctx.models.includes(id)) {
    return errorPlan(ctx.route.dialect, 'model_not_found', { ...ctx.errors, model: id }, { route: ctx.route.name });
  }
  if (ctx.route.dialect === 'gemini') return jsonPlan(ctx, renderGeminiModelList([id])['models']);
  if (ctx.route.dialect === 'anthropic') return jsonPlan(ctx, (renderAnthropicModelList([id])['data'] as unknown[])[0]);
  return jsonPlan(ctx, modelObject(id));
}

/** What one-api / new-api answer (controller/billing.go): the whole quota as every limit, and what was spent in US cents. */
function billingPlan(ctx: PlanContext): PlannedResponse {
  const { billing } = ctx;
  if (!billing) return errorPlan('openai', 'route_not_found', ctx.errors);
  if (ctx.route.name === 'billing.usage') return jsonPlan(ctx, { object: 'list', total_usage: billing.spentUsd * 100 });
  return jsonPlan(ctx, {
    object: 'billing_subscription',
    has_payment_method: true,
    soft_limit_usd: billing.limitUsd,
    hard_limit_usd: billing.limitUsd,
    system_hard_limit_usd: billing.limitUsd,
    access_until: 0,
  });
}

/** The normal (fault-free) answer to a request. */
export function buildPlan(ctx: PlanContext): PlannedResponse {
  const { body, model } = ctx;
  const flags = streamFlags(body);
  if (ctx.forceStream) flags.stream = true;
  switch (ctx.route.name) {
    case 'chat.completions':
      return answerPlan(ctx, chatInputs(body, model), a => renderChat(a, flags), flags.stream);
    case 'completions':
      return answerPlan(ctx, completionsInputs(body, model), a => renderCompletions(a, flags), flags.stream);
    case 'responses':
      return answerPlan(ctx, responsesInputs(body, model), a => renderResponses(a, body, flags), flags.stream);
    case 'messages':
      return answerPlan(ctx, messagesInputs(body, model), a => renderMessages(a, flags), flags.stream);
    case 'generateContent':
    case 'streamGenerateContent': {
      const stream = ctx.forceStream === true || ctx.route.name === 'streamGenerateContent';
      // A forced stream (stream-error-event) is always SSE: the in-band error is an SSE event.
      const sse = ctx.sse || ctx.forceStream === true;
      return answerPlan(
        ctx,
        generateContentInputs(body, model),
        a => renderGenerateContent(a, { stream, sse }),
        stream,
      );
    }
    case 'embeddings': {
      const result = renderEmbeddings(body, model, ctx.settings.responseModel, ctx.embeddingDimensions);
      return jsonPlan(ctx, result.body, {
        requestModel: model,
        responseModel: ctx.settings.responseModel,
        inputTokens: result.inputTokens,
      });
    }
    case 'embedContent':
    case 'batchEmbedContents': {
      const result = renderEmbedContent(body, model, ctx.route.name === 'batchEmbedContents', ctx.embeddingDimensions);
      return jsonPlan(ctx, result.value, { requestModel: model, inputTokens: result.inputTokens });
    }
    case 'messages.count_tokens':
      return jsonPlan(ctx, { input_tokens: countTokens(promptText('messages', body)) }, { requestModel: model });
    case 'countTokens': {
      const total = countTokens(promptText('countTokens', body));
      return jsonPlan(
        ctx,
        { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] },
        { requestModel: model },
      );
    }
    case 'models.list':
      return modelListPlan(ctx);
    case 'models.get':
      return modelGetPlan(ctx);
    case 'billing.subscription':
    case 'billing.usage':
      return billingPlan(ctx);
  }
}

/** Data of an SSE frame parsed back (for rewriting a Responses `response.created`). */
function frameData(frame: StreamFrame | undefined): JsonRecord | undefined {
  const line = frame?.text.split(/\r?\n/).find(l => l.startsWith('data: '));
  if (!line) return undefined;
  try {
    return asRecord(JSON.parse(line.slice(6)));
  } catch {
    return undefined;
  }
}

/**
 * `stream-error-event`: the stream stops after half of its output and ends with the dialect's
 * in-band error event (Responses: `error` then `response.failed`), with no usage and no [DONE].
 */
export function withStreamError(plan: PlannedResponse, dialect: Dialect, routeName: string): PlannedResponse {
  if (plan.body.kind !== 'stream') return plan;
  const frames = plan.body.frames;
  const outputs = frames.filter(f => f.kind === 'output').length;
  const kept: StreamFrame[] = [];
  let seenOutputs = 0;
  for (const frame of frames) {
    if (frame.kind === 'tail') break;
    if (frame.kind === 'output' && seenOutputs >= Math.ceil(outputs / 2)) break;
    if (frame.kind === 'output') seenOutputs++;
    kept.push(frame);
  }
  const separator = dialect === 'gemini' ? '\r\n\r\n' : '\n\n';
  if (routeName === 'responses') {
    const created = frameData(frames[0]);
    const sequence = kept.length;
    const error = {
      type: 'server_error',
      code: 'server_error',
      message: 'The model stopped responding mid-stream.',
      param: null,
    };
    kept.push({
      kind: 'tail',
      text: sseFrame(JSON.stringify({ type: 'error', sequence_number: sequence, error }), { event: 'error' }),
    });
    const response = {
      ...asRecord(created?.['response']),
      status: 'failed',
      error: { code: error.code, message: error.message },
    };
    kept.push({
      kind: 'tail',
      text: sseFrame(JSON.stringify({ type: 'response.failed', sequence_number: sequence + 1, response }), {
        event: 'response.failed',
      }),
    });
  } else {
    const payload = streamErrorPayload(dialect);
    const options = payload.event === undefined ? { separator } : { event: payload.event, separator };
    kept.push({ kind: 'tail', text: sseFrame(JSON.stringify(payload.data), options) });
  }
  return {
    ...plan,
    body: { kind: 'stream', frames: kept },
    report: { ...plan.report, finishReason: undefined, outputTokens: undefined, inputTokens: undefined },
  };
}

/** `invalid-json`: a 200 whose JSON (or first streamed JSON event) is cut in the middle. */
export function withBrokenJson(plan: PlannedResponse): PlannedResponse {
  if (plan.body.kind === 'json') {
    const text = JSON.stringify(plan.body.value);
    return { ...plan, body: { kind: 'raw', bytes: Buffer.from(text.slice(0, Math.floor(text.length * 0.6)), 'utf8') } };
  }
  if (plan.body.kind !== 'stream') return plan;
  const frames = plan.body.frames.map(frame => ({ ...frame }));
  const target = frames.find(f => f.kind === 'output') ?? frames[0];
  if (target) {
    const separator = /\r\n\r\n$/.test(target.text) ? '\r\n\r\n' : '\n\n';
    const content = target.text.slice(0, target.text.length - separator.length);
    target.text = content.slice(0, Math.floor(content.length * 0.6)) + separator;
  }
  return { ...plan, body: { kind: 'stream', frames } };
}
