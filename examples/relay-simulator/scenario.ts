/*
 * The run-time scenario: per-model latency, error rates drawn from a seeded RNG, a burst of
 * failures for the next calls, forced faults and model substitution.
 */
import { seededRandom } from './randomness.ts';
import type { FaultName, Scenario } from './types.ts';

function perModel<T>(map: Record<string, T> | undefined, model: string): T | undefined {
  if (!map) return undefined;
  return Object.hasOwn(map, model) ? map[model] : map['*'];
}

export class ScenarioState {
  private scenario: Scenario = {};
  private random: () => number = seededRandom(1);
  private failuresLeft = 0;
  private queuedFaults: FaultName[] = [];

  constructor(initial?: Scenario) {
    this.set(initial ?? {});
  }

  set(scenario: Scenario): void {
    this.scenario = { ...scenario };
    this.random = seededRandom(scenario.seed ?? 1);
    this.failuresLeft = Math.max(0, Math.floor(scenario.failNext ?? 0));
    this.queuedFaults = [...(scenario.failNextWith ?? [])];
  }

  latencyFor(model: string): number | undefined {
    return perModel(this.scenario.latencyMs, model);
  }

  substituteFor(model: string): string | undefined {
    return perModel(this.scenario.substitute, model);
  }

  /** The fault for any request on this path (`pathFaults`, longest matching suffix first). */
  faultForPath(pathname: string): FaultName | undefined {
    const path = pathname.replace(/\/+$/, '');
    const entries = Object.entries(this.scenario.pathFaults ?? {}).sort((a, b) => b[0].length - a[0].length);
    return entries.find(([suffix]) => path.endsWith(suffix.replace(/\/+$/, '')))?.[1];
  }

  /** The fault for this model call, if any: forced faults, then `failNextWith`, `failNext`, `errorRate`. */
  faultFor(model: string): FaultName | undefined {
    const forced = perModel(this.scenario.faults, model);
    if (forced) return forced;
    const queued = this.queuedFaults.shift();
    if (queued) return queued;
    const fault = this.scenario.errorFault ?? '429';
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      return fault;
    }
    const rate = perModel(this.scenario.errorRate, model);
    if (rate !== undefined && rate > 0 && this.random() < rate) return fault;
    return undefined;
  }
}
