/**
 * The ONE place where internal domain events become public integration events.
 *
 * It lives here, not in packages/contracts, on purpose: contracts is the stable surface other teams
 * import, and must not know internal shapes (the domain already depends on contracts, so the
 * reverse dependency would also be a cycle). The relay is the only producer of public events, so
 * the translation sits beside it; a change to an internal event breaks the type check of this file
 * (exhaustive switch) instead of silently changing what consumers receive.
 */
import {
  EVENT_HEADERS,
  type EventContract,
  findEventContract,
  type IntegrationEvent,
  type IntegrationEventOf,
  type IntegrationEventType,
  type PublisherTopic,
  REPLAY_HEADERS,
  TRACE_HEADERS,
} from '@publisher/contracts';
import {
  type DeploymentEvent,
  isDeploymentEvent,
  isPublishingRecordEvent,
  isSiteDeploymentsEvent,
  type PublishingRecordEvent,
  republishRequestEventTypes,
  type SiteDeploymentsEvent,
} from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import { RelayError } from './errors.ts';

type InternalEvent = PublishingRecordEvent | DeploymentEvent | SiteDeploymentsEvent;

/**
 * A public event ready for Kafka, a request to re-send a record's stream (a support republish: the
 * stream's events before `before`, marked with `replay_id`), or why an event is not published.
 */
export type MappedEvent =
  | { kind: 'publish'; topic: PublisherTopic; key: string; event: IntegrationEvent }
  | { kind: 'replay'; stream: string; before: number; replay_id: string }
  | { kind: 'skip'; reason: 'internal_event' | 'foreign_stream' };

/** Streams whose events are Publisher's records; anything else in the log is not ours to publish. */
const PUBLIC_STREAM = /^(publishing_record|deployment|site_deployments)-/;

/** What one internal event says publicly: the type, the record and the data (the envelope is common). */
type PublicBody = {
  [T in IntegrationEventType]: {
    event_type: T;
    record_id: string;
    data: IntegrationEventOf<T>['data'];
  };
}[IntegrationEventType];

/**
 * Maps one recorded event. Throws `RELAY_UNMAPPABLE_EVENT` for an event of a Publisher stream that
 * has no mapping or whose mapping does not satisfy the public schema: the relay must stop rather
 * than let consumers silently miss an event.
 *
 * @example
 * const mapped = mapRecordedEvent(recorded);
 * if (mapped.kind === 'publish') producer.send({ topic: mapped.topic, messages: [toKafkaMessage(mapped.event)] });
 */
export function mapRecordedEvent(recorded: RecordedEvent): MappedEvent {
  if (!PUBLIC_STREAM.test(recorded.stream)) return { kind: 'skip', reason: 'foreign_stream' };
  if (republishRequestEventTypes.has(recorded.type)) {
    const replayId = (recorded.data as { replay_id?: unknown }).replay_id;
    if (typeof replayId !== 'string' || replayId === '') {
      throw new RelayError('RELAY_UNMAPPABLE_EVENT', `${recorded.type} without a replay_id`, eventRef(recorded));
    }
    return { kind: 'replay', stream: recorded.stream, before: recorded.revision, replay_id: replayId };
  }
  const body =
    isPublishingRecordEvent(recorded) || isDeploymentEvent(recorded) || isSiteDeploymentsEvent(recorded)
      ? toPublic(recorded)
      : undefined;
  if (body === null) return { kind: 'skip', reason: 'internal_event' };
  if (body === undefined) {
    throw new RelayError('RELAY_UNMAPPABLE_EVENT', `no public mapping for ${recorded.type}`, eventRef(recorded));
  }
  const m = recorded.metadata;
  // Built field by field so every message lists the envelope in the documented order.
  const draft = {
    event_id: recorded.id,
    event_type: body.event_type,
    schema_version: PUBLISHED_VERSION,
    occurred_at: m.occurred_at,
    record_id: body.record_id,
    account_id: m.tenant.account_id,
    site_id: m.tenant.site_id,
    sector_id: m.tenant.sector_id,
    position: recorded.position,
    correlation_id: m.correlation_id,
    causation_id: m.causation_id,
    data: body.data,
  };
  const contract = contractOf(draft.event_type);
  if (!contract.check(draft)) {
    throw new RelayError('RELAY_UNMAPPABLE_EVENT', `${recorded.type} maps to an invalid ${draft.event_type}`, {
      ...eventRef(recorded),
      errors: contract.errors(draft),
    });
  }
  return { kind: 'publish', topic: contract.topic, key: draft.record_id, event: draft as IntegrationEvent };
}

/** The relay writes schema version 1 of every type; looked up once per type, not per event. */
const PUBLISHED_VERSION = 1;
const contracts = new Map<IntegrationEventType, EventContract>();

function contractOf(eventType: IntegrationEventType): EventContract {
  let contract = contracts.get(eventType);
  if (!contract) {
    contract = findEventContract(eventType, PUBLISHED_VERSION);
    // The mapping only names types of the catalogue (typed), so this is a broken build, not bad data.
    if (!contract) throw new RelayError('RELAY_UNMAPPABLE_EVENT', `no public contract for ${eventType}`);
    contracts.set(eventType, contract);
  }
  return contract;
}

