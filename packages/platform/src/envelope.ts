import type { ErrorEnvelope, FieldErrors, ListEnvelopeOf, SuccessEnvelopeOf } from '@publisher/contracts';
import type { FastifyRequest } from 'fastify';

/**
 * Wraps `data` in the success envelope.
 * @example
 * return reply.code(201).send(success(request, record));
 */
export function success<T>(request: FastifyRequest, data: T, message?: string): SuccessEnvelopeOf<T> {
  return message === undefined
    ? { success: true, data, request_id: request.id }
    : { success: true, data, message, request_id: request.id };
}

/**
 * Wraps one page of results in the list envelope.
 * @example
 * return listOf(request, rows, { count: total, next: nextUrl, previous: null });
 */
export function listOf<T>(
  request: FastifyRequest,
  results: T[],
  page: { count: number; next: string | null; previous: string | null },
): ListEnvelopeOf<T> {
  return {
    success: true,
    count: page.count,
    next: page.next,
    previous: page.previous,
    results,
    request_id: request.id,
  };
}

/** Builds the error envelope; `errors` is left out when there are no field errors. */
export function errorEnvelope(requestId: string, code: string, error: string, errors?: FieldErrors): ErrorEnvelope {
  return errors && Object.keys(errors).length > 0
    ? { success: false, error, code, errors, request_id: requestId }
    : { success: false, error, code, request_id: requestId };
}
