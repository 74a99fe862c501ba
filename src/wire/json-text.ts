/*
 * Reading a few well-known SSE events from their raw JSON text, without JSON.parse (see
 * ResponseAccumulator.onEventText). Patterns built from these pieces accept only text that
 * JSON.parse accepts too, so a malformed event still goes to the parser and is reported.
 */

/**
 * The body of a JSON string as JSON.parse accepts it: no raw quote, backslash or control
 * character, only valid escapes. Its alternatives start differently, so it cannot backtrack badly.
 */
export const JSON_STRING_BODY = String.raw`(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*`;

/** The value of a JSON string body that JSON_STRING_BODY accepted. */
export function decodeJsonStringBody(raw: string): string {
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/**
 * `pattern.exec(data)` for an event that must start with `{` (unless `object` is false: a piece
 * of one), or null. Never throws: a regexp stack overflow on a huge event gives null, and the
 * parser decides.
 */
export function matchJsonEvent(pattern: RegExp, data: string, object = true): RegExpExecArray | null {
  if (object && data.charCodeAt(0) !== 123) return null; // `{`
  try {
    return pattern.exec(data);
  } catch {
    return null;
  }
}
