/**
 * Every error code a Publisher service answers with, and its HTTP status: the one table (the
 * platform README's "Error codes" lists when each is used). It lives with the wire contracts so that
 * the domain, the event store and the status servers type their codes against it as the APIs do.
 */
export const STATUS_BY_CODE = {
  // 400 invalid input
  VALIDATION: 400,
  INVALID_JSON: 400,
  INVALID_HEADER: 400,
  POSITION_NOT_IN_LOG: 400,
  // a client error raised by a plugin with a code of its own
  BAD_REQUEST: 400,
  // 401 missing or invalid token
  AUTH_TOKEN_MISSING: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  AUTH_CLAIMS_INVALID: 401,
  // a status server's path other than /health without Authorization: Bearer <STATUS_TOKEN>
  STATUS_TOKEN_REQUIRED: 401,
  // 403 the role (or the token's site list) may not
  ROLE_FORBIDDEN: 403,
  SITE_FORBIDDEN: 403,
  // 404 unknown, or another tenant's record
  ROUTE_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  RECORD_DELETED: 404,
  SITE_NOT_FOUND: 404,
  // 405 a path whose routes take other methods (`Allow` lists them)
  METHOD_NOT_ALLOWED: 405,
  // 408 a request whose body did not arrive whole within the server's request timeout
  REQUEST_TIMEOUT: 408,
  // 409 illegal transition or version conflict
  ILLEGAL_TRANSITION: 409,
  RECORD_ALREADY_EXISTS: 409,
  DEPLOYMENT_IN_PROGRESS: 409,
  WRONG_EXPECTED_VERSION: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  // 412 If-Match mismatch
  PRECONDITION_FAILED: 412,
  // 413 / 415 body
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 431 the request line and headers exceed the server's bound (a very long URL too)
  HEADERS_TOO_LARGE: 431,
  // 422 an Idempotency-Key reused with another request
  IDEMPOTENCY_KEY_REUSED: 422,
  // 429 throttled
  RATE_LIMITED: 429,
  // 503 a dependency is down, the read models are not there yet, the event store's append queue is
  // full (APPEND_QUEUE_MB), or the server is shutting down
  EVENT_STORE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  PROJECTION_BEHIND: 503,
  PROJECTION_STOPPED: 503,
  APPEND_QUEUE_FULL: 503,
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
  // the support console cannot reach the command API or the read API it forwards to
  UPSTREAM_UNAVAILABLE: 503,
  // 500 anything unexpected (message hidden)
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

/** A code of `STATUS_BY_CODE`: `httpError('TYPO', …)` does not compile. */
export type ErrorCode = keyof typeof STATUS_BY_CODE;

/** Whether a code thrown by any layer (a domain or event-store error's `code`) is one of ours. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}
