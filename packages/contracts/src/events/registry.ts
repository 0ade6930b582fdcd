import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  DeploymentCancelledV1,
  DeploymentCreatedV1,
  DeploymentDeployedV1,
  DeploymentFailedV1,
  type DeploymentIntegrationEvent,
  DeploymentRolledBackV1,
  DeploymentStartedV1,
  DeploymentUpdatedV1,
} from './deployment-events.ts';
import type { EventDecodeError } from './errors.ts';
import {
  PublishingRecordCreatedV1,
  PublishingRecordDeletedV1,
  PublishingRecordFailedV1,
  type PublishingRecordIntegrationEvent,
  PublishingRecordPublishedV1,
  PublishingRecordRetriedV1,
  PublishingRecordStartedV1,
  PublishingRecordUpdatedV1,
} from './publishing-record-events.ts';
import { DEPLOYMENTS_TOPIC, PUBLISHING_RECORDS_TOPIC, type PublisherTopic } from './topics.ts';

/** Any public event Publisher emits (current versions). */
export type IntegrationEvent = PublishingRecordIntegrationEvent | DeploymentIntegrationEvent;
export type IntegrationEventType = IntegrationEvent['event_type'];
/** The event of one type, e.g. `IntegrationEventOf<'publisher.publishing_record.created'>`. */
export type IntegrationEventOf<Type extends IntegrationEventType> = Extract<IntegrationEvent, { event_type: Type }>;

/** One event type in one schema version: its schema, its topic and a compiled validator. */
export interface EventContract {
  eventType: IntegrationEventType;
  schemaVersion: number;
  topic: PublisherTopic;
  schema: TSchema;
  check(value: unknown): boolean;
  errors(value: unknown): string[];
}

function contract<Schema extends TSchema>(
  eventType: IntegrationEventType,
  schemaVersion: number,
  topic: PublisherTopic,
  schema: Schema,
): EventContract {
  const validator = Compile(schema);
  return {
    eventType,
    schemaVersion,
    topic,
    schema,
    check: (value) => validator.Check(value),
    errors: (value) => [...validator.Errors(value)].slice(0, 10).map((e) => `${e.instancePath || '/'}: ${e.message}`),
  };
}

const R = PUBLISHING_RECORDS_TOPIC;
const D = DEPLOYMENTS_TOPIC;

/** Every event type and version this package knows, the single list the helpers below read. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  contract('publisher.publishing_record.created', 1, R, PublishingRecordCreatedV1),
  contract('publisher.publishing_record.updated', 1, R, PublishingRecordUpdatedV1),
  contract('publisher.publishing_record.started', 1, R, PublishingRecordStartedV1),
  contract('publisher.publishing_record.published', 1, R, PublishingRecordPublishedV1),
  contract('publisher.publishing_record.failed', 1, R, PublishingRecordFailedV1),
  contract('publisher.publishing_record.retried', 1, R, PublishingRecordRetriedV1),
  contract('publisher.publishing_record.deleted', 1, R, PublishingRecordDeletedV1),
  contract('publisher.deployment.created', 1, D, DeploymentCreatedV1),
  contract('publisher.deployment.updated', 1, D, DeploymentUpdatedV1),
  contract('publisher.deployment.cancelled', 1, D, DeploymentCancelledV1),
  contract('publisher.deployment.started', 1, D, DeploymentStartedV1),
  contract('publisher.deployment.deployed', 1, D, DeploymentDeployedV1),
  contract('publisher.deployment.failed', 1, D, DeploymentFailedV1),
  contract('publisher.deployment.rolled_back', 1, D, DeploymentRolledBackV1),
];

const byKey = new Map(EVENT_CONTRACTS.map((c) => [`${c.eventType}@${c.schemaVersion}`, c]));
const knownTypes = new Set<string>(EVENT_CONTRACTS.map((c) => c.eventType));

/** The contract of `eventType` in `schemaVersion`, or undefined. */
export function findEventContract(eventType: string, schemaVersion: number): EventContract | undefined {
  return byKey.get(`${eventType}@${schemaVersion}`);
}

/** The topic an event type is published to, or undefined for an unknown type. */
export function topicOf(eventType: string): PublisherTopic | undefined {
  return EVENT_CONTRACTS.find((c) => c.eventType === eventType)?.topic;
}

export type ValidationResult<T> = { ok: true; event: T } | { ok: false; error: EventDecodeError };

/**
 * Checks a parsed value against the schema its own `event_type` and `schema_version` name.
 *
 * @example
 * const result = validateIntegrationEvent(JSON.parse(text));
 * if (result.ok && result.event.event_type === 'publisher.publishing_record.created') use(result.event.data.content_id);
 */
export function validateIntegrationEvent(value: unknown): ValidationResult<IntegrationEvent> {
  const head = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const eventType = head.event_type;
  const version = head.schema_version;
  if (typeof eventType !== 'string' || !knownTypes.has(eventType)) {
    return fail('EVENT_UNKNOWN_TYPE', `unknown event_type ${JSON.stringify(eventType ?? null)}`);
  }
  const found = typeof version === 'number' ? findEventContract(eventType, version) : undefined;
  if (!found) {
    return fail(
      'EVENT_UNSUPPORTED_VERSION',
      `${eventType}: unsupported schema_version ${JSON.stringify(version ?? null)}`,
    );
  }
  if (!found.check(value)) {
    const details = found.errors(value);
    return {
      ok: false,
      error: { code: 'EVENT_SCHEMA_MISMATCH', message: `${eventType} v${version} does not match its schema`, details },
    };
  }
  return { ok: true, event: value as IntegrationEvent };
}

/** Type guard by event type, for consumers that switch on a few types. */
export function isEventOfType<Type extends IntegrationEventType>(
  event: IntegrationEvent,
  eventType: Type,
): event is IntegrationEventOf<Type> {
  return event.event_type === eventType;
}

function fail(code: EventDecodeError['code'], message: string): { ok: false; error: EventDecodeError } {
  return { ok: false, error: { code, message } };
}
