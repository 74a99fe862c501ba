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
