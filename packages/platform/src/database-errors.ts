import { type BackoffPolicy, createBackoff, errorCode, errorMessage, sleep } from '@publisher/coordination';

/**
 * Recognises errors that mean "the database cannot serve us right now" (connection refused or lost,
 * server shutting down or starting, too many connections, pool and query timeouts), as opposed to
 * errors in our own SQL. Those map to 503 with Retry-After, and go away by themselves when PostgreSQL
 * returns. The one such test of every PostgreSQL client here, the event store's included (imported
 * as `@publisher/platform/database-errors`, apart from the HTTP platform).
 */

/** Socket-level error codes meaning "the server cannot be reached right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATE classes/codes: 08 connection exception, 57P01-57P03 admin shutdown / crash / cannot
// connect now, 57014 cancelled by statement_timeout, 25P03 idle-in-transaction timeout, 53 insufficient
// resources (too many connections, a full disk), 58 system error.
const SQLSTATE_PREFIXES = ['08', '57P', '53', '58', '57014', '25P03'];

/** node-postgres reports some connection failures only through their message. */
const MESSAGE_HINTS = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection closed',
  'connect ECONNREFUSED',
  'Cannot use a pool after calling end',
  // node-postgres' client-side query_timeout: the server or the network stopped answering.
  'Query read timeout',
];

/**
 * @example
 * try { await pool.query('select 1') } catch (err) { if (isDatabaseUnavailable(err)) throw httpError('DATABASE_UNAVAILABLE', '…') }
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = errorCode(e);
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      if (SQLSTATE_PREFIXES.some((p) => code.startsWith(p)) && /^[0-9A-Z]{5}$/.test(code)) return true;
    }
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    if (MESSAGE_HINTS.some((hint) => e instanceof Error && e.message.includes(hint))) return true;
  }
  return false;
}

/** Jittered, so instances started together do not retry in lockstep; 30 waits average about half a minute in all. */
const START_BACKOFF: BackoffPolicy = { firstMs: 250, maxMs: 2000, jitter: 'full' };
const START_ATTEMPTS = 30;

/**
 * A start-up step that needs the database (a migration, opening the event store), run again while
 * the database is unavailable — a service started beside PostgreSQL (a compose file, a rolling
 * restart) waits for it instead of exiting — and given up after about half a minute, when the error
 * goes to the caller (the service then exits, for its supervisor to start it again). Other errors
 * are thrown at once.
 * @example
 * await retryWhileUnavailable(log, 'read model migration', () => migrateReadModel(pool, { logger: log }));
 */
export async function retryWhileUnavailable<T>(
  log: { warn(details: object, message: string): void },
  what: string,
  run: () => Promise<T>,
  isUnavailable: (err: unknown) => boolean = isDatabaseUnavailable,
): Promise<T> {
  const retry = createBackoff(START_BACKOFF);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isUnavailable(err) || attempt >= START_ATTEMPTS) throw err;
      log.warn({ attempt, reason: errorMessage(err) }, `${what}: database unavailable, retrying`);
      await sleep(retry.next());
    }
  }
}

/**
 * SQLSTATEs of a value PostgreSQL refused as data: 22P05 untranslatable character (`\u0000` in
 * `jsonb`), 22021 character not in repertoire (NUL in `text`), 22P02 invalid text representation
 * (an unpaired surrogate escape in `jsonb`, a malformed number or uuid). The validator refuses such input first;
 * this is the backstop that keeps anything it misses a 400 instead of a 500.
 */
const INVALID_DATA_SQLSTATES = new Set(['22P05', '22021', '22P02']);

/**
 * @example
 * if (isRefusedInput(err)) reply.code(400)
 */
export function isRefusedInput(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = errorCode(e);
    if (typeof code === 'string' && INVALID_DATA_SQLSTATES.has(code)) return true;
  }
  return false;
}
