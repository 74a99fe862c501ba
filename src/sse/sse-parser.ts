/*
 * Incremental parser for `text/event-stream` bodies, following the WHATWG HTML
 * "event stream interpretation" rules:
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * It works on text (the caller decodes the bytes: see `../http/utf8-text`) and keeps
 * only the start of the current line and the current event's fields, both bounded by
 * `maxEventBytes`. It never throws on any input.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field; absent when the event is a plain `message`. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /**
   * The `id:` field of this event, when it had one. Unlike `EventSource.lastEventId` it does
   * not carry over to later events: we observe a stream, we never reconnect with it.
   */
  id?: string;
}

export interface SseParserOptions {
  /**
   * Largest event kept, counted as the characters of its `data` (lines joined with `\n`),
   * `event` and `id` values. A larger event is dropped whole (see `droppedEvents`) and its
   * lines are skipped as they arrive, so they are never buffered. Default 1 MiB.
   * Characters, not UTF-8 bytes: for the ASCII JSON that LLM APIs send they are the same.
   */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;

/** Longest field name we act on (`event`); a colon-less line longer than this is an unknown field. */
const LONGEST_FIELD_NAME = 5;

/** What the start of the current, unfinished line is known to be. */
type LineState =
  | 0 // at the start of a line: nothing of it seen yet
  | 1 // buffering: `#parts` hold the beginning of a line we may need
  | 2; // skipping: the rest of this line is ignored (comment, unknown field, dropped event)
const AT_LINE_START = 0;
const BUFFERING = 1;
const SKIPPING = 2;

type FieldName = 'data' | 'event' | 'id';

function knownField(line: string, colon: number): FieldName | undefined {
  // Compare without slicing: the field names are short ASCII words.
  if (colon === 4 && line.startsWith('data')) return 'data';
  if (colon === 5 && line.startsWith('event')) return 'event';
  if (colon === 2 && line.startsWith('id')) return 'id';
  return undefined;
}

/** Where a field's value starts: after the colon and one optional space. */
function valueStart(line: string, colon: number): number {
  if (colon === line.length) return colon;
  return line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
}

/**
 * Incremental Server-Sent-Events parser.
 *
 * Behaviour at the end of the stream (a choice, documented here): the spec discards an event
 * that is not followed by a blank line. Some servers end with `data: [DONE]\n` and close, so
 * `end()` dispatches a pending event that has data when its last line was terminated. An
 * unterminated last line is discarded as the spec says (it is usually a cut-off line).
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxEventBytes: number;

  #ended = false;
  #droppedEvents = 0;
  #sawFirstChar = false;
  /** The previous chunk ended with CR: an LF at the start of the next one belongs to it. */
  #skipLeadingLf = false;

  #lineState: LineState = AT_LINE_START;
  /**
   * The buffered start of the current line, in the pieces it arrived in: joined once, when the line
   * ends (joining on every piece would make a long line arriving in small pieces quadratic).
   */
  readonly #parts: string[] = [];
  #partialLength = 0;
  /** Colon position in the buffered line once seen, else -1. */
  #partialColon = -1;
  /** The field named before that colon (undefined until the colon is seen). */
  #partialField: FieldName | undefined = undefined;
  /** Where the value starts in the buffered line; -1 while it ends with the colon (a space may follow). */
  #partialValueStart = -1;

  /** The current event was dropped: ignore its lines up to the blank line that ends it. */
  #dropping = false;
  #data: string | undefined = undefined;
  #eventType = '';
  #id: string | undefined = undefined;

  constructor(onEvent: (event: SseEvent) => void, options: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    const max = options.maxEventBytes;
    this.#maxEventBytes = max !== undefined && max >= 0 ? max : DEFAULT_MAX_EVENT_BYTES;
  }

  /** Events dropped because they exceeded `maxEventBytes`. */
  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  /**
   * Characters held between calls: the pending event's fields (at most `maxEventBytes`) plus the
   * start of the current line (a field name and a value that fits the limit).
   */
  get bufferedLength(): number {
    return this.#partialLength + this.#eventSize();
  }

