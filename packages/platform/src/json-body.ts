import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { httpError } from './errors.ts';

/**
 * The APIs' `application/json` parser. A body is UTF-8 JSON, taken exactly as sent or refused
 * with a 4xx in the envelope: another charset or a Content-Encoding is a 415, bytes that are not
 * UTF-8 or a number a double cannot hold are 400s (decoding them as a parser would turns them into
 * U+FFFD, null or a rounded value, and stores that), as is a key repeated in one object (a parser
 * keeps one of them silently), and so are `__proto__` and
 * `constructor.prototype` keys (prototype poisoning; Fastify's own parser refuses them alike). An
 * empty body is no input (`undefined`): many clients send `Content-Type: application/json` with
 * every POST, and a command without required fields then takes no body; where input is required,
 * validation says so.
 * @example
 * fastify.removeContentTypeParser('application/json');
 * fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (request, body) =>
 *   readJsonBody(request, body),
 * );
 */
export function readJsonBody(request: FastifyRequest, body: string | Buffer): unknown {
  const refused = refusedEncoding(request);
  if (refused) throw refused;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (!isUtf8(bytes)) throw httpError('INVALID_JSON', 'request body is not valid UTF-8');
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const poisoned = err instanceof SyntaxError && /forbidden prototype property/.test(err.message);
    throw httpError(
      'INVALID_JSON',
      poisoned
        ? 'request body has a "__proto__" or "constructor.prototype" key, which is refused'
        : 'request body is not valid JSON',
    );
  }
  const repeated = repeatedKey(text);
  if (repeated !== undefined) {
    throw httpError(
      'INVALID_JSON',
      `request body has the key ${JSON.stringify(repeated.slice(0, 40))} more than once in one object`,
    );
  }
  const inexact = inexactNumber(text);
  if (inexact === undefined) return value;
  throw httpError('VALIDATION', `the number ${inexact.token.slice(0, 40)} cannot be kept exactly`, {
    errors: {
      [pathOfNumber(value, inexact.ordinal) ?? 'body']: [
        'must fit a double: at most ±1.7976931348623157e308, not rounding to 0, and integers within ±9007199254740991 (send larger ones as strings)',
      ],
    },
  });
}

/**
 * Whether a body may hold a number literal `JSON.parse` changes: 16 digits in a row, or an
 * exponent of two digits or more. Cheap; only a body it matches is scanned.
 */
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{2}/;
const TWO_TO_THE_63 = 2 ** 63;

/**
 * The first number literal of a (valid) JSON text that does not survive as a double: out of range
 * (`1e400` becomes Infinity, stored as null; `1e-400` becomes 0), an integer written past 2^53
 * (rounded), or any spelling of an integral value between 2^53 and 2^63, where 64-bit ids live
 * (`9.007199254740993e15`). A linear scan that skips strings: no regular expression over a string of
 * any length, no stack.
 */
function inexactNumber(text: string): { token: string; ordinal: number } | undefined {
  if (!MAYBE_INEXACT.test(text)) return undefined;
  const end = text.length;
  let i = 0;
  let ordinal = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i);
    } else if (c === MINUS || isDigit(c)) {
      let j = i + 1;
      while (j < end && isNumberPart(text.charCodeAt(j))) j++;
      const token = text.slice(i, j);
      if (!survives(token)) return { token, ordinal };
      ordinal++;
      i = j;
    } else i++;
  }
  return undefined;
}

/**
 * The first key that one object of a (valid) JSON text names twice, decoded: `JSON.parse` keeps the
 * last one silently. A linear scan with a stack of the keys of each open object (arrays hold none).
 */
function repeatedKey(text: string): string | undefined {
  const open: Array<Set<string> | null> = [];
  const end = text.length;
  let i = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = afterString(text, i);
      const keys = open.at(-1);
      if (!keys) continue;
      let j = i;
      while (j < end && isJsonSpace(text.charCodeAt(j))) j++;
      // In valid JSON, a string followed by a colon is a key.
      if (text.charCodeAt(j) !== COLON) continue;
      const raw = text.slice(start, i);
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return key;
      keys.add(key);
    } else {
      if (c === OPEN_BRACE) open.push(new Set());
      else if (c === OPEN_BRACKET) open.push(null);
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) open.pop();
      i++;
    }
  }
  return undefined;
}

/** The index just after the string literal whose opening quote is at `start` (of a valid JSON text). */
function afterString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === BACKSLASH) i += 2;
    else {
      i++;
      if (d === QUOTE) break;
    }
  }
  return i;
}

/**
 * The field path (`metadata.x`, `destinations.0.site_id`; `body` for the body itself) of
 * the `ordinal`-th number of a parsed body, in the order of its text. Undefined when the order
 * cannot be trusted (an object with integer-like keys, which JavaScript lists first): the error then
 * names the body. An explicit stack: nesting of any depth.
 */
function pathOfNumber(value: unknown, ordinal: number): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  let seen = 0;
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'number') {
      if (seen++ === ordinal) return path === '' ? 'body' : path;
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (!Array.isArray(node) && entries.some(([key]) => /^(0|[1-9]\d*)$/.test(key))) return undefined;
      for (let k = entries.length - 1; k >= 0; k--) {
        const [key, inner] = entries[k]!;
        stack.push([inner, path === '' ? key : `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

function survives(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  const [mantissa = ''] = token.split(/[eE]/);
  if (value === 0) return !/[1-9]/.test(mantissa);
  if (Number.isSafeInteger(value) || !Number.isInteger(value)) return true;
  // Integral and past 2^53: exact only by chance. Refused when written as an integer, or when it
  // lies where integer ids do; `1e300` (a float's magnitude) is taken.
  return !/^-?\d+$/.test(token) && Math.abs(value) >= TWO_TO_THE_63;
}

const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Space, tab, line feed, carriage return: JSON's whitespace. */
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** Digits, `.`, `e`, `E`, `+`, `-`: outside strings, nothing else follows a number's first character. */
const isNumberPart = (c: number) => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;

/** Charsets whose bytes are UTF-8 (US-ASCII is a subset). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

function refusedEncoding(request: FastifyRequest): Error | undefined {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return httpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding.slice(0, 40)} is not accepted: send the body uncompressed`,
    );
  }
  const charset = charsetOf(request.headers['content-type'] ?? '');
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    return httpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `JSON bodies are UTF-8: charset=${charset.slice(0, 40)} is not accepted`,
    );
  }
  return undefined;
}

/**
 * The `charset` parameter of a Content-Type, lower-cased, unquoted; undefined when absent or empty.
 * Parameters are read in order, a quoted value whole (a `;charset=` inside one is not a parameter).
 */
function charsetOf(contentType: string): string | undefined {
  const semicolon = contentType.indexOf(';');
  if (semicolon === -1) return undefined;
  for (const [, name = '', value = ''] of contentType
    .slice(semicolon)
    .matchAll(/;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    if (name.toLowerCase() !== 'charset') continue;
    const unquoted = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    return unquoted === '' ? undefined : unquoted;
  }
  return undefined;
}
