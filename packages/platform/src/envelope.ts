import { type ErrorEnvelope, ErrorEnvelopeOf, type FieldErrors, type SuccessEnvelopeOf } from '@publisher/contracts';
import type { FastifyRequest } from 'fastify';
import { type ErrorCode, STATUS_BY_CODE } from './errors.ts';

export { API_PREFIX } from '@publisher/contracts';

/**
 * Wraps `data` in the success envelope.
 * @example
 * return success(request, record);
 */
export function success<T>(request: Pick<FastifyRequest, 'id'>, data: T, message?: string): SuccessEnvelopeOf<T> {
  return message === undefined
    ? { success: true, data, request_id: request.id }
    : { success: true, data, message, request_id: request.id };
}

/** One page of a list: the list envelope around the page's `results`, its `count` and its links. */
interface ListPage<Results> {
  count: number;
  next: string | null;
  previous: string | null;
  results: Results;
}

/**
 * Wraps a page of a list in the list envelope (`results` may be pre-rendered JSON, a `JsonDocument`).
 * @example
 * return listPage(request, { count, next, previous, results });
 */
export function listPage<Results>(request: Pick<FastifyRequest, 'id'>, page: ListPage<Results>) {
  const { count, next, previous, results } = page;
  return { success: true as const, count, next, previous, results, request_id: request.id };
}

/** Builds the error envelope; `errors` is left out when there are no field errors. */
export function errorEnvelope(requestId: string, code: ErrorCode, error: string, errors?: FieldErrors): ErrorEnvelope {
  return errors && Object.keys(errors).length > 0
    ? { success: false, error, code, errors, request_id: requestId }
    : { success: false, error, code, request_id: requestId };
}

/** What each error status means, for the OpenAPI document (the codes are in errors.ts). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input (field errors in `errors`)',
  401: 'missing, invalid or expired token',
  403: 'the role (or the token’s site list) may not do this',
  404: 'unknown record, or another tenant’s',
  409: 'illegal transition, version conflict or active deployment',
  412: 'If-Match does not match the record’s revision',
  413: 'body too large',
  415: 'body is not JSON',
  422: 'Idempotency-Key reused with a different request',
  429: 'rate limit exceeded (see Retry-After)',
  503: 'a dependency is down, or the read models are not there yet (see Retry-After)',
};

/**
 * The error statuses every read route of both APIs may answer: 400 (validation, a bad cursor), 401
 * (no valid token), 403 (an account the caller may not name), 429 (rate limit), 503 (a dependency
 * down, or the projection behind at `min_position`); reads of one thing add 404.
 * @example
 * response: { 200: SuccessEnvelope(X), ...errorResponses([...READ_ERRORS, 404]) }
 */
export const READ_ERRORS = [400, 401, 403, 429, 503] as const;

/**
 * A route's error responses for its schema, by status: each body the error envelope with the codes
 * of that status (`STATUS_BY_CODE`).
 * @example
 * response: { 200: SuccessEnvelope(X), ...errorResponses([400, 401, 404]) }
 */
export function errorResponses(statuses: readonly number[]): Record<number, ReturnType<typeof ErrorEnvelopeOf>> {
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter((code) => STATUS_BY_CODE[code] === status);
      if (codes.length === 0) throw new TypeError(`no error code answers with status ${status}`);
      return [status, { ...ErrorEnvelopeOf(codes), description: ERROR_DESCRIPTIONS[status] ?? 'error' }];
    }),
  );
}