  /**
   * Feeds the next piece of text. Events completed by it are passed to `onEvent` before this
   * returns; an exception thrown by `onEvent` propagates and the rest of `text` is lost.
   */
  push(text: string): void {
    if (this.#ended || text.length === 0) return;
    let pos = 0;
    const length = text.length;
    if (!this.#sawFirstChar) {
      this.#sawFirstChar = true;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#skipLeadingLf && pos < length) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }

    // Positions of the next LF and CR, searched again only once passed.
    let nextLf = -2;
    let nextCr = -2;
    while (pos < length) {
      if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      const eol = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (eol === -1) {
        this.#holdPartial(text, pos);
        return;
      }
      this.#finishLine(text, pos, eol);
      pos = eol + 1;
      if (text.charCodeAt(eol) === CR) {
        if (pos === length) this.#skipLeadingLf = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
    }
  }

  /**
   * Ends the stream: dispatches a pending event that has data and whose lines were all
   * terminated (see the class comment), then ignores further input.
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#lineState === AT_LINE_START && !this.#dropping && this.#data !== undefined) {
      this.#dispatch();
    }
    this.#clearPartial();
    this.#resetEvent();
  }

  /** A line ends at `eol`; its text is the buffered `#parts` (if buffering) + `text[start, eol)`. */
  #finishLine(text: string, start: number, eol: number): void {
    const state = this.#lineState;
    this.#lineState = AT_LINE_START;
    if (state === SKIPPING) return;
    if (state === BUFFERING) {
      const parts = this.#parts;
      if (eol > start) parts.push(text.slice(start, eol));
      const line = parts.length === 1 ? parts[0] : parts.join('');
      const colon = this.#partialColon;
      this.#clearPartial();
      this.#processLine(line, colon !== -1 ? colon : line.indexOf(':'));
      return;
    }
    if (eol === start) {
      this.#blankLine();
      return;
    }
    const first = text.charCodeAt(start);
    if (first === COLON || this.#dropping) return; // comment, or a line of a dropped event
    // Only lines that may be fields we use are sliced out of the chunk.
    const line = text.slice(start, eol);
    this.#processLine(line, line.indexOf(':'));
  }

  #processLine(line: string, colonAt: number): void {
    if (this.#dropping) return;
    const colon = colonAt === -1 ? line.length : colonAt;
    if (colon === 0) return; // comment
    const field = knownField(line, colon);
    if (field === undefined) return; // `retry` and unknown fields: nothing we use
    const start = valueStart(line, colon);
    const valueLength = line.length - start;
    if (this.#wouldExceed(field, valueLength)) {
      this.#drop();
      return;
    }
    const value = line.slice(start);
    if (field === 'data') {
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    } else if (field === 'event') {
      this.#eventType = value;
    } else if (!value.includes('\0')) {
      this.#id = value;
    }
  }

  /** Keeps the unterminated end of a chunk only while it may still be a field we use. */
  #holdPartial(text: string, start: number): void {
    if (this.#lineState === SKIPPING) return;
    if (this.#dropping) {
      this.#lineState = SKIPPING;
      return;
    }
    const tail = start === 0 ? text : text.slice(start);
    const field = this.#partialField;
    if (field !== undefined) {
      // The field is known: only the value grows. Count it, keep the piece, join nothing.
      let valueAt = this.#partialValueStart;
      if (valueAt === -1) valueAt = this.#partialColon + (tail.charCodeAt(0) === SPACE ? 2 : 1);
      const length = this.#partialLength + tail.length;
      if (this.#exceeds(field, length - valueAt)) return;
      this.#parts.push(tail);
      this.#partialLength = length;
      this.#partialValueStart = valueAt;
      return;
    }
    // No colon yet: what is buffered is at most a field name, a few characters.
    const candidate = this.#lineState === BUFFERING ? this.#parts.join('') + tail : tail;
    const colon = candidate.indexOf(':');
    if (colon === -1) {
      if (candidate.length > LONGEST_FIELD_NAME) this.#skipLine();
      else this.#buffer(candidate, -1, undefined, -1);
      return;
    }
    const named = knownField(candidate, colon);
    if (named === undefined) {
      this.#skipLine();
      return;
    }
    const valueAt = colon + 1 === candidate.length ? -1 : valueStart(candidate, colon);
    if (this.#exceeds(named, candidate.length - (valueAt === -1 ? colon + 1 : valueAt))) return;
    this.#buffer(candidate, colon, named, valueAt);
  }

  /**
   * A partial value is a prefix of the final one, so this check drops exactly the events that the
   * complete-line check would drop: the result does not depend on chunking. Drops and skips the line.
   */
  #exceeds(field: FieldName, valueLength: number): boolean {
    if (!this.#wouldExceed(field, valueLength)) return false;
    this.#drop();
    this.#skipLine();
    return true;
  }

  #buffer(candidate: string, colon: number, field: FieldName | undefined, valueAt: number): void {
    this.#lineState = BUFFERING;
    this.#parts.length = 0;
    this.#parts.push(candidate);
    this.#partialLength = candidate.length;
    this.#partialColon = colon;
    this.#partialField = field;
    this.#partialValueStart = valueAt;
  }

  #skipLine(): void {
    this.#lineState = SKIPPING;
    this.#clearPartial();
  }

  #clearPartial(): void {
    if (this.#partialLength !== 0) this.#parts.length = 0;
    this.#partialLength = 0;
    this.#partialColon = -1;
    this.#partialField = undefined;
    this.#partialValueStart = -1;
  }

  #eventSize(): number {
    return (this.#data?.length ?? 0) + this.#eventType.length + (this.#id?.length ?? 0);
  }

  /** Size of the event once this field's value is stored (data appends, the others replace). */
  #wouldExceed(field: FieldName, valueLength: number): boolean {
    let size = this.#eventSize() + valueLength;
    if (field === 'data') size += this.#data === undefined ? 0 : 1;
    else if (field === 'event') size -= this.#eventType.length;
    else size -= this.#id?.length ?? 0;
    return size > this.#maxEventBytes;
  }

  #drop(): void {
    this.#droppedEvents++;
    this.#dropping = true;
    this.#resetEvent();
  }

  #blankLine(): void {
    if (this.#dropping) {
      this.#dropping = false;
      return;
    }
    // Per spec an event without any `data:` line is not dispatched.
    if (this.#data === undefined) {
      this.#resetEvent();
      return;
    }
    this.#dispatch();
  }

  #dispatch(): void {
    const event: SseEvent = { data: this.#data ?? '' };
    if (this.#eventType !== '') event.event = this.#eventType;
    if (this.#id !== undefined) event.id = this.#id;
    this.#resetEvent();
    this.#onEvent(event);
  }

  #resetEvent(): void {
    this.#data = undefined;
    this.#eventType = '';
    this.#id = undefined;
  }
}
