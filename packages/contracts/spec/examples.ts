import type { IntegrationEvent } from '../src/events/registry.ts';

/**
 * One example message value per event type and version, for the JSON Schema files and the AsyncAPI
 * document. The generator refuses to write a document for a contract without a valid example here,
 * so a new event type or version cannot be published undocumented.
 */

const RECORD = '0f8fad5b-d9cb-469f-a165-70867728950e';
const DEPLOYMENT = '3b241101-e2bb-4255-8caf-4136c566a962';

const recordEnvelope = {
  record_id: RECORD,
  account_id: 1,
  site_id: 7,
  sector_id: 3,
  correlation_id: 'req-4f1c2a',
  causation_id: null,
} as const;

const deploymentEnvelope = {
  record_id: DEPLOYMENT,
  account_id: 1,
  site_id: 7,
  sector_id: null,
  correlation_id: 'req-9b7e10',
  causation_id: null,
} as const;

export const EVENT_EXAMPLES: readonly IntegrationEvent[] = [
  {
    event_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    event_type: 'publisher.publishing_record.created',
    schema_version: 1,
    occurred_at: '2026-05-01T12:00:00.000Z',
    ...recordEnvelope,
    position: '0000000000000752-0000000000001201',
    data: {
      status: 'pending',
      content_id: 42,
      destination: 'webhook',
      destination_config: { url: 'https://hooks.example.com/publish' },
      metadata: { title: 'Spring launch' },
    },
  },
  {
    event_id: 'b3a2c9d0-5d6e-4f1a-9c8b-2e7d6f5a4b3c',
    event_type: 'publisher.publishing_record.updated',
    schema_version: 1,
    occurred_at: '2026-05-01T12:00:05.000Z',
    ...recordEnvelope,
    position: '0000000000000753-0000000000001202',
    data: { changes: { metadata: { title: 'Spring launch (final)' } } },
  },
  {
    event_id: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
    event_type: 'publisher.publishing_record.started',
    schema_version: 1,
    occurred_at: '2026-05-01T12:00:06.000Z',
    ...recordEnvelope,
    correlation_id: 'worker-7c9e6679',
    causation_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    position: '0000000000000754-0000000000001203',
    data: { status: 'publishing', attempt: 1 },
  },
  {
    event_id: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
    event_type: 'publisher.publishing_record.published',
    schema_version: 1,
    occurred_at: '2026-05-01T12:00:07.000Z',
    ...recordEnvelope,
    correlation_id: 'worker-7c9e6679',
    causation_id: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
    position: '0000000000000755-0000000000001204',
    data: { status: 'published', external_url: 'https://blog.example.com/spring-launch', external_id: 'post-981' },
  },
  {
    event_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
    event_type: 'publisher.publishing_record.failed',
    schema_version: 1,
    occurred_at: '2026-05-01T12:00:07.000Z',
    ...recordEnvelope,
    correlation_id: 'worker-7c9e6679',
    causation_id: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
    position: '0000000000000755-0000000000001204',
    data: { status: 'failed', error: 'destination answered 503 (server error)' },
  },
  {
    event_id: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
    event_type: 'publisher.publishing_record.retried',
    schema_version: 1,
    occurred_at: '2026-05-01T12:05:00.000Z',
    ...recordEnvelope,
    position: '0000000000000761-0000000000001215',
    data: { status: 'pending' },
  },
  {
    event_id: '6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c',
    event_type: 'publisher.publishing_record.deleted',
    schema_version: 1,
    occurred_at: '2026-05-02T08:30:00.000Z',
    ...recordEnvelope,
    position: '0000000000000802-0000000000001290',
    data: {},
  },
  {
    event_id: 'c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f',
    event_type: 'publisher.deployment.created',
    schema_version: 1,
    occurred_at: '2026-05-01T13:00:00.000Z',
    ...deploymentEnvelope,
    position: '0000000000000770-0000000000001230',
    data: { status: 'pending', version: 12, metadata: { commit: '9f2c1e7' } },
  },
  {
    event_id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    event_type: 'publisher.deployment.updated',
    schema_version: 1,
    occurred_at: '2026-05-01T13:00:01.000Z',
    ...deploymentEnvelope,
    position: '0000000000000770-0000000000001231',
    data: { changes: { metadata: { commit: '9f2c1e8' } } },
  },
  {
    event_id: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60',
    event_type: 'publisher.deployment.cancelled',
    schema_version: 1,
    occurred_at: '2026-05-01T13:00:02.000Z',
    ...deploymentEnvelope,
    position: '0000000000000771-0000000000001231',
    data: { status: 'cancelled', reason: 'superseded by version 13' },
  },
  {
    event_id: 'd5e6f7a8-b9c0-4d1e-9f2a-3b4c5d6e7f80',
    event_type: 'publisher.deployment.started',
    schema_version: 1,
    occurred_at: '2026-05-01T13:00:02.000Z',
    ...deploymentEnvelope,
    position: '0000000000000771-0000000000001231',
    data: { status: 'deploying' },
  },
  {
    event_id: 'e6f7a8b9-c0d1-4e2f-8a3b-4c5d6e7f8091',
    event_type: 'publisher.deployment.deployed',
    schema_version: 1,
    occurred_at: '2026-05-01T13:01:10.000Z',
    ...deploymentEnvelope,
    position: '0000000000000772-0000000000001232',
    data: { status: 'deployed', deployment_url: 'https://site-7.example.com' },
  },
  {
    event_id: 'f7a8b9c0-d1e2-4f3a-9b4c-5d6e7f8091a2',
    event_type: 'publisher.deployment.failed',
    schema_version: 1,
    occurred_at: '2026-05-01T13:01:10.000Z',
    ...deploymentEnvelope,
    position: '0000000000000772-0000000000001232',
    data: { status: 'failed', error: 'build step exited with 1' },
  },
  {
    event_id: 'a8b9c0d1-e2f3-4a4b-8c5d-6e7f8091a2b3',
    event_type: 'publisher.deployment.rolled_back',
    schema_version: 1,
    occurred_at: '2026-05-01T14:00:00.000Z',
    ...deploymentEnvelope,
    position: '0000000000000790-0000000000001260',
    data: { status: 'rolled_back', reason: 'broken navigation on mobile' },
  },
];

/** The example of one event type and version, or undefined. */
export function exampleOf(eventType: string, schemaVersion: number): IntegrationEvent | undefined {
  return EVENT_EXAMPLES.find((e) => e.event_type === eventType && e.schema_version === schemaVersion);
}
