/*
 * The resource detectors of the register hook and the probe command: NodeSDK's defaults, except
 * that the process detector leaves out the command line. Apps are often started with a key on it
 * (`node app.js --api-key=sk-…`), and the resource is exported with every batch and as target_info.
 */
import { diag } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import type { DetectedResource, ResourceDetectionConfig, ResourceDetector } from '@opentelemetry/resources';
import { envText } from '../config/env';
import type { Env } from '../config/env';

/** Process attributes that repeat the command line; `process.command_line` is not emitted today but would be. */
export const COMMAND_LINE_ATTRIBUTES: readonly string[] = [
  'process.command',
  'process.command_line',
  'process.command_args',
];

/** The process detector's attributes (pid, executable, runtime, owner) without the command line. */
export const processDetectorWithoutCommandLine: ResourceDetector = {
  detect(config?: ResourceDetectionConfig): DetectedResource {
    const detected = processDetector.detect(config);
    const attributes = { ...detected.attributes };
    for (const name of COMMAND_LINE_ATTRIBUTES) delete attributes[name];
    return { ...detected, attributes };
  },
};

/**
 * The detectors to give NodeSDK; undefined when `OTEL_NODE_RESOURCE_DETECTORS` is set: naming
 * detectors hands the choice back to NodeSDK, whose `process` detector includes the command line.
 */
export function resourceDetectorsFromEnv(env: Env): ResourceDetector[] | undefined {
  if (envText(env, 'OTEL_NODE_RESOURCE_DETECTORS') !== undefined) return undefined;
  // NodeSDK's default list, in its order.
  return [serviceInstanceIdDetector, processDetectorWithoutCommandLine, hostDetector, osDetector, envDetector];
}

/**
 * Waits, through one collect, for the resource's asynchronous attributes (host.id). The Prometheus
 * exporter reads the resource on every scrape but, unlike the periodic readers, never waits for
 * them: until someone does, every scrape logs "Accessing resource attributes before async
 * attributes settled". Serve /metrics only after this. Never rejects.
 */
export async function settleResource(exporter: PrometheusExporter): Promise<void> {
  try {
    const { resourceMetrics } = await exporter.collect();
    await resourceMetrics.resource.waitForAsyncAttributes?.();
  } catch (err) {
    diag.debug('otel-llm-relay: could not settle resource attributes:', err);
  }
}
