/*
 * Collects a JSON body as it arrives. Most LLM request and response bodies are a few KiB: those
 * are kept as text and handed to the native JSON.parse at the end, far cheaper than parsing
 * character by character. Past NATIVE_PARSE_MAX_LENGTH the text goes to the incremental
 * BoundedJsonParser, so memory stays bounded whatever the body size.
 *
 * `skipKeys` reaches the bounded parser only: a body parsed natively keeps those members (it is
 * small, and whoever names skip keys never reads them), so do not rely on their absence.
 */
import { asciiText } from '../http/utf8-text';
import { BoundedJsonParser, parseJsonBounded } from './bounded-json-parser';
import type { BoundedJsonParserOptions, BoundedJsonResult } from './bounded-json-parser';

export type JsonBodyCollectorOptions = Pick<BoundedJsonParserOptions, 'skipKeys'>;

/** Bodies up to this many characters are parsed natively at the end; larger ones as they pass. */
export const NATIVE_PARSE_MAX_LENGTH = 16 * 1024;

export class JsonBodyCollector {
  private readonly _options: JsonBodyCollectorOptions;
  private _pieces: string[] | undefined = [];
  private _length = 0;
  private _parser: BoundedJsonParser | undefined;

  constructor(options: JsonBodyCollectorOptions = {}) {
    this._options = options;
  }

  push(text: string): void {
    if (this._parser) {
      this._parser.push(text);
      return;
    }
    this._length += text.length;
    this._pieces!.push(text);
    if (this._length > NATIVE_PARSE_MAX_LENGTH) {
      this._parser = new BoundedJsonParser(this._options);
      for (const piece of this._pieces!) this._parser.push(piece);
      this._pieces = undefined;
    }
  }

  /** `push` of the text of bytes that are all ASCII (see BoundedJsonParser.pushAscii). */
  pushAscii(bytes: Uint8Array): void {
    if (this._parser) this._parser.pushAscii(bytes);
    else if (bytes.byteLength > 0) this.push(asciiText(bytes));
  }

  end(): BoundedJsonResult {
    if (this._parser) return this._parser.end();
    const text = this._pieces!.join('');
    this._pieces = undefined;
    return parseJsonBounded(text, this._options);
  }
}
