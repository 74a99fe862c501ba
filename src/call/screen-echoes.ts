/*
 * A relay may echo the caller's key into what it answers: an error body (`{"error":{"type":"<key>"}}`),
 * or a successful answer's model, id or finish reason (`{"model":"<key>"}`: gen_ai.response.model is
 * a metric label too). Before a call's response is recorded, every string it took from the body that
 * holds a piece of the request's own credentials is dropped.
 * Every call pays for this, so the common case stays cheap: strings too short to hold a credential,
 * and a response model equal to the request's (recorded anyway), are not checked; the secret
 * headers' values come from the one walk over the request headers at span start; a request's
 * credentials become a filter of their pieces once per distinct key (CredentialEchoes), which
 * clears a model name or an id in a handful of lookups.
 */
import {
  CREDENTIAL_FRAGMENT_LENGTH,
  credentialsOf,
  echoesCredential,
  MIN_SCREENED_CREDENTIAL_LENGTH,
  credentialPartOf,
} from '../http/headers';
import { OTHER_ERROR_TYPE } from '../wire/errors';
import type { ResponseError, ResponseInfo } from '../wire/types';
import { compact } from '../wire/values';

/**
 * The response without what echoes the request's credentials: the values of its secret headers
 * (RequestStartHeaders.secrets) and the secret parameters of its URL's (or path's) path and query.
 * `requestModel`: the model the request named, recorded anyway, so never screened against.
 */
export function screenEchoes(
  response: ResponseInfo,
  secretValues: readonly string[] | undefined,
  url: string,
  requestModel?: string,
): ResponseInfo {
  const credentials = credentialEchoes(secretValues, url);
  if (credentials === undefined) return response;
  return withoutEchoes(
    response,
    text => text !== requestModel && credentials.echoes(text),
    model => model !== requestModel && credentials.echoesModel(model),
  );
}

/** The response model as a metric label may show it mid-stream: undefined when it echoes the request's credentials. */
export function screenedModel(
  model: string | undefined,
  secretValues: readonly string[] | undefined,
  url: string,
  requestModel: string | undefined,
): string | undefined {
  if (model === undefined || model === requestModel) return model;
  return credentialEchoes(secretValues, url)?.echoesModel(model) === true ? undefined : model;
}

/**
 * The response without any string from its body that `echoes` (a piece of the request's own
 * credentials, see echoesCredential): such a response model (judged by `modelEchoes`), id or finish
 * reason is dropped, and such an error class becomes `_OTHER`. Returns the response itself when
 * nothing echoes: each string is judged once.
 */
export function withoutEchoes(
  response: ResponseInfo,
  echoes: (text: string) => boolean,
  modelEchoes: (model: string) => boolean = echoes,
): ResponseInfo {
  const { responseModel: model, responseId: id, error, finishReasons } = response;
  const modelEchoed = model !== undefined && modelEchoes(model);
  const idEchoed = id !== undefined && echoes(id);
  const typeEchoed = error !== undefined && echoes(error.type);
  const codeEchoed = error?.code !== undefined && echoes(error.code);
  if (!modelEchoed && !idEchoed && !typeEchoed && !codeEchoed && !finishReasons.some(echoes)) return response;
  let screenedError: ResponseError | undefined;
  if (error !== undefined) {
    screenedError = { type: typeEchoed ? OTHER_ERROR_TYPE : error.type };
    if (error.code !== undefined && !codeEchoed) screenedError.code = error.code;
  }
  return compact({
    ...response,
    responseModel: modelEchoed ? undefined : model,
    responseId: idEchoed ? undefined : id,
    finishReasons: finishReasons.filter(reason => !echoes(reason)),
    error: screenedError,
  });
}

/** Bits of a CredentialEchoes filter (8 KiB): two per gram, so a 200-character key sets under 1 % of them. */
const FILTER_BITS = 1 << 16;
/**
 * A string that holds an 8-character piece of a credential holds, at one of its offsets 0, 5, 10, …,
 * a 4-character gram of that credential (any 8 characters from offset a cover the gram at the multiple
 * of 5 in [a, a + 4]): only those grams are looked up, not every piece at every offset.
 */
const GRAM = 4;
const PIECE = CREDENTIAL_FRAGMENT_LENGTH;
const STRIDE = PIECE - GRAM + 1;

