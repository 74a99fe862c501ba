/*
 * What every response accumulator shares: small building blocks that hold scalars only (the
 * first non-empty id/model, finish reasons per choice index, the latest token counts), and
 * ResponseAccumulatorBase, the state every dialect opens with and the ResponseInfo it ends in.
 */
import { MAX_CHOICES, OutputCollector, isChoiceIndex } from './content';
import type { CodecOptions, ResponseAccumulator, ResponseError, ResponseInfo, Usage } from './types';
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
    outputMessages:
      parts.outputMessages !== undefined && parts.outputMessages.length > 0 ? parts.outputMessages : undefined,
  });
}

/**
 * The state every response accumulator opens with: id, model, finish reasons, usage, the first
 * error, the reported cost, generated characters and (when capture is on) the output messages.
 * A codec's accumulator reads its dialect into these; `finish` makes the ResponseInfo of them.
 */
export abstract class ResponseAccumulatorBase implements ResponseAccumulator {
  protected readonly id = new FirstValue();
  protected readonly model = new FirstValue();
  protected readonly finishReasons = new FinishReasons();
  protected readonly usage = new UsageTracker();
  protected readonly output: OutputCollector | undefined;
  /** The first error the answer reported (later ones follow from it). */
  protected error: ResponseError | undefined;
  /** What the relay said the call cost, in USD. */
  protected costUsd: number | undefined;
  /** Characters of generated output seen, for the output-token estimate. */
  protected outputChars = 0;

  /** Without options (or with capture off) no output is collected. */
  constructor(options?: CodecOptions) {
    this.output = options?.captureContent ? new OutputCollector(options.maxContentLength) : undefined;
  }

  get responseModel(): string | undefined {
    return this.model.value;
  }

  abstract onJson(body: unknown): void;
  abstract onEvent(eventName: string | undefined, data: unknown): boolean;

  finish(): ResponseInfo {
    return toResponseInfo({
      responseModel: this.model.value,
      responseId: this.id.value,
      finishReasons: this.finishReasons.list(),
      usage: this.finalUsage(),
      error: this.error,
      outputChars: this.outputChars,
      reportedCostUsd: this.costUsd,
      outputMessages: this.output?.messages(index => this.finishReasons.get(index)),
      ...this.extraParts(),
    });
  }

  /** The token counts at the end; a dialect that reports them piecemeal overrides this. */
  protected finalUsage(): Usage {
    return this.usage.usage;
  }

  /** What a dialect reports besides (service tier, system fingerprint). */
  protected extraParts(): Partial<ResponseParts> {
    return {};
  }
}
