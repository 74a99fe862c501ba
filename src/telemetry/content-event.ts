/*
 * The `gen_ai.client.inference.operation.details` event (GenAI conventions, gen-ai-events.md): the
 * call's request and response attributes plus its content in structured form, for
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY / SPAN_AND_EVENT. Content is bounded
 * exactly as on spans: every string by maxContentLength (the codecs), each content attribute by
 * maxContentAttributeLength (contentAttributeJson, then read back as structure). Pure.
 */
import type { Attributes } from '@opentelemetry/api';
import { contentAttributeJson } from '../wire/content';
import type { CallOutcome } from '../call/call';
import { outcomeAttributes, requestAttributes, startAttributes } from './span-attributes';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_URL_FULL,
} from './semconv';

export const EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS = 'gen_ai.client.inference.operation.details' as const;

function structured(items: readonly unknown[] | undefined, maxLength: number): unknown {
  return items === undefined ? undefined : (JSON.parse(contentAttributeJson(items, maxLength)) as unknown);
}

/** The event's attributes: what the span says about the call, and the content as structures. */
export function inferenceDetailsAttributes(outcome: CallOutcome, maxContentAttributeLength: number): Attributes {
  const attributes: Attributes = {
    ...startAttributes(outcome, outcome.request.model),
    ...requestAttributes(outcome.request, false),
    ...outcomeAttributes(outcome, false),
  };
  // The span has the URL; the event is about the model call.
  delete attributes[ATTR_URL_FULL];
  const content: [string, readonly unknown[] | undefined][] = [
    [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, outcome.request.systemInstructions],
    [ATTR_GEN_AI_INPUT_MESSAGES, outcome.request.inputMessages],
    [ATTR_GEN_AI_TOOL_DEFINITIONS, outcome.request.toolDefinitions],
    [ATTR_GEN_AI_OUTPUT_MESSAGES, outcome.response?.outputMessages],
  ];
  for (const [key, items] of content) {
    const value = structured(items, maxContentAttributeLength);
    if (value !== undefined) attributes[key] = value;
  }
  return attributes;
}
