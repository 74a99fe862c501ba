/*
 * A relay may echo the caller's key into an error body (`{"error":{"type":"<key>"}}`): before a
 * failed call's response is recorded, every string it took from the body that holds a piece of the
 * request's own credentials is dropped. Successful calls are not screened (they never pay for it).
 */
import { echoesCredential, requestCredentials } from '../http/headers';
import { OTHER_ERROR_TYPE } from '../wire/errors';
import type { ResponseError, ResponseInfo } from '../wire/types';
import { compact } from '../wire/values';

/** The response without what echoes the credentials in the request's headers and URL. */
export function screenEchoes(response: ResponseInfo, requestHeaders: unknown, url: string): ResponseInfo {
  const credentials = requestCredentials(requestHeaders, url);
  return credentials.length === 0 ? response : withoutEchoes(response, text => echoesCredential(text, credentials));
}

/**
 * The response without any string from its body that `echoes` (a piece of the request's own
 * credentials, see echoesCredential): such a response model, id or finish reason is dropped, and
 * such an error class becomes `_OTHER`. Returns the response itself when nothing echoes.
 */
export function withoutEchoes(response: ResponseInfo, echoes: (text: string) => boolean): ResponseInfo {
  const echoed = (value: string | undefined) => value !== undefined && echoes(value);
  const error = response.error;
  const errorEchoes = error !== undefined && (echoed(error.type) || echoed(error.code));
  if (
    !errorEchoes &&
    !echoed(response.responseModel) &&
    !echoed(response.responseId) &&
    !response.finishReasons.some(echoes)
  ) {
    return response;
  }
  let screenedError: ResponseError | undefined;
  if (error !== undefined) {
    screenedError = { type: echoed(error.type) ? OTHER_ERROR_TYPE : error.type };
    if (error.code !== undefined && !echoed(error.code)) screenedError.code = error.code;
  }
  return compact({
    ...response,
    responseModel: echoed(response.responseModel) ? undefined : response.responseModel,
    responseId: echoed(response.responseId) ? undefined : response.responseId,
    finishReasons: response.finishReasons.filter(reason => !echoes(reason)),
    error: screenedError,
  });
}
