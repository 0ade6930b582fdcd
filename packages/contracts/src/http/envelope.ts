import { type Static, type TSchema, Type } from 'typebox';
import { type ErrorCode, STATUS_BY_CODE } from './error-codes.ts';

/**
 * The unified response envelope of every Publisher HTTP API.
 *
 * success: `{ success: true, data, message?, request_id }`
 * list:    `{ success: true, count, next, previous, results, request_id }`
 * error:   `{ success: false, error, code, errors?, request_id }` (`errors` maps field → messages)
 */

/**
 * Success envelope around `data`.
 * @example
 * const Response = SuccessEnvelope(PublishingRecordRepresentation);
 */
export function SuccessEnvelope<T extends TSchema>(data: T) {
  return Type.Object({
    success: Type.Literal(true),
    data,
    message: Type.Optional(Type.String()),
    request_id: Type.String(),
  });
}

/**
 * List envelope: `next` / `previous` are URLs (or cursors) of the neighbouring pages, null at the ends.
 * @example
 * const Response = ListEnvelope(DeploymentRepresentation);
 */
export function ListEnvelope<T extends TSchema>(item: T) {
  return Type.Object({
    success: Type.Literal(true),
    count: Type.Integer({ minimum: 0 }),
    next: Type.Union([Type.String(), Type.Null()]),
    previous: Type.Union([Type.String(), Type.Null()]),
    results: Type.Array(item),
    request_id: Type.String(),
  });
}

/** Field → messages, e.g. `{ "site_id": ["must be >= 1"], "querystring.status.0": […] }` (body fields unprefixed). */
export const FieldErrors = Type.Record(Type.String(), Type.Array(Type.String()));
export type FieldErrors = Static<typeof FieldErrors>;

/**
 * The error envelope whose `code` is one of `codes`: a route's error response for one status lists
 * the codes of that status, so the OpenAPI document tells clients which codes to expect.
 * @example
 * const NotFound = ErrorEnvelopeOf(['ROUTE_NOT_FOUND', 'RECORD_NOT_FOUND', 'RECORD_DELETED', 'SITE_NOT_FOUND']);
 */
export function ErrorEnvelopeOf(codes: readonly ErrorCode[]) {
  return Type.Object({
    success: Type.Literal(false),
    error: Type.String(),
    code: Type.Enum([...codes], { type: 'string' }),
    errors: Type.Optional(FieldErrors),
    request_id: Type.String(),
  });
}

/** The error envelope, with any code of `STATUS_BY_CODE`. */
export const ErrorEnvelope = ErrorEnvelopeOf(Object.keys(STATUS_BY_CODE) as ErrorCode[]);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/** Success envelope with an unknown `data` type, for code that builds envelopes generically. */
export interface SuccessEnvelopeOf<T> {
  success: true;
  data: T;
  message?: string;
  request_id: string;
}

export interface ListEnvelopeOf<T> {
  success: true;
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
  request_id: string;
}
