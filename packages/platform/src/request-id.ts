import type { IncomingMessage } from 'node:http';
import { newId } from './ids.ts';

/** Header carrying the request id, in both directions. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Visible ASCII only, bounded: the id lands in logs and event metadata, so no control characters.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Fastify `genReqId`: keeps a well-formed `x-request-id` sent by the caller (a gateway, a test),
 * otherwise generates one (`newId`: it also becomes the events' correlation id).
 * @example
 * Fastify({ genReqId: requestIdFrom, requestIdHeader: false })
 */
export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  if (typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header)) return header;
  return newId();
}
