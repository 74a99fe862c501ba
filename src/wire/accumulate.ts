/*
 * Small building blocks every response accumulator shares. They hold scalars only:
 * the first non-empty id/model, finish reasons per choice index, the latest token counts,
 * and a character counter for the output-token estimate.
 */
import { MAX_CHOICES, isChoiceIndex } from './content';
import type { ResponseError, ResponseInfo, Usage } from './types';
import { asScalarString, compact } from './values';

/** Finish reasons per choice/candidate index: the last non-null value wins, listed in index order. */
export class FinishReasons {
  readonly #byIndex = new Map<number, string>();

  set(index: number, reason: unknown): void {
    const value = asScalarString(reason);
    if (value === undefined || !isChoiceIndex(index)) return;
    if (!this.#byIndex.has(index) && this.#byIndex.size >= MAX_CHOICES) return;
    this.#byIndex.set(index, value);
  }

  get(index: number): string | undefined {
    return this.#byIndex.get(index);
  }

  list(): string[] {
    return [...this.#byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, reason]) => reason);
  }
}

/** Keeps the first non-empty value (a stream's id/model; Azure's first chunk has `""`). */
export class FirstValue {
  #value: string | undefined;

  offer(value: unknown): void {
    if (this.#value === undefined) this.#value = asScalarString(value);
  }

  get value(): string | undefined {
    return this.#value;
  }
}

/** Token counts merged field by field: the latest defined value of each wins. */
export class UsageTracker {
  #usage: Usage = {};

  merge(update: Usage): void {
    this.#usage = { ...this.#usage, ...compact(update) };
  }

  replace(usage: Usage): void {
    this.#usage = compact({ ...usage });
  }

  get usage(): Usage {
    return { ...this.#usage };
  }
}

/** Rough output-token estimate from generated characters (about four characters per token). */
export function estimateTokensFromChars(chars: number): number | undefined {
  return chars > 0 ? Math.ceil(chars / 4) : undefined;
}

export interface ResponseParts {
  responseModel?: string;
  responseId?: string;
  finishReasons: string[];
  usage: Usage;
  error?: ResponseError;
  /** Characters of generated output seen (for the estimate when no output count came). */
  outputChars: number;
  reportedCostUsd?: number;
  outputMessages?: unknown[];
  serviceTier?: string;
  systemFingerprint?: string;
}

/** The final ResponseInfo, with the estimate set only when no output-token count was reported. */
export function toResponseInfo(parts: ResponseParts): ResponseInfo {
  const usage = compact(parts.usage);
  const estimated = usage.outputTokens === undefined ? estimateTokensFromChars(parts.outputChars) : undefined;
  return compact({
    responseModel: parts.responseModel,
    responseId: parts.responseId,
    finishReasons: parts.finishReasons,
    usage,
    error: parts.error,
    estimatedOutputTokens: estimated,
    outputCharacters: parts.outputChars > 0 ? parts.outputChars : undefined,
    reportedCostUsd: parts.reportedCostUsd,
    serviceTier: parts.serviceTier,
    systemFingerprint: parts.systemFingerprint,
    outputMessages: parts.outputMessages !== undefined && parts.outputMessages.length > 0 ? parts.outputMessages : undefined,
  });
}
