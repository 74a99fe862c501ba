/*
 * Model names as relays and vendors spell them, reduced to keys for price lookup and for telling
 * whether a relay answered with another model than the one asked for. The normalised forms are
 * for matching only: labels and span attributes keep the names exactly as seen.
 */
import { BUILT_IN_PRICES } from './price-table';

/** Longer names are not looked up at all (model names can be attacker-controlled). */
export const MAX_MODEL_NAME_LENGTH = 200;

/** Bedrock-style vendor prefixes (`us.anthropic.`, `meta.`); `/`-prefixes are handled apart. */
const DOTTED_VENDOR_PREFIX =
  /^(?:(?:us|eu|apac|au|jp|global)\.)?(?:anthropic|meta|mistral|amazon|cohere|ai21|deepseek|qwen|openai)\./;
/** Claude 3.x and some relays put the version first: `claude-3-5-sonnet`, `claude-4-5-sonnet`. */
const CLAUDE_VERSION_FIRST = /^claude-(\d+(?:-\d+)?)-(opus|sonnet|haiku)(?=[-@]|$)/;

/** Suffixes that only pin a snapshot of the same model; stripped one at a time from the end. */
const VERSION_SUFFIXES: readonly RegExp[] = [
  /@[^@]*$/, // Vertex: claude-sonnet-4-5@20250929, gemini-2.0-flash@001
  /-v?\d+:\d+$/, // Bedrock: ...-20241022-v2:0, openai.gpt-oss-120b-1:0
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI: -2025-04-14
  /-preview(?:-\d{2}-\d{2}|-\d{2}-\d{4}|-\d{4})?$/, // Gemini: -preview-05-20, -preview-09-2025
  /-latest$/,
  /-\d{3,8}$/, // Anthropic -20250929, Gemini -001, Mistral -2411, OpenAI -0613
  /-0$/, // Anthropic alias claude-sonnet-4-0 (= 4)
];

/**
 * Words that make a longer name a different product or tier than a shorter table name it starts
 * with (`gpt-4o-mini-search`, `gpt-5-pro`, `o4-mini-deep-research`): no price is borrowed across them.
 */
const DISTINCT_PRODUCT_WORDS = new Set([
  'mini',
  'nano',
  'lite',
  'small',
  'medium',
  'large',
  'pro',
  'max',
  'plus',
  'turbo',
  'flash',
  'ultra',
  'opus',
  'sonnet',
  'haiku',
  'instant',
  'realtime',
  'audio',
  'tts',
  'transcribe',
  'search',
  'image',
  'live',
  'embedding',
  'research',
  'exp',
  'free',
]);

/**
 * Lower case, no `vendor/` or Bedrock prefix, dots as dashes (`claude-sonnet-4.5` = `claude-sonnet-4-5`),
 * Claude names tier-first. Snapshot suffixes are kept: this is the key for an exact match.
 */
export function canonicalModelName(name: string): string {
  let s = name.trim().toLowerCase();
  const slash = s.lastIndexOf('/');
  if (slash >= 0) s = s.slice(slash + 1);
  s = s.replace(DOTTED_VENDOR_PREFIX, '').replace(/\./g, '-');
  return s.replace(CLAUDE_VERSION_FIRST, 'claude-$2-$1');
}

/**
 * The lookup key of a model name: {@link canonicalModelName} without date/version/`-latest`/
 * `-preview` suffixes, so `openai/GPT-4.1-2025-04-14` → `gpt-4-1` and
 * `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`. Never use it as a label.
 */
export function normalizeModelForLookup(name: string): string {
  let s = canonicalModelName(name);
  // Real names stack two suffixes at most (`-20241022-v2:0`); the pass limit bounds the work.
  for (let pass = 0; pass < 4; pass++) {
    const before = s;
    for (const suffix of VERSION_SUFFIXES) s = s.replace(suffix, '');
    if (s === before || s === '') break;
  }
  return s === '' ? canonicalModelName(name) : s;
}

interface IndexedName<T> {
  normalized: string;
  /** Written with a snapshot suffix: it yields to an unsuffixed name with the same key. */
  pinned: boolean;
  values: T[];
}

/**
 * Finds the table entries for a model name: exact (canonical) name first, then the normalised
 * name, then the longest table name the normalised name starts with at a `-` boundary, unless the
 * rest starts with a version number or names another product or tier (see DISTINCT_PRODUCT_WORDS).
 * Several values under one name are alternatives (e.g. one per host), kept in insertion order.
 */
export class ModelNameIndex<T extends { model: string }> {
  readonly #byCanonical = new Map<string, IndexedName<T>>();
  readonly #byNormalized = new Map<string, IndexedName<T>>();