/** null: internal by design; undefined: unknown type (a mapping is missing). */
function toPublic(e: InternalEvent): PublicBody | null | undefined {
  switch (e.type) {
    case 'PublishingRecordCreated': {
      const d = e.data;
      return {
        event_type: 'publisher.publishing_record.created',
        record_id: d.record_id,
        data: {
          status: 'pending',
          content_id: d.content_id,
          destination: d.destination,
          destination_config: d.destination_config,
          metadata: d.metadata,
        },
      };
    }
    case 'PublishingRecordUpdated':
      return {
        event_type: 'publisher.publishing_record.updated',
        record_id: e.data.record_id,
        data: { changes: pickDefined(e.data.changes) },
      };
    case 'PublishingStarted':
      return {
        event_type: 'publisher.publishing_record.started',
        record_id: e.data.record_id,
        data: { status: 'publishing', attempt: e.data.attempt },
      };
    case 'PublishingSucceeded':
      return {
        event_type: 'publisher.publishing_record.published',
        record_id: e.data.record_id,
        data: { status: 'published', external_url: e.data.external_url, external_id: e.data.external_id ?? null },
      };
    case 'PublishingFailed':
      return {
        event_type: 'publisher.publishing_record.failed',
        record_id: e.data.record_id,
        data: { status: 'failed', error: e.data.error },
      };
    case 'PublishingRetried':
      return {
        event_type: 'publisher.publishing_record.retried',
        record_id: e.data.record_id,
        data: { status: 'pending' },
      };
    case 'PublishingRecordDeleted':
      return { event_type: 'publisher.publishing_record.deleted', record_id: e.data.record_id, data: {} };
    case 'PublishingRedeliveryRequested':
      // A retry asked for by support: to consumers (the publishing worker first) it is a retry.
      return {
        event_type: 'publisher.publishing_record.retried',
        record_id: e.data.record_id,
        data: { status: 'pending' },
      };
    case 'DeploymentCreated':
      return {
        event_type: 'publisher.deployment.created',
        record_id: e.data.deployment_id,
        data: { status: 'pending', version: e.data.version, metadata: e.data.metadata },
      };
    case 'DeploymentUpdated':
      return {
        event_type: 'publisher.deployment.updated',
        record_id: e.data.deployment_id,
        data: { changes: { metadata: e.data.changes.metadata } },
      };
    case 'DeploymentCancelled':
      return {
        event_type: 'publisher.deployment.cancelled',
        record_id: e.data.deployment_id,
        data: { status: 'cancelled', reason: e.data.reason ?? null },
      };
    case 'DeploymentStarted':
      return {
        event_type: 'publisher.deployment.started',
        record_id: e.data.deployment_id,
        data: { status: 'deploying' },
      };
    case 'DeploymentSucceeded':
      return {
        event_type: 'publisher.deployment.deployed',
        record_id: e.data.deployment_id,
        data: { status: 'deployed', deployment_url: e.data.deployment_url },
      };
    case 'DeploymentFailed':
      return {
        event_type: 'publisher.deployment.failed',
        record_id: e.data.deployment_id,
        data: { status: 'failed', error: e.data.error },
      };
    case 'DeploymentRolledBack':
      return {
        event_type: 'publisher.deployment.rolled_back',
        record_id: e.data.deployment_id,
        data: { status: 'rolled_back', reason: e.data.reason ?? null },
      };
    case 'DeploymentVersionReserved':
      // The site ledger's bookkeeping: DeploymentCreated follows it with everything public.
      return null;
    case 'PublishingRecordRepublishRequested':
    case 'DeploymentRepublishRequested':
      // Never published themselves: mapRecordedEvent turns them into replays before this switch.
      return null;
    default: {
      const unknownType: never = e;
      void unknownType;
      return undefined;
    }
  }
}

function pickDefined<T extends Record<string, unknown>>(changes: T): T {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as T;
}

function eventRef(recorded: RecordedEvent): Record<string, unknown> {
  return { event_id: recorded.id, stream: recorded.stream, type: recorded.type, position: recorded.position };
}

/** Kafka message of a mapped event: key = record id, JSON value, the `EVENT_HEADERS` headers. */
export interface RelayMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * `replayId`: the message is a replay (a support re-drive) and carries `replay: true` and
 * `replay-id`; its key, value and other headers are the original's.
 * @example
 * const message = toKafkaMessage(mapped.event); // { key, value, headers }
 */
export function toKafkaMessage(event: IntegrationEvent, replayId?: string, traceparent?: string): RelayMessage {
  const headers: Record<string, string> = {
    [EVENT_HEADERS.eventId]: event.event_id,
    [EVENT_HEADERS.eventType]: event.event_type,
    [EVENT_HEADERS.schemaVersion]: String(event.schema_version),
    [EVENT_HEADERS.accountId]: String(event.account_id),
    [EVENT_HEADERS.correlationId]: event.correlation_id,
    [EVENT_HEADERS.position]: event.position,
  };
  if (event.causation_id !== null) headers[EVENT_HEADERS.causationId] = event.causation_id;
  if (traceparent !== undefined) headers[TRACE_HEADERS.traceparent] = traceparent;
  if (replayId !== undefined) {
    headers[REPLAY_HEADERS.replay] = 'true';
    headers[REPLAY_HEADERS.replayId] = replayId;
  }
  return { key: event.record_id, value: JSON.stringify(event), headers };
}
