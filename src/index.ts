export { LlmRelayInstrumentation } from './instrumentation';
export type {
  LlmCallInfo,
  LlmRelayInstrumentationConfig,
  LlmRelayMetricAttributesHook,
  LlmRelayRequestHook,
  LlmRelayResponseHook,
  ModelPriceConfig,
  PricingConfig,
} from './types';
export type { ProbeAuthHeader, RelayProbeOptions } from './probe/probe-config';
