import type { IncomingMessage } from 'node:http';
import { v7 as uuidv7 } from 'uuid';

/** Header carrying the request id, in both directions. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Visible ASCII only, bounded: the id lands in logs and event metadata, so no control characters.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Fastify `genReqId`: keeps a well-formed `x-request-id` sent by the caller (a gateway, a test),
 * otherwise generates a time-ordered UUID (v7): it becomes the events' correlation id, and the audit
 * model's index on that id takes time-ordered ids at its right edge.
 * @example
 * Fastify({ genReqId: requestIdFrom, requestIdHeader: false })
 */
export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  if (typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header)) return header;
  return uuidv7();
}
