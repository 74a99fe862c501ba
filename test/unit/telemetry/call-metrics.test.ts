/*
 * A call's metric points on its labels: chunk gaps mid-stream carry the models known so far and the
 * metricAttributesHook's labels; the finished call's points carry the hook's labels for its outcome.
 */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { CallOutcome, CallStart } from '../../../src/call/call';
import { CallMetrics } from '../../../src/telemetry/call-metrics';
import type { HookLabels } from '../../../src/telemetry/call-metrics';
import { CHAT_CALL_START, finishedCall } from '../../support/calls';
import { pointsOf, TestMetricReader } from '../../support/otel-harness';

function setup(hookLabels: HookLabels = () => undefined, maxModelsPerMetric = 100) {
  const reader = new TestMetricReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const warnings: string[] = [];
  const metrics = new CallMetrics(meter, maxModelsPerMetric, message => warnings.push(message), hookLabels);
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    const { resourceMetrics } = await reader.collect();
    return pointsOf(
      resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
      name,
    );
  };
  return { metrics, points, warnings };
}

const GAPS = 'gen_ai.client.operation.time_per_output_chunk';
const DURATION = 'gen_ai.client.operation.duration';

const GENAI_LABELS = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'server.address': 'relay.example.com',
  'server.port': 443,
};

describe('CallMetrics', () => {
  it('chunk gaps mid-stream: the models known so far and the hook labels, one point per gap', async () => {
    const asked: unknown[] = [];
    const { metrics, points } = setup((start, requestModel, outcome) => {
      asked.push([start, requestModel, outcome]);
      return { team: 'search' };
    });
    const call = {
      start: CHAT_CALL_START,
      request: { model: 'gpt-4.1', stream: true, params: {} },
      responseModel: 'gpt-4.1-2025-04-14',
    };
    metrics.chunkGaps(call, Float64Array.of(0.01, 0.02, 0.5), 2);
    const [point] = await points(GAPS);
    expect(point!.attributes).toEqual({
      ...GENAI_LABELS,
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      team: 'search',
    });
    expect(point!.value).toMatchObject({ count: 2, sum: 0.03 });
    expect(asked).toEqual([[CHAT_CALL_START, 'gpt-4.1', undefined]]);
  });

  it("before the request body is read, the URL's model names the request model", async () => {
    const { metrics, points } = setup();
    const start: CallStart = { ...CHAT_CALL_START, route: { ...CHAT_CALL_START.route, urlModel: 'gemini-2.5-pro' } };
    metrics.chunkGaps({ start, request: undefined, responseModel: undefined }, Float64Array.of(0.1), 1);
    const [point] = await points(GAPS);
    expect(point!.attributes).toEqual({ ...GENAI_LABELS, 'gen_ai.request.model': 'gemini-2.5-pro' });
  });

  it("a finished call: its points carry the hook's labels for its outcome", async () => {
    let told: CallOutcome | undefined;
    const { metrics, points } = setup((_start, requestModel, outcome) => {
      told = outcome;
      return { model_asked: requestModel ?? 'none' };
    });
    const finished = finishedCall();
    const outcome: CallOutcome = {
      ...CHAT_CALL_START,
      request: finished.request,
      response: finished.response,
      statusCode: 200,
      unpriced: false,
      substituted: false,
    };
    metrics.finished(finished, outcome);
    const [point] = await points(DURATION);
    expect(point!.attributes).toEqual({ ...GENAI_LABELS, 'gen_ai.request.model': 'gpt-4.1', model_asked: 'gpt-4.1' });
    expect(told).toBe(outcome);
  });

  it('says once that model names reached maxModelsPerMetric, naming the cap and the option', async () => {
    const { metrics, points, warnings } = setup(undefined, 1);
    for (const model of ['a-1', 'b-2', 'c-3']) {
      const call = { start: CHAT_CALL_START, request: { model, stream: true, params: {} }, responseModel: undefined };
      metrics.chunkGaps(call, Float64Array.of(0.1), 1);
    }
    expect((await points(GAPS)).map(p => p.attributes['gen_ai.request.model'])).toEqual(['a-1', '_OTHER']);
    expect(warnings).toEqual([
      'more than 1 distinct model values: "b-2" and later new ones are recorded as _OTHER in metrics (raise maxModelsPerMetric if this is expected)',
    ]);
  });
});
