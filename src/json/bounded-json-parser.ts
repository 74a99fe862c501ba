/*
 * Incremental JSON parser that keeps a pruned copy of the value while the text passes,
 * so that memory stays bounded whatever the body size (a 5 MB embeddings response keeps
 * the first items of each array, the first characters of each string, and so on).
 *
 * Grammar: RFC 8259, exactly what `JSON.parse` accepts (no BOM, no comments, one top-level
 * value surrounded by optional whitespace), except inside the values of `skipKeys` members,
 * whose checks are lighter (see there). Any chunking gives the same result. It never throws on
 * bad input: `end()` reports the first error and the part of the value built so far.
 *
 * It holds no chunk once `push()` returns. Every kept string is a copy of its own: V8 makes a
 * substring of 13 characters or more a "sliced string" that keeps the whole string it was cut
 * from alive, and a kept id or model sliced from a 64 KB chunk would hold that chunk for as long
 * as the value lives. A string or number still open at the end of a chunk is copied too, and the
 * regex engine's reference to the last text it matched is dropped.
 */
import { asciiText } from '../http/utf8-text';

export interface JsonLimits {
  /** Strings (values and keys) longer than this are cut to this many characters. Default 4096. */
  maxStringLength?: number;
  /** Array items past this count are parsed and discarded. Default 64. */
  maxArrayItems?: number;
  /** Values nested deeper than this (the top-level value is depth 1) are skipped. Default 32. */
  maxDepth?: number;
  /** Object members past this count are parsed and discarded. Default 256. */
  maxKeys?: number;
  /**
   * Approximate budget for everything kept, in bytes of heap: a string or key costs its length
   * plus 16, a number, boolean or null 8, an object or array 16. Past it, values are discarded.
   * String values may only use 7/8 of it, so that the small numbers that usually close a
   * response (`usage`) still fit after long texts. Default 61440, which keeps a parsed body
   * under 64 KiB.
   */
  maxTotalSize?: number;
}

export interface BoundedJsonParserOptions extends JsonLimits {
  /**
   * When the top-level value is an array, hand each complete item to this callback instead of
   * keeping it (Gemini's non-SSE `streamGenerateContent` returns `[{…},{…},…]` whose last item
   * holds the usage). Items are then not limited by `maxArrayItems`, each one gets the whole
   * `maxTotalSize` budget, and the final value is an empty array.
   * An exception thrown by the callback propagates out of `push()`.
   */
  onRootArrayItem?: (item: unknown, index: number) => void;
  /**
   * Object member keys (matched against the whole decoded key, at any depth) whose members are
   * dropped as if the text did not have them: not kept, not counted against any limit. For values
   * a caller never reads that can be huge, such as embedding vectors.
   *
   * A skipped object or array is passed over by its structure only, found with `indexOf`: its
   * strings get the same checks as any string (closing quote, escapes, no raw control character),
   * and its brackets must match and nest no deeper than any value may. Everything else in it is
   * not looked at (`[1,,2]`, `{1:2}`, `[x]` pass). A body cut inside one is still an error. A
   * skipped string, number or literal is checked in full, as any value.
   */
  skipKeys?: ReadonlySet<string>;
}

export type BoundedJsonResult =
  { ok: true; value: unknown; pruned: boolean } | { ok: false; error: string; value?: unknown; pruned: boolean };

const DEFAULTS = {
  maxStringLength: 4096,
  maxArrayItems: 64,
  maxDepth: 32,
  maxKeys: 256,
  maxTotalSize: 60 * 1024,
};

/** Nesting beyond this is an error (not a skip): it bounds the parser's own stack. */
const MAX_NESTING = 10_000;
/** Number tokens longer than this are validated but their value is discarded. */
const MAX_NUMBER_LENGTH = 512;

const SCALAR_COST = 8;
const CONTAINER_COST = 16;
/** A string's cost beyond its characters. */
const STRING_COST = 16;

// What the parser expects next.
const M_VALUE = 0; // any value (top level, after `:`, after `,` in an array)
const M_ARRAY_FIRST = 1; // a value or `]`
const M_OBJECT_FIRST = 2; // a key or `}`
const M_KEY = 3; // a key (after `,` in an object)
const M_COLON = 4;
const M_AFTER_VALUE = 5; // `,` or the closing bracket of the current container
const M_STRING = 6;
const M_NUMBER = 7;
const M_LITERAL = 8;
const M_DONE = 9; // the top-level value is complete: only whitespace may follow
const M_ERROR = 10;
const M_SKIP = 11; // inside an object or array that is the value of a `skipKeys` member

