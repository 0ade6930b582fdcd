import type { EventMetadata } from '@publisher/event-store';
import type { Principal } from '@publisher/platform';
import { requestTraceparent } from '@publisher/telemetry';
import type { FastifyRequest } from 'fastify';

/** Event schema version written into every event's metadata by this API. */
const EVENT_SCHEMA_VERSION = 1;

/** Who sent a command and under which request: what every event it produces records. */
export interface CommandContext {
  principal: Principal;
  request_id: string;
  /** `X-Correlation-Id` when sent (a whole workflow shares it), else the request id. */
  correlation_id: string;
  /** `X-Causation-Id` when sent (e.g. the event a worker reacted to), else the request id. */
  causation_id: string;
  /** The request span's W3C trace context, when tracing is on: kept in every event's metadata. */
  traceparent?: string;
}

const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && HEADER_VALUE.test(value) ? value : null;
}

/**
 * @example
 * const ctx = commandContext(request); // after `authenticate`
 */
export function commandContext(request: FastifyRequest): CommandContext {
  return {
    principal: request.principal,
    request_id: request.id,
    correlation_id: header(request, 'x-correlation-id') ?? request.id,
    causation_id: header(request, 'x-causation-id') ?? request.id,
    traceparent: requestTraceparent(request),
  };
}

/**
 * The metadata of an event: the record's tenant (kept whoever writes), the actor, ids and time.
 * @example
 * eventMetadata(ctx, { account_id: 1, site_id: 2, sector_id: 3 }, at)
 */
export function eventMetadata(ctx: CommandContext, tenant: EventMetadata['tenant'], at: string): EventMetadata {
  const metadata: EventMetadata = {
    correlation_id: ctx.correlation_id,
    causation_id: ctx.causation_id,
    actor: { user_id: ctx.principal.user_id, role: ctx.principal.role },
    tenant: { account_id: tenant.account_id, site_id: tenant.site_id, sector_id: tenant.sector_id },
    request_id: ctx.request_id,
    occurred_at: at,
    schema_version: EVENT_SCHEMA_VERSION,
  };
  // The request's span: the relay writes it as the Kafka header the worker continues, so one trace
  // spans app → command → event → Kafka → worker.
  if (ctx.traceparent) metadata.traceparent = ctx.traceparent;
  return metadata;
}