  /** Adds alternatives under a name; `replace` drops whatever the name had before. */
  add(value: T, replace = false): void {
    const canonical = canonicalModelName(value.model);
    if (canonical === '') return;
    const existing = this.#byCanonical.get(canonical);
    if (existing && !replace) {
      existing.values.push(value);
      return;
    }
    const normalized = normalizeModelForLookup(value.model);
    const entry: IndexedName<T> = { normalized, pinned: normalized !== canonical, values: [value] };
    this.#byCanonical.set(canonical, entry);
    const holder = this.#byNormalized.get(normalized);
    if (!holder || holder === existing || (holder.pinned && !entry.pinned)) this.#byNormalized.set(normalized, entry);
  }

  /** The alternatives for a name, or undefined when nothing matches. */
  match(name: string | undefined): readonly T[] | undefined {
    if (!name || name.length > MAX_MODEL_NAME_LENGTH) return undefined;
    const exact = this.#byCanonical.get(canonicalModelName(name));
    if (exact) return exact.values;
    const normalized = normalizeModelForLookup(name);
    const byKey = this.#byNormalized.get(normalized);
    if (byKey) return byKey.values;
    return this.#matchPrefix(normalized);
  }

  #matchPrefix(normalized: string): readonly T[] | undefined {
    for (let cut = normalized.lastIndexOf('-'); cut > 0; cut = normalized.lastIndexOf('-', cut - 1)) {
      const rest = normalized.slice(cut + 1);
      if (/^\d/.test(rest) || rest.split('-').some(word => DISTINCT_PRODUCT_WORDS.has(word))) continue;
      const entry = this.#byNormalized.get(normalized.slice(0, cut));
      if (entry) return entry.values;
    }
    return undefined;
  }
}

const builtInIndex = new ModelNameIndex<{ model: string }>();
for (const entry of BUILT_IN_PRICES) builtInIndex.add(entry);

/**
 * Names one vendor points at whichever model is current in a line: treated as one family.
 * DeepSeek's `deepseek-chat` is the non-thinking mode of its current V3.x, `deepseek-reasoner`
 * the thinking mode (historically R1).
 */
const FAMILY_ALIASES: readonly (readonly [RegExp, string])[] = [
  [/^deepseek-chat$/, 'deepseek-v3'],
  [/^deepseek-v3(?:-\d+)?(?:-[a-z]+)*$/, 'deepseek-v3'],
  [/^deepseek-reasoner$/, 'deepseek-r1'],
];

/**
 * The family of a model: the built-in table's name it matches, without snapshot suffixes, with
 * vendor aliases resolved; for a name the table does not know, its normalised form.
 */
export function modelFamily(name: string): string {
  const known = builtInIndex.match(name)?.[0];
  const base = normalizeModelForLookup(known ? known.model : name);
  for (const [pattern, family] of FAMILY_ALIASES) if (pattern.test(base)) return family;
  return base;
}

/** Whether the built-in table knows this model name (exactly, normalised or by prefix). */
export function isKnownModel(name: string | undefined): boolean {
  return builtInIndex.match(name) !== undefined;
}

/**
 * True when a relay answered with another model family or tier than requested, beyond snapshot
 * suffixes, `vendor/` prefixes, case and vendor aliases (`gpt-4.1` → `gpt-4.1-mini` is one;
 * `gpt-4.1` → `gpt-4.1-2025-04-14` is not). No verdict (false) when either name is missing or the
 * requested name is not a model the built-in table knows (Azure deployment names, routers).
 */
export function isSubstitution(requested: string | undefined, responded: string | undefined): boolean {
  if (!requested || !responded || responded.length > MAX_MODEL_NAME_LENGTH) return false;
  if (requested.length > MAX_MODEL_NAME_LENGTH) return false;
  return isKnownModel(requested) && modelFamily(requested) !== modelFamily(responded);
}

/** Most verdicts a SubstitutionCheck remembers; then it starts afresh (names can be anything). */
export const MAX_REMEMBERED_VERDICTS = 1000;

/** {@link isSubstitution} with its verdicts remembered: every call asks it of the same few pairs. */
export class SubstitutionCheck {
  readonly #verdicts = new Map<string, boolean>();
  /** The last pair asked about and its verdict, answered without building the map key. */
  #lastRequested: string | undefined;
  #lastResponded: string | undefined;
  #lastVerdict = false;

  isSubstitution(requested: string | undefined, responded: string | undefined): boolean {
    if (!requested || !responded) return false;
    if (requested === this.#lastRequested && responded === this.#lastResponded) return this.#lastVerdict;
    const verdict = this.#remembered(requested, responded);
    this.#lastRequested = requested;
    this.#lastResponded = responded;
    this.#lastVerdict = verdict;
    return verdict;
  }

  #remembered(requested: string, responded: string): boolean {
    const key = `${requested}\n${responded}`;
    const known = this.#verdicts.get(key);
    if (known !== undefined) return known;
    const verdict = isSubstitution(requested, responded);
    if (this.#verdicts.size >= MAX_REMEMBERED_VERDICTS) this.#verdicts.clear();
    this.#verdicts.set(key, verdict);
    return verdict;
  }

  /** Number of remembered verdicts (never above {@link MAX_REMEMBERED_VERDICTS}). */
  get size(): number {
    return this.#verdicts.size;
  }
}
