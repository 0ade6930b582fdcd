import { createHash } from 'node:crypto';
import type { SuccessEnvelopeOf } from '@publisher/contracts';
import { deterministicUuid } from '@publisher/domain';
import { HttpError, newId } from '@publisher/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyStore, StoredResponse } from './store.ts';

// Namespace of ids derived from Idempotency-Keys; changing it would break recovery of old keys.
const IDEMPOTENCY_NAMESPACE = '1f4a9c3e-8d2b-4e6f-a1c7-5b9d0e2f4a68';

export interface Execution {
  /**
   * An id for the n-th thing this request creates (`purpose` tells records from events): random
   * without a key; derived from (account, key, the claim's nonce) with one, so a repeat of the same
   * claim targets the same streams, and a key reused after it expired gets new ones.
   */
  id: (purpose: string, n?: number) => string;
  /** A repeated key whose first attempt never finished: read results back from the store. */
  recovering: boolean;
  keyed: boolean;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url ?? request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
}

/**
 * Keys are scoped by the caller's token account (not the account a privileged caller creates in):
 * a key is the client's own name for its request. Platform tokens without an account share scope 0,
 * as the users of one account share theirs.
 */
const PLATFORM_SCOPE = 0;
function idempotencyScope(request: FastifyRequest): number {
  return request.principal.account_id ?? PLATFORM_SCOPE;
}

/**
 * Runs a create under the request's `Idempotency-Key`, if any: the same key and body replay the
 * original response (with `Idempotent-Replayed: true`), the same key with another body is a 422,
 * and a key whose first request is still running is a 409. Only successful responses are kept;
 * a failed command releases the key so the client can retry it. Sets the response's status and
 * headers on `reply` and returns its body, for the route to return (its response schema serializes it).
 * @example
 * return idempotent(request, reply, store, async ({ id }) => ({ status: 201, body, headers }));
 */
export async function idempotent<Body extends SuccessEnvelopeOf<unknown>>(
  request: FastifyRequest,
  reply: FastifyReply,
  store: IdempotencyStore,
  execute: (execution: Execution) => Promise<StoredResponse<Body>>,
): Promise<Body> {
  const answer = (response: StoredResponse<Body>): Body => {
    reply.code(response.status).headers(response.headers);
    return response.body;
  };
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return answer(await execute({ id: newId, recovering: false, keyed: false }));
  const accountId = idempotencyScope(request);
  const claim = await store.claim(accountId, key, requestHash(request));
  switch (claim.kind) {
    case 'replay':
      reply.header('idempotent-replayed', 'true');
      // The stored body is what this route answered the first time: the request hash covers the route.
      return answer(claim.response as StoredResponse<Body>);
    case 'mismatch':
      throw new HttpError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
    case 'in_progress':
      throw new HttpError(
        'IDEMPOTENCY_KEY_IN_USE',
        'a request with this Idempotency-Key is still running; retry shortly',
        {
          headers: { 'retry-after': '1' },
        },
      );
    case 'claimed':
      break;
  }
  const derive = (purpose: string, n = 0) =>
    deterministicUuid(IDEMPOTENCY_NAMESPACE, `${accountId}\n${key}\n${claim.nonce}\n${purpose}\n${n}`);
  let response: StoredResponse<Body>;
  try {
    response = await execute({ id: derive, recovering: claim.recovering, keyed: true });
  } catch (err) {
    await store
      .release(accountId, key)
      .catch((releaseErr) => request.log.warn({ err: releaseErr }, 'idempotency key not released'));
    throw err;
  }
  try {
    await store.complete(accountId, key, response);
  } catch (err) {
    // The command succeeded; the key stays claimed until its lease ends, then a repeat recovers it.
    request.log.warn({ err }, 'idempotency response not stored');
  }
  return answer(response);
}
