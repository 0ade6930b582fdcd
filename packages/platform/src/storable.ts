/**
 * Strings PostgreSQL cannot store: `text` and `jsonb` refuse U+0000 (SQLSTATE 22P05 / 22021), and
 * an unpaired UTF-16 surrogate has no UTF-8 encoding (`jsonb` refuses its `\u` escape with 22P02,
 * and in a `text` parameter it would silently become U+FFFD).
 * JSON lets a client send both (`"\u0000"`, `"\ud800"`), so they are refused where input enters:
 * the platform's validator runs `findUnstorable` on every validated part of every request.
 */

// A cheap pre-filter: most strings contain neither NUL nor any surrogate.
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this looks for.
const SUSPECT = /[\u0000\ud800-\udfff]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null when it can. */
export type UnstorableReason = 'nul' | 'surrogate';

/**
 * @example
 * unstorableReason('a\u0000b') // 'nul'
 * unstorableReason('\ud83d')   // 'surrogate' (half an emoji)
 * unstorableReason('😀')       // null
 */
export function unstorableReason(value: string): UnstorableReason | null {
  if (!SUSPECT.test(value)) return null;
  if (value.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(value) ? 'surrogate' : null;
}

const MESSAGES: Record<UnstorableReason, string> = {
  nul: 'must not contain U+0000 (NUL)',
  surrogate: 'must not contain an unpaired UTF-16 surrogate',
};

/** One unstorable string: where it is (JSON pointer, as Ajv writes `instancePath`) and why. */
export interface UnstorableString {
  instancePath: string;
  message: string;
}

/** A key as it may appear in a field name: its unstorable characters written as `\uXXXX`. */
function printableKey(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this escapes.
  return key.replace(/[\u0000\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON-pointer escaping of one segment, as Ajv does it. */
const segment = (key: string) => printableKey(key).replace(/~/g, '~0').replace(/\//g, '~1');

/** Where a value sits: its key (as it is) and its parent's place (null at the top). */
type Place = { parent: Place; key: string } | null;

function pointer(place: Place): string {
  let path = '';
  for (let p = place; p !== null; p = p.parent) path = `/${segment(p.key)}${path}`;
  return path;
}

/**
 * Every string in `value` — object keys included, at any depth — that PostgreSQL cannot store.
 * Iterative (a 64 KiB body may nest thousands of levels) and stops after `limit` findings. It runs
 * on every validated part of every request, so a string's JSON pointer is built only for a finding.
 * @example
 * findUnstorable({ metadata: { 'a\u0000': 1 } }) // [{ instancePath: '/metadata/a\\u0000', message: 'key must not contain U+0000 (NUL)' }]
 */
export function findUnstorable(value: unknown, limit = 20): UnstorableString[] {
  const found: UnstorableString[] = [];
  const stack: Array<[unknown, Place]> = [[value, null]];
  while (stack.length > 0 && found.length < limit) {
    const [current, place] = stack.pop() as [unknown, Place];
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) found.push({ instancePath: pointer(place), message: MESSAGES[reason] });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], { parent: place, key: String(i) }]);
    } else if (current !== null && typeof current === 'object') {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const reason = unstorableReason(key);
        const here = { parent: place, key };
        if (reason) found.push({ instancePath: pointer(here), message: `key ${MESSAGES[reason]}` });
        stack.push([(current as Record<string, unknown>)[key], here]);
      }
    }
  }
  return found;
}
