/*
 * The metricAttributesHook's attributes, bounded like model names: each key keeps at most
 * `maxValuesPerKey` distinct values (later new ones become `_OTHER`), and at most MAX_HOOK_KEYS
 * distinct keys are kept (later new keys are dropped). A hook that puts a user id or a request id
 * in a label therefore cannot grow the number of metric series without bound.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { CardinalityGuard, OVERFLOW_VALUE } from './cardinality-guard';

export const MAX_HOOK_KEYS = 16;

function valueKey(value: AttributeValue): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

export class HookAttributeGuard {
  private readonly _maxValuesPerKey: number;
  private readonly _onOverflow: (what: string, value: string) => void;
  private readonly _keys = new Map<string, CardinalityGuard>();
  private _keysOverflowed = false;

  /** `onOverflow(what, value)` is called once per key that reaches its cap, and once when keys do. */
  constructor(maxValuesPerKey: number, onOverflow: (what: string, value: string) => void) {
    this._maxValuesPerKey = maxValuesPerKey;
    this._onOverflow = onOverflow;
  }

  /** The attributes to record: known values as they are, values past a key's cap as `_OTHER`. */
  cap(attributes: Attributes | undefined): Attributes | undefined {
    if (attributes === undefined) return undefined;
    const capped: Attributes = {};
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined || value === null) continue;
      let guard = this._keys.get(key);
      if (guard === undefined) {
        if (this._keys.size >= MAX_HOOK_KEYS) {
          if (!this._keysOverflowed) {
            this._keysOverflowed = true;
            this._onOverflow('metricAttributesHook key', key);
          }
          continue;
        }
        guard = new CardinalityGuard(this._maxValuesPerKey, overflow =>
          this._onOverflow(`metricAttributesHook "${key}"`, overflow),
        );
        this._keys.set(key, guard);
      }
      capped[key] = guard.admit(valueKey(value)) === OVERFLOW_VALUE ? OVERFLOW_VALUE : value;
    }
    return capped;
  }
}