/** The gram of `text` at `at`, hashed; its first filter bit in the high half, its second in the low half. */
function gramBits(text: string, at: number): number {
  let hash = text.charCodeAt(at);
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(at + 1);
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(at + 2);
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(at + 3);
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return hash ^ (hash >>> 12);
}

/**
 * Says, as echoesCredential does, whether a string holds one of a request's credentials or a piece
 * of one, in a handful of lookups: every 4-character gram of the credentials sets two bits of a
 * filter, and only the pieces of a string around an aligned gram whose bits are both set are
 * looked for in the credentials.
 */
export class CredentialEchoes {
  private readonly _credentials: readonly string[];
  /** Some credential is shorter than a piece: it is looked for whole, in every string. */
  private readonly _hasShort: boolean;
  private readonly _filter = new Int32Array(FILTER_BITS / 32);
  /** The last model name found clear: the same few answer call after call. */
  private _clearModel: string | undefined;

  constructor(credentials: readonly string[]) {
    this._credentials = credentials;
    this._hasShort = credentials.some(credential => credential.length < PIECE);
    const filter = this._filter;
    for (const credential of credentials) {
      for (let at = 0; at + GRAM <= credential.length; at++) {
        const bits = gramBits(credential, at);
        filter[bits >>> 21] |= 1 << ((bits >>> 16) & 31);
        filter[(bits & 0xffff) >>> 5] |= 1 << (bits & 31);
      }
    }
  }

  echoes(text: string): boolean {
    if (text.length < MIN_SCREENED_CREDENTIAL_LENGTH) return false;
    if (this._hasShort) return echoesCredential(text, this._credentials);
    const filter = this._filter;
    for (let at = 0; at + GRAM <= text.length; at += STRIDE) {
      const bits = gramBits(text, at);
      if (
        (filter[bits >>> 21]! & (1 << ((bits >>> 16) & 31))) !== 0 &&
        (filter[(bits & 0xffff) >>> 5]! & (1 << (bits & 31))) !== 0 &&
        this._pieceAround(text, at)
      ) {
        return true;
      }
    }
    return false;
  }

  /** echoes, remembering the last model found clear. */
  echoesModel(model: string): boolean {
    if (model === this._clearModel) return false;
    const echoes = this.echoes(model);
    if (!echoes) this._clearModel = model;
    return echoes;
  }

  /** Whether a piece of `text` that holds its gram at `at` is a piece of a credential. */
  private _pieceAround(text: string, at: number): boolean {
    const last = Math.min(at, text.length - PIECE);
    for (let start = Math.max(0, at + GRAM - PIECE); start <= last; start++) {
      const piece = text.slice(start, start + PIECE);
      for (const credential of this._credentials) if (credential.includes(piece)) return true;
    }
    return false;
  }
}

/** A request's credentials as last seen: apps send the same key on call after call. */
interface SeenCredentials {
  readonly secretValues: readonly string[];
  /** credentialPartOf the URL. */
  readonly credentialPart: string;
  readonly echoes: CredentialEchoes | undefined;
}

/** The last few distinct credentials seen, most recent first (a handful of keys per app; others are rebuilt). */
const seen: SeenCredentials[] = [];
const SEEN_CREDENTIALS = 4;
const NO_SECRETS: readonly string[] = [];

/** What checks for echoes of a request's credentials; undefined when it carried none. */
function credentialEchoes(secrets: readonly string[] | undefined, url: string): CredentialEchoes | undefined {
  const secretValues = secrets ?? NO_SECRETS;
  const credentialPart = credentialPartOf(url);
  if (secretValues.length === 0 && credentialPart === '') return undefined;
  for (let i = 0; i < seen.length; i++) {
    const entry = seen[i]!;
    if (entry.credentialPart === credentialPart && sameStrings(entry.secretValues, secretValues)) {
      if (i > 0) seen.unshift(...seen.splice(i, 1));
      return entry.echoes;
    }
  }
  const credentials = credentialsOf(secretValues, url);
  const echoes = credentials.length === 0 ? undefined : new CredentialEchoes(credentials);
  seen.unshift({ secretValues, credentialPart, echoes });
  if (seen.length > SEEN_CREDENTIALS) seen.pop();
  return echoes;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
