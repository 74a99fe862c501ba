/*
 * A finished call's outcome, from what the hook handed over: the response (screened for echoed
 * credentials), the error type, time to first chunk and model substitution.
 * Pure; pricing is a step of its own (CallPricer), so that a failure there leaves the outcome whole.
 */
import type { SubstitutionCheck } from '../pricing/model-names';
import type { ResponseInfo } from '../wire/types';
import type { CallOutcome, FinishedCall } from './call';
import { callErrorType } from './error-type';

export interface OutcomeContext {
  /** The response without what echoes the request's credentials (`requestModel`, recorded anyway, is not screened). */
  screen(response: ResponseInfo, requestModel: string | undefined): ResponseInfo;
  substitutions: SubstitutionCheck;
  /** The SDK's retry count of this attempt, when above 0. */
  resendCount?: number;
}

export function callOutcome(finished: FinishedCall, context: OutcomeContext): CallOutcome {
  const start = finished.start;
  const requestModel = finished.request.model ?? start.route.urlModel;
  // A relay may echo the caller's key into an error body, or into a successful answer's model or id.
  const response = finished.response && context.screen(finished.response, requestModel);
  const vendorErrorType = response?.error?.type;
  const outcome: CallOutcome = {
    ...start,
    request: { ...finished.request, model: requestModel },
    response,
    statusCode: finished.statusCode,
    errorType: callErrorType(finished, vendorErrorType),
    vendorErrorType,
    retryAfterHeader: finished.headers.get('retry-after'),
    timeToFirstChunk:
      finished.firstChunkAt !== undefined && (finished.request.stream || start.route.urlStream)
        ? (finished.firstChunkAt - finished.startedAt) / 1000
        : undefined,
    unpriced: false,
    substituted: context.substitutions.isSubstitution(requestModel, response?.responseModel),
  };
  if (context.resendCount !== undefined) outcome.resendCount = context.resendCount;
  return outcome;
}
