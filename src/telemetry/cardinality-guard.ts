/**
 * Caps the number of distinct values one metric label may take. Values seen before the cap is hit
 * pass through; new values after it collapse into `OVERFLOW_VALUE`. A relay that answers with
 * random model names therefore cannot grow the number of metric series without bound.
 */
import { OTHER_ERROR_TYPE } from '../wire/errors';

export const OVERFLOW_VALUE = OTHER_ERROR_TYPE;

export class CardinalityGuard {
  readonly maxValues: number;
  private readonly _onFirstOverflow: (value: string) => void;
  private readonly _seen = new Set<string>();
  private _overflowed = false;

  constructor(maxValues: number, onFirstOverflow: (value: string) => void = () => {}) {
    this.maxValues = maxValues;
    this._onFirstOverflow = onFirstOverflow;
  }

  /** The value to use as the label: the value itself, or `_OTHER` once the cap is reached. */
  admit(value: string): string {
    if (this._seen.has(value)) return value;
    if (this._seen.size < this.maxValues) {
      this._seen.add(value);
      return value;
    }
    if (!this._overflowed) {
      this._overflowed = true;
      this._onFirstOverflow(value);
    }
    return OVERFLOW_VALUE;
  }

  get size(): number {
    return this._seen.size;
  }
}
