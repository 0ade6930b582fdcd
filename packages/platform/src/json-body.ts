import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpError } from './errors.ts';

/** `charset=` of a Content-Type; JSON is UTF-8 (RFC 8259), so only that is taken. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Number literals `JSON.parse` would change without a word: out of a double's range (`1e400`
 * becomes Infinity, stored as null; `1e-400` becomes 0) or integers past 2^53 (rounded). Cheap
 * to test; only a body it matches is scanned token by token.
 */
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{3}/;
/** A string (skipped whole, escapes included) or a number token of valid JSON. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** The first number literal of a (valid) JSON text that does not survive as a double, if any. */
function inexactNumber(text: string): string | undefined {
  if (!MAYBE_INEXACT.test(text)) return undefined;
  for (const [token] of text.matchAll(TOKEN)) {
    if (token.startsWith('"')) continue;
    const value = Number(token);
    if (!Number.isFinite(value)) return token;
    if (value === 0 && /[1-9]/.test(token.split(/[eE]/)[0] ?? '')) return token;
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(value)) return token;
  }
  return undefined;
}

/**
 * The APIs' `application/json` parser. A body is UTF-8 JSON, taken exactly as sent or refused
 * with a 4xx in the envelope: another charset or a Content-Encoding is a 415, bytes that are not
 * UTF-8 or a number a double cannot hold are 400s (decoding them as the parser would turn them
 * into U+FFFD, null or a rounded value, and store that). An empty body is no input (`undefined`):
 * many clients send `Content-Type: application/json` with every POST, and a command without
 * required fields then takes no body; where input is required, validation says so.
 * @example
 * fastify.removeContentTypeParser('application/json');
 * fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(fastify));
 */
export function jsonBodyParser(fastify: FastifyInstance) {
  // Fastify's own: refuses `__proto__` and `constructor.prototype` keys (prototype poisoning).
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const refused = refusedEncoding(request);
    if (refused) return done(refused);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (!isUtf8(bytes)) return done(httpError('INVALID_JSON', 'request body is not valid UTF-8'));
    const text = bytes.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, (err, value) => {
      if (err) return done(isJson(text) ? prototypeKeyRefused() : err);
      const inexact = inexactNumber(text);
      if (inexact === undefined) return done(null, value);
      done(
        httpError('VALIDATION', `the number ${inexact.slice(0, 40)} cannot be kept exactly`, {
          errors: {
            body: [
              'numbers must fit a double: at most ±1.7976931348623157e308, not rounding to 0, and integers within ±9007199254740991 (send larger ones as strings)',
            ],
          },
        }),
      );
    });
  };
}

function refusedEncoding(request: FastifyRequest): Error | undefined {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return httpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding.slice(0, 40)} is not accepted: send the body uncompressed`,
    );
  }
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return httpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `JSON bodies are UTF-8: charset=${charset.slice(0, 40)} is not accepted`,
    );
  }
  return undefined;
}

/** Whether a text Fastify's parser refused parses as plain JSON: then it was refused for its keys. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const prototypeKeyRefused = () =>
  httpError('INVALID_JSON', 'request body has a "__proto__" or "constructor.prototype" key, which is refused');
