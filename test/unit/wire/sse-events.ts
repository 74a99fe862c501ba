/*
 * Test-local SSE splitter for recorded stream bodies (the package's own incremental parser lives in
 * src/sse and is tested there). Handles `\n`, `\r\n` and `\r` line ends, `event:` lines, multi-line
 * `data:`, `:` comments, and parses each event's data as JSON when it is JSON (`splitSseRaw` keeps
 * it as the text the hook gets).
 */
export interface RecordedEvent {
  event: string | undefined;
  data: unknown;
}

/** One event as the hook gets it: the `data:` text not yet parsed. */
export interface RawEvent {
  event: string | undefined;
  data: string;
}

export function splitSse(body: string): RecordedEvent[] {
  return splitSseRaw(body).map(({ event, data: raw }) => {
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // `[DONE]` and other non-JSON payloads are passed on as the raw string.
    }
    return { event, data };
  });
}

export function splitSseRaw(body: string): RawEvent[] {
  const events: RawEvent[] = [];
  let eventName: string | undefined;
  let dataLines: string[] = [];
  const dispatch = (): void => {
    if (dataLines.length > 0) events.push({ event: eventName, data: dataLines.join('\n') });
    eventName = undefined;
    dataLines = [];
  };
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') dataLines.push(value);
  }
  dispatch(); // a body cut before its final blank line still yields its last event
  return events;
}