// Number grammar states.
const N_START = 0;
const N_MINUS = 1;
const N_ZERO = 2;
const N_INT = 3;
const N_DOT = 4;
const N_FRACTION = 5;
const N_E = 6;
const N_EXPONENT_SIGN = 7;
const N_EXPONENT = 8;

// String escape states.
const E_NONE = 0;
const E_BACKSLASH = 1;
const E_HEX = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface Frame {
  isArray: boolean;
  /** Undefined when this container is being skipped. */
  container: unknown[] | Record<string, unknown> | undefined;
  /** Items or members seen, kept or not. */
  count: number;
  /** Object only: the key of the member being parsed, undefined when that member is dropped. */
  key: string | undefined;
  /** Top-level array whose items go to `onRootArrayItem`. */
  streaming: boolean;
  /** Streaming only: budget used before the current item, restored once it is handed off. */
  usedBeforeItem: number;
}

/** Characters that end a run of plain string content: `"`, `\` and unescaped controls. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const STRING_SPECIAL = /["\\\u0000-\u001f]/g;
/** Runs shorter than this are scanned by hand; longer ones by the (faster) regex engine. */
const SHORT_RUN = 32;
/** Inside a skipped container, outside strings, only these characters matter: a quote and the brackets. */
const SKIP_STOPS = ['"', '[', ']', '{', '}'];
const SKIP_STOP_BYTES = SKIP_STOPS.map(stop => stop.charCodeAt(0));

// Buffer's native byte search (memchr), which accepts any Uint8Array.
const bufferIndexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: number, byteOffset: number) => number;
/**
 * pushAscii: text read right after a skipped container ends starts this short, and doubles per
 * piece up to a whole chunk: the next skipped container (the next embedding vector) is usually a
 * few dozen characters on, and what the parser skips as text it must first copy into a string.
 */
const ASCII_WINDOW_MIN = 256;
const ASCII_WINDOW_MAX = 1 << 30;

/**
 * Matches the empty string. V8 keeps the subject of the last successful regex match alive (for
 * `RegExp.input`), so after STRING_SPECIAL found something in a chunk, a match on '' lets the
 * chunk go instead of keeping it until some other regex in the process matches.
 */
const FORGET_LAST_MATCH = /(?:)/;

/** V8 shares the memory of substrings this long or longer with the string they were cut from. */
const SLICED_STRING_MIN_LENGTH = 13;

/**
 * `text` as a string that shares no memory with a chunk. Concatenation makes a cons string, which
 * `slice` flattens into a new flat string before slicing it: the result refers to that copy only
 * (a trick checked by test/unit/json/chunk-retention.test.ts on every Node version we run on).
 */
function detached(text: string): string {
  return text.length < SLICED_STRING_MIN_LENGTH ? text : (' ' + text).slice(1);
}

/** Index of the next quote, backslash or control character at or after `from`, else `text.length`. */
function findStringSpecial(text: string, from: number): number {
  const n = text.length;
  const handEnd = Math.min(n, from + SHORT_RUN);
  for (let j = from; j < handEnd; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE || c === BACKSLASH || c < 0x20) return j;
  }
  if (handEnd === n) return n;
  STRING_SPECIAL.lastIndex = handEnd;
  const match = STRING_SPECIAL.exec(text);
  return match === null ? n : match.index;
}

/**
 * Where a valid number starting at `start` ends, when it ends before the end of `text`
 * (so it cannot continue in the next chunk); -1 otherwise, and the state machine takes over.
 */
function completeNumberEnd(text: string, start: number): number {
  const n = text.length;
  let j = start;
  if (text.charCodeAt(j) === 0x2d /* - */) j++;
  if (j >= n) return -1;
  const first = text.charCodeAt(j);
  if (first === 0x30 /* 0 */) j++;
  else if (isDigit(first)) j = skipDigits(text, j + 1);
  else return -1;
  if (j < n && text.charCodeAt(j) === 0x2e /* . */) {
    if (j + 1 >= n || !isDigit(text.charCodeAt(j + 1))) return -1;
    j = skipDigits(text, j + 2);
  }
  if (j < n && (text.charCodeAt(j) | 0x20) === 0x65 /* e or E */) {
    j++;
    if (j < n && (text.charCodeAt(j) === 0x2b /* + */ || text.charCodeAt(j) === 0x2d)) j++;
    if (j >= n || !isDigit(text.charCodeAt(j))) return -1;
    j = skipDigits(text, j + 1);
  }
  return j < n ? j : -1;
}

