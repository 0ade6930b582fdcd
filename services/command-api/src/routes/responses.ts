import type { SuccessEnvelopeOf } from '@publisher/contracts';
import type { Position } from '@publisher/event-store';
import { etagOf, READ_ERRORS, success } from '@publisher/platform';
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { StoredResponse } from '../idempotency/store.ts';

/**
 * The error statuses every command (a POST, which takes a body) can answer: a read's, a body over
 * the limit (413) and a body that is not JSON (415).
 * @example
 * response: { 200: SuccessEnvelope(X), ...errorResponses([...COMMAND_ERRORS, 404, 409]) }
 */
export const COMMAND_ERRORS = [...READ_ERRORS, 413, 415] as const;

/**
 * A command's response: the record after it in the success envelope, `ETag` = its revision,
 * `X-Position` = the position of its last event, `Location` on creates.
 * @example
 * const { status, headers, body } = commandResponse(request, 200, representation, result);
 */
export function commandResponse<T>(
  request: FastifyRequest,
  status: number,
  data: T,
  result: { revision: number | null; position: Position },
  options: { location?: string; message?: string } = {},
): StoredResponse<SuccessEnvelopeOf<T>> {
  const headers: Record<string, string> = { 'x-position': result.position };
  if (result.revision !== null) headers.etag = etagOf(result.revision);
  if (options.location) headers.location = options.location;
  return { status, body: success(request, data, options.message), headers };
}

/** `preValidation` hook for commands without input: an absent body counts as `{}`. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** True when an object schema lists required fields (such a body cannot be left out). */
export function hasRequiredFields(schema: TSchema): boolean {
  return 'required' in schema && Array.isArray(schema.required) && schema.required.length > 0;
}