function skipDigits(text: string, from: number): number {
  let j = from;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return j;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function describe(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment to `__proto__` would change the prototype; JSON.parse makes an own property.
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function limit(value: number | undefined, fallback: number): number {
  return value !== undefined && value >= 0 ? value : fallback;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Incremental JSON parser keeping a pruned value. Feed text with `push()`, then call `end()`
 * once. After the first error it does no more work.
 */
export class BoundedJsonParser {
  readonly #maxStringLength: number;
  readonly #maxArrayItems: number;
  readonly #maxDepth: number;
  readonly #maxKeys: number;
  readonly #maxTotalSize: number;
  readonly #maxStringBudget: number;
  readonly #onRootArrayItem: ((item: unknown, index: number) => void) | undefined;
  readonly #skipKeys: ReadonlySet<string> | undefined;
  /**
   * Characters of a key collected to match it against `skipKeys`: one more than the longest, so
   * that a longer key, cut, can never match.
   */
  readonly #skipProbeLength: number;

  #mode = M_VALUE;
  #stack: Frame[] = [];
  #root: unknown = undefined;
  #started = false;
  #used = 0;
  #pruned = false;
  #error: string | undefined = undefined;
  #consumed = 0;
  #result: BoundedJsonResult | undefined = undefined;

  // Current string.
  #strIsKey = false;
  /** Whether characters are collected: a kept string, or a key to match against `skipKeys`. */
  #strKeep = false;
  #strCapacity = 0;
  #strParts: string[] = [];
  /** Leading parts that are copies of their own already (see #detachOpenValue). */
  #strOwnedParts = 0;
  #strLength = 0;
  #strTruncated = false;
  #escape = E_NONE;
  #hexDigits = 0;
  #hexCode = 0;

  // Current key.
  /** The key is kept (and its base cost charged). */
  #keyKept = false;
  #prunedBeforeKey = false;
  /** The key just read is in `skipKeys`: its value is passed over. */
  #skipNextValue = false;

  // Current skipped container: the closing brackets expected, innermost last.
  readonly #skipClosers: number[] = [];
  #skipInString = false;
  /**
   * For each of SKIP_STOPS, where it next occurs in the current chunk at or after the position
   * last searched from (the chunk's length when nowhere): each character is searched for once per
   * occurrence, by `indexOf` (memchr speed), however many skipped values the chunk holds.
   */
  readonly #stopAt: number[] = SKIP_STOPS.map(() => -1);
  /** The same as #stopAt, for the bytes of the current pushAscii call. */
  readonly #byteStopAt: number[] = SKIP_STOPS.map(() => -1);
  /** pushAscii: characters read as text at once (see ASCII_WINDOW_MIN). */
  #asciiWindow = ASCII_WINDOW_MAX;

  // Current number.
  #numState = N_START;
  #numKeep = false;
  #numText = '';
  #numTooLong = false;

  // Current literal.
  #literal = '';
  #literalPos = 0;
  #literalValue: boolean | null = null;
  #literalKeep = false;

  constructor(options: BoundedJsonParserOptions = {}) {
    this.#maxStringLength = limit(options.maxStringLength, DEFAULTS.maxStringLength);
    this.#maxArrayItems = limit(options.maxArrayItems, DEFAULTS.maxArrayItems);
    this.#maxDepth = limit(options.maxDepth, DEFAULTS.maxDepth);
    this.#maxKeys = limit(options.maxKeys, DEFAULTS.maxKeys);
    this.#maxTotalSize = limit(options.maxTotalSize, DEFAULTS.maxTotalSize);
    this.#maxStringBudget = Math.floor((this.#maxTotalSize * 7) / 8);
    this.#onRootArrayItem = options.onRootArrayItem;
    this.#skipKeys = options.skipKeys !== undefined && options.skipKeys.size > 0 ? options.skipKeys : undefined;
    let longest = -1;
    for (const key of this.#skipKeys ?? []) longest = Math.max(longest, key.length);
    this.#skipProbeLength = longest + 1;
  }

  /** True once any value was cut or discarded because of a limit. */
  get pruned(): boolean {
    return this.#pruned;
  }

  /** The first error, once one happened. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Feeds the next piece of the text. */
  push(text: string): void {
    if (this.#mode === M_ERROR || this.#result !== undefined) return;
    this.#scan(text);
    if (text.length > SHORT_RUN) FORGET_LAST_MATCH.exec(''); // only longer texts reach the regex
    this.#detachOpenValue();
  }

  /**
   * Feeds the next piece of the text as bytes that are all ASCII, so one character each (the
   * caller checks). The same as `push(latin1 text of bytes)`, except that the inside of a skipped
   * container is searched for its brackets in the bytes themselves, never copied into a string
   * (most of a 5 MB embeddings body). Strings inside skipped containers are read as text.
   */
  pushAscii(bytes: Uint8Array): void {
    if (this.#mode === M_ERROR || this.#result !== undefined) return;
    const n = bytes.byteLength;
    if (this.#skipKeys === undefined) {
      if (n > 0) this.push(asciiText(bytes));
      return;
    }
    this.#byteStopAt.fill(-1);
    let at = 0;
    while (at < n) {
      if (this.#mode === M_SKIP && !this.#skipInString) {
        const stop = this.#skipBytes(bytes, at);
        if (this.#failed()) return;
        this.#asciiWindow = ASCII_WINDOW_MIN;
        // Stopped short of the end, still skipping: at a quote, which is read as text.
        const atQuote = stop < n && this.#mode === M_SKIP;
        at = stop;
        if (!atQuote) continue;
      }
      const end = n - at <= this.#asciiWindow ? n : at + this.#asciiWindow;
      this.push(asciiText(bytes, at, end));
      this.#asciiWindow = Math.min(this.#asciiWindow * 2, ASCII_WINDOW_MAX);
      at = end;
      if (this.#mode === M_ERROR || this.#result !== undefined) return;
    }
  }

  /**
   * #scanSkipped on bytes, outside strings: passes over the container up to its closing bracket
   * (then the value is done) or up to a quote (not consumed: the string is read as text).
   */
  #skipBytes(bytes: Uint8Array, start: number): number {
    const n = bytes.byteLength;
    const closers = this.#skipClosers;
    let i = start;
    while (i < n) {
      const j = this.#nextByteStop(bytes, i);
      if (j === n) {
        i = n;
        break;
      }
      const c = bytes[j];
      if (c === QUOTE) {
        i = j;
        break;
      }
      i = j + 1;
      if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
        if (this.#stack.length + closers.length >= MAX_NESTING) {
          return this.#fail(`nesting deeper than ${MAX_NESTING}`, j - start) + start;
        }
        closers.push(c + 2);
      } else if (c === closers[closers.length - 1]) {
        closers.pop();
        if (closers.length === 0) {
          this.#valueDone(undefined, false);
          break;
        }
      } else {
        return this.#fail(`unexpected ${describe(c)} in a skipped value`, j - start) + start;
      }
    }
    this.#consumed += i - start;
    return i;
  }

  /** #nextStop in the bytes of the current pushAscii call. */
  #nextByteStop(bytes: Uint8Array, from: number): number {
    const stopAt = this.#byteStopAt;
    let next = bytes.byteLength;
    for (let k = 0; k < stopAt.length; k++) {
      let at = stopAt[k];
      if (at < from) {
        at = bufferIndexOf.call(bytes, SKIP_STOP_BYTES[k], from);
        if (at === -1) at = bytes.byteLength;
        stopAt[k] = at;
      }
      if (at < next) next = at;
    }
    return next;
  }

  /**
   * The chunk is done with, but a kept string or number in it goes on in the next one: what was
   * collected of it becomes a copy of its own, so that the chunk is not held until the next arrives.
   */
  #detachOpenValue(): void {
    if (this.#mode === M_STRING && this.#strKeep && this.#strParts.length > this.#strOwnedParts) {
      const parts = this.#strParts;
      this.#strParts = [parts.length === 1 ? detached(parts[0]) : parts.join('')];
      this.#strOwnedParts = 1;
    } else if (this.#mode === M_NUMBER && this.#numKeep) {
      this.#numText = detached(this.#numText);
    }
  }

  #scan(text: string): void {
    const n = text.length;
    let i = 0;
    if (this.#skipKeys !== undefined) this.#stopAt.fill(-1); // a new chunk: nothing searched in it yet
    while (i < n) {
      switch (this.#mode) {
        case M_STRING:
          i = this.#scanString(text, i);
          break;
        case M_NUMBER:
          i = this.#scanNumber(text, i);
          break;
        case M_LITERAL:
          i = this.#scanLiteral(text, i);
          break;
        case M_SKIP:
          i = this.#scanSkipped(text, i);
          break;
        default: {
          const c = text.charCodeAt(i);
          if (isWhitespace(c)) i++;
          else i = this.#structural(text, i, c);
        }
      }
      if (this.#mode === M_ERROR) return;
    }
    this.#consumed += n;
  }

  /** Whether an error stopped the parser (a call, so that TypeScript does not narrow #mode across one). */
  #failed(): boolean {
    return this.#mode === M_ERROR;
  }

  /** Ends the input and returns the outcome; later calls return the same object. */
  end(): BoundedJsonResult {
    if (this.#result !== undefined) return this.#result;
    if (this.#mode === M_NUMBER) this.#finishNumber(this.#numState, '', 0, 0);
    if (this.#mode === M_DONE) {
      this.#result = { ok: true, value: this.#root, pruned: this.#pruned };
      return this.#result;
    }
    if (this.#error === undefined) this.#error = this.#started ? 'unexpected end of JSON input' : 'empty';
    this.#mode = M_ERROR;
    const result: BoundedJsonResult = { ok: false, error: this.#error, pruned: this.#pruned };
    if (this.#root !== undefined) result.value = this.#root;
    this.#result = result;
    return result;
  }

  #fail(message: string, at: number): number {
    this.#error = `${message} at position ${this.#consumed + at}`;
    this.#mode = M_ERROR;
    return at;
  }

  /** Handles one non-whitespace character outside strings, numbers and literals. */
  #structural(text: string, i: number, c: number): number {
    switch (this.#mode) {
      case M_AFTER_VALUE: {
        const frame = this.#stack[this.#stack.length - 1];
        if (c === 0x2c /* , */) {
          this.#mode = frame.isArray ? M_VALUE : M_KEY;
          return i + 1;
        }
        if (c === (frame.isArray ? 0x5d /* ] */ : 0x7d) /* } */) {
          this.#close();
          return i + 1;
        }
        return this.#fail(`unexpected ${describe(c)} after a value`, i);
      }
      case M_COLON:
        if (c !== 0x3a /* : */) return this.#fail(`expected ':' but found ${describe(c)}`, i);
        this.#mode = M_VALUE;
        return i + 1;
      case M_OBJECT_FIRST:
      case M_KEY:
        if (c === QUOTE) {
          this.#startKey();
          return i + 1;
        }
        if (c === 0x7d /* } */ && this.#mode === M_OBJECT_FIRST) {
          this.#close();
          return i + 1;
        }
        return this.#fail(`expected a key but found ${describe(c)}`, i);
      case M_ARRAY_FIRST:
        if (c === 0x5d /* ] */) {
          this.#close();
          return i + 1;
        }
        return this.#startValue(text, i, c);
      case M_VALUE:
        return this.#startValue(text, i, c);
      case M_DONE:
        return this.#fail(`unexpected ${describe(c)} after the JSON value`, i);
      default:
        return this.#fail('internal parser state', i);
    }
  }

  #startValue(text: string, i: number, c: number): number {
    this.#started = true;
    if (this.#skipNextValue) {
      this.#skipNextValue = false;
      // Strings, numbers and literals go the usual way, as values nobody keeps.
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) return this.#startSkip(c, i);
    }
    if (c === QUOTE) {
      this.#startString(false);
      return i + 1;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      this.#open(c === 0x5b, i);
      return i + 1;
    }
    if (c === 0x2d /* - */ || isDigit(c)) {
      this.#numKeep = this.#admit(SCALAR_COST);
      const end = completeNumberEnd(text, i);
      if (end !== -1) return this.#numberFromChunk(text, i, end);
      this.#numState = N_START;
      this.#numText = '';
      this.#numTooLong = false;
      this.#mode = M_NUMBER;
      return i; // the number scanner reads this character
    }
    if (c === 0x74 /* t */ || c === 0x66 /* f */ || c === 0x6e /* n */) {
      this.#literal = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
      this.#literalValue = c === 0x74 ? true : c === 0x66 ? false : null;
      this.#literalPos = 1;
      this.#literalKeep = this.#admit(SCALAR_COST);
      this.#mode = M_LITERAL;
      return i + 1;
    }
    return this.#fail(`unexpected ${describe(c)}`, i);
  }

  /**
   * Decides whether the value starting now is kept, and charges its cost if so.
   * Counts it as an item of its parent array either way.
   */
  #admit(cost: number): boolean {
    const stack = this.#stack;
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    if (parent !== undefined) {
      if (parent.container === undefined) return false; // inside a skipped container
      if (parent.isArray) {
        const index = parent.count++;
        if (parent.streaming) {
          parent.usedBeforeItem = this.#used;
        } else if (index >= this.#maxArrayItems) {
          this.#pruned = true;
          return false;
        }
      } else if (parent.key === undefined) {
        return false; // the member's key was dropped
      }
    }
    if (stack.length + 1 > this.#maxDepth || this.#used + cost > this.#maxTotalSize) {
      this.#pruned = true;
      return false;
    }
    this.#used += cost;
    return true;
  }

  #open(isArray: boolean, at: number): void {
    if (this.#stack.length >= MAX_NESTING) {
      this.#fail(`nesting deeper than ${MAX_NESTING}`, at);
      return;
    }
    let container: unknown[] | Record<string, unknown> | undefined;
    if (this.#admit(CONTAINER_COST)) {
      container = isArray ? [] : {};
      this.#attach(container);
    }
    this.#stack.push({
      isArray,
      container,
      count: 0,
      key: undefined,
      streaming: isArray && this.#stack.length === 0 && this.#onRootArrayItem !== undefined,
      usedBeforeItem: 0,
    });
    this.#mode = isArray ? M_ARRAY_FIRST : M_OBJECT_FIRST;
  }

  #close(): void {
    const frame = this.#stack.pop() as Frame;
    this.#valueDone(frame.container, frame.container !== undefined);
  }

  #startSkip(opener: number, at: number): number {
    if (this.#stack.length >= MAX_NESTING) return this.#fail(`nesting deeper than ${MAX_NESTING}`, at);
    this.#skipClosers.push(opener + 2); // `[` + 2 is `]`, `{` + 2 is `}`; the list is empty between skips
    this.#skipInString = false;
    this.#mode = M_SKIP;
    return at + 1;
  }

  /** Where the next quote or bracket is, at or after `from` (`text.length` when none). */
  #nextStop(text: string, from: number): number {
    const stopAt = this.#stopAt;
    let next = text.length;
    for (let k = 0; k < stopAt.length; k++) {
      let at = stopAt[k];
      if (at < from) {
        at = text.indexOf(SKIP_STOPS[k], from);
        if (at === -1) at = text.length;
        stopAt[k] = at;
      }
      if (at < next) next = at;
    }
    return next;
  }

  /** Passes over a skipped container, looking at its quotes, brackets and strings only; keeps nothing. */
  #scanSkipped(text: string, start: number): number {
    const n = text.length;
    const closers = this.#skipClosers;
    let i = start;
    while (i < n) {
      if (this.#skipInString) {
        // A string inside a skipped container: checked like any string, nothing collected.
        i = this.#scanString(text, i);
        if (this.#mode === M_ERROR) return i;
        continue;
      }
      const j = this.#nextStop(text, i);
      if (j === n) return n;
      const c = text.charCodeAt(j);
      i = j + 1;
      if (c === QUOTE) {
        this.#skipInString = true;
        this.#strKeep = false;
        this.#escape = E_NONE;
      } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
        if (this.#stack.length + closers.length >= MAX_NESTING)
          return this.#fail(`nesting deeper than ${MAX_NESTING}`, j);
        closers.push(c + 2);
      } else if (c === closers[closers.length - 1]) {
        closers.pop();
        if (closers.length === 0) {
          this.#valueDone(undefined, false);
          return i;
        }
      } else {
        return this.#fail(`unexpected ${describe(c)} in a skipped value`, j);
      }
    }
    return n;
  }

  /** Puts a kept value into its parent (containers are attached when they open). */
  #attach(value: unknown): void {
    const stack = this.#stack;
    if (stack.length === 0) {
      this.#root = value;
      return;
    }
    const parent = stack[stack.length - 1];
    if (parent.streaming) return; // handed to the callback once complete
    if (parent.isArray) (parent.container as unknown[]).push(value);
    else setMember(parent.container as Record<string, unknown>, parent.key as string, value);
  }

  /** A value just ended: move on in the parent, and hand top-level array items over. */
  #valueDone(value: unknown, kept: boolean): void {
    const stack = this.#stack;
    if (stack.length === 0) {
      this.#mode = M_DONE;
      return;
    }
    const parent = stack[stack.length - 1];
    this.#mode = M_AFTER_VALUE;
    if (!parent.isArray) {
      parent.key = undefined;
    } else if (parent.streaming && kept && this.#onRootArrayItem !== undefined) {
      this.#used = parent.usedBeforeItem;
      this.#onRootArrayItem(value, parent.count - 1);
    }
  }

  #startKey(): void {
    const frame = this.#stack[this.#stack.length - 1];
    this.#prunedBeforeKey = this.#pruned;
    let keep = false;
    if (frame.container !== undefined) {
      if (frame.count >= this.#maxKeys || this.#used + STRING_COST > this.#maxTotalSize) {
        this.#pruned = true;
      } else {
        keep = true;
        this.#used += STRING_COST;
      }
    }
    frame.count++;
    frame.key = undefined;
    this.#keyKept = keep;
    // Collected past maxStringLength when needed to tell a skip key from a longer key.
    const capacity = keep ? Math.max(this.#maxStringLength, this.#skipProbeLength) : this.#skipProbeLength;
    this.#beginString(true, keep || this.#skipKeys !== undefined, capacity);
  }

  #startString(isKey: boolean): void {
    const keep = this.#admit(STRING_COST);
    const room = this.#maxStringBudget - this.#used;
    this.#beginString(isKey, keep, Math.max(0, Math.min(this.#maxStringLength, room)));
  }

  #beginString(isKey: boolean, keep: boolean, capacity: number): void {
    this.#strIsKey = isKey;
    this.#strKeep = keep;
    this.#strCapacity = capacity;
    this.#strParts = [];
    this.#strOwnedParts = 0;
    this.#strLength = 0;
    this.#strTruncated = false;
    this.#escape = E_NONE;
    this.#mode = M_STRING;
  }

  #keepChars(text: string, from: number, to: number): void {
    if (!this.#strKeep || this.#strTruncated) return;
    const room = this.#strCapacity - this.#strLength;
    const take = Math.min(to - from, room);
    if (take < to - from) this.#strTruncated = true;
    if (take <= 0) return;
    this.#strParts.push(from === 0 && take === text.length ? text : text.slice(from, from + take));
    this.#strLength += take;
  }

  #keepCode(code: number): void {
    if (!this.#strKeep || this.#strTruncated) return;
    if (this.#strLength >= this.#strCapacity) {
      this.#strTruncated = true;
      return;
    }
    this.#strParts.push(String.fromCharCode(code));
    this.#strLength++;
  }

  #scanString(text: string, start: number): number {
    const n = text.length;
    let i = start;
    while (i < n) {
      if (this.#escape === E_NONE) {
        const j = findStringSpecial(text, i);
        if (j > i) this.#keepChars(text, i, j);
        if (j === n) return n;
        const c = text.charCodeAt(j);
        if (c === QUOTE) {
          if (this.#skipInString) this.#skipInString = false;
          else this.#endString();
          return j + 1;
        }
        if (c === BACKSLASH) {
          this.#escape = E_BACKSLASH;
          i = j + 1;
          continue;
        }
        return this.#fail(`unescaped control character ${describe(c)} in a string`, j);
      }
      const c = text.charCodeAt(i);
      if (this.#escape === E_BACKSLASH) {
        let code: number;
        switch (c) {
          case QUOTE:
          case BACKSLASH:
          case 0x2f /* / */:
            code = c;
            break;
          case 0x62 /* b */:
            code = 0x08;
            break;
          case 0x66 /* f */:
            code = 0x0c;
            break;
          case 0x6e /* n */:
            code = 0x0a;
            break;
          case 0x72 /* r */:
            code = 0x0d;
            break;
          case 0x74 /* t */:
            code = 0x09;
            break;
          case 0x75 /* u */:
            this.#escape = E_HEX;
            this.#hexDigits = 0;
            this.#hexCode = 0;
            i++;
            continue;
          default:
            return this.#fail(`bad escape ${describe(c)} in a string`, i);
        }
        this.#keepCode(code);
        this.#escape = E_NONE;
        i++;
        continue;
      }
      // E_HEX: surrogate pairs need no pairing logic, as JS strings are UTF-16 code units too.
      const digit = hexValue(c);
      if (digit < 0) return this.#fail(`bad \\u escape ${describe(c)} in a string`, i);
      this.#hexCode = this.#hexCode * 16 + digit;
      i++;
      if (++this.#hexDigits === 4) {
        this.#keepCode(this.#hexCode);
        this.#escape = E_NONE;
      }
    }
    return n;
  }

  #endString(): void {
    const parts = this.#strParts;
    const text = !this.#strKeep ? '' : parts.length === 1 ? parts[0] : parts.join('');
    this.#strParts = [];
    if (this.#strIsKey) {
      this.#endKey(text);
      return;
    }
    if (!this.#strKeep) {
      this.#valueDone('', false);
      return;
    }
    const value = this.#keptString(text, this.#strTruncated);
    this.#attach(value);
    this.#valueDone(value, true);
  }

  #endKey(text: string): void {
    const frame = this.#stack[this.#stack.length - 1];
    this.#mode = M_COLON;
    if (this.#skipKeys !== undefined && this.#skipKeys.has(text)) {
      // Undo what the key cost, as if the member were not in the text.
      frame.count--;
      if (this.#keyKept) this.#used -= STRING_COST;
      this.#pruned = this.#prunedBeforeKey;
      this.#skipNextValue = true;
      return;
    }
    if (!this.#keyKept) return;
    const cut = this.#strTruncated || text.length > this.#maxStringLength;
    frame.key = this.#keptString(cut ? text.slice(0, this.#maxStringLength) : text, cut);
  }

  /** The collected `text` as kept: charged to the budget, never half a surrogate pair where it was cut, a copy of its own. */
  #keptString(text: string, cut: boolean): string {
    let value = text;
    if (cut) {
      this.#pruned = true;
      if (value.length > 0 && isHighSurrogate(value.charCodeAt(value.length - 1))) value = value.slice(0, -1);
    }
    this.#used += value.length;
    return detached(value);
  }

  #scanNumber(text: string, start: number): number {
    const n = text.length;
    let state = this.#numState;
    let i = start;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case N_START:
          state = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : N_INT;
          continue;
        case N_MINUS:
          if (c === 0x30) state = N_ZERO;
          else if (isDigit(c)) state = N_INT;
          else return this.#fail(`expected a digit after '-' but found ${describe(c)}`, i);
          continue;
        case N_ZERO:
        case N_INT:
        case N_FRACTION:
          if (isDigit(c) && state !== N_ZERO) {
            // Runs of digits are most of an embeddings body: skip them in a tight loop.
            while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
            continue;
          }
          if (c === 0x2e /* . */ && state !== N_FRACTION) state = N_DOT;
          else if (c === 0x65 /* e */ || c === 0x45 /* E */) state = N_E;
          else return this.#finishNumber(state, text, start, i);
          continue;
        case N_DOT:
          if (!isDigit(c)) return this.#fail(`expected a digit after '.' but found ${describe(c)}`, i);
          state = N_FRACTION;
          continue;
        case N_E:
          if (c === 0x2b /* + */ || c === 0x2d /* - */) state = N_EXPONENT_SIGN;
          else if (isDigit(c)) state = N_EXPONENT;
          else return this.#fail(`expected an exponent but found ${describe(c)}`, i);
          continue;
        case N_EXPONENT_SIGN:
          if (!isDigit(c)) return this.#fail(`expected an exponent digit but found ${describe(c)}`, i);
          state = N_EXPONENT;
          continue;
        default: // N_EXPONENT
          if (isDigit(c)) continue;
          return this.#finishNumber(state, text, start, i);
      }
    }
    this.#numState = state;
    this.#holdNumberText(text, start, n);
    return n;
  }

  /** A number wholly inside this chunk: no state to keep between chunks. */
  #numberFromChunk(text: string, start: number, end: number): number {
    let keep = this.#numKeep;
    let value = 0;
    if (keep) {
      if (end - start > MAX_NUMBER_LENGTH) {
        keep = false;
        this.#pruned = true;
      } else {
        value = Number(text.slice(start, end));
        this.#attach(value);
      }
    }
    this.#valueDone(value, keep);
    return end;
  }

  #holdNumberText(text: string, from: number, to: number): void {
    if (!this.#numKeep || this.#numTooLong) return;
    if (this.#numText.length + (to - from) > MAX_NUMBER_LENGTH) {
      this.#numTooLong = true;
      this.#numText = '';
      return;
    }
    this.#numText += text.slice(from, to);
  }

  /** The number ended before `text[end]` (or at the end of input); returns where to go on. */
  #finishNumber(state: number, text: string, start: number, end: number): number {
    if (state !== N_ZERO && state !== N_INT && state !== N_FRACTION && state !== N_EXPONENT) {
      return this.#fail('unexpected end of a number', end);
    }
    let keep = this.#numKeep;
    let value = 0;
    if (keep) {
      this.#holdNumberText(text, start, end);
      if (this.#numTooLong) {
        keep = false;
        this.#pruned = true;
      } else {
        value = Number(this.#numText);
        this.#attach(value);
      }
    }
    this.#numText = '';
    this.#valueDone(value, keep);
    return end;
  }

  #scanLiteral(text: string, start: number): number {
    const literal = this.#literal;
    let i = start;
    for (; i < text.length && this.#literalPos < literal.length; i++, this.#literalPos++) {
      if (text.charCodeAt(i) !== literal.charCodeAt(this.#literalPos)) {
        return this.#fail(`unexpected ${describe(text.charCodeAt(i))} in '${literal}'`, i);
      }
    }
    if (this.#literalPos === literal.length) {
      if (this.#literalKeep) this.#attach(this.#literalValue);
      this.#valueDone(this.#literalValue, this.#literalKeep);
    }
    return i;
  }
}

/** Bodies up to this many characters go through `JSON.parse` in `parseJsonBounded`. */
export const JSON_FAST_PATH_MAX_LENGTH = 64 * 1024;

/**
 * Parses a complete body. Up to `JSON_FAST_PATH_MAX_LENGTH` characters it uses `JSON.parse`
 * (native and much faster; such a body is small already, so limits are NOT applied and
 * `pruned` is false). Larger bodies, and text that `JSON.parse` rejects (to get the error
 * and the partial value), go through `BoundedJsonParser` with `options`.
 */
export function parseJsonBounded(text: string, options?: BoundedJsonParserOptions): BoundedJsonResult {
  if (text.length <= JSON_FAST_PATH_MAX_LENGTH && options?.onRootArrayItem === undefined) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown, pruned: false };
    } catch {
      // Fall through: the incremental parser says what is wrong and keeps the partial value.
    }
  }
  const parser = new BoundedJsonParser(options);
  parser.push(text);
  return parser.end();
}
