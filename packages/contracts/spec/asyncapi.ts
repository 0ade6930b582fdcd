import { stringify } from 'yaml';
import { EVENT_CONTRACTS, type EventContract } from '../src/events/registry.ts';
import { PUBLISHER_TOPICS } from '../src/events/topics.ts';
import { exampleOf } from './examples.ts';
import { documentedHeaders, type JsonSchema } from './headers.ts';
import { eventJsonSchema, GENERATED_NOTE, schemaFileName } from './json-schemas.ts';

/**
 * The AsyncAPI 3 document of Publisher's Kafka topics (docs/asyncapi.yaml), generated from the same
 * definitions as the JSON Schema files: channels from the topic constants, one message per event
 * type and version with its payload schema, key, headers (from the header constants) and example.
 * It describes Publisher as the application: it sends on both channels.
 */

const KAFKA_BINDING_VERSION = '0.5.0';

const words = (text: string): string[] => text.split(/[^a-zA-Z0-9]+/).filter(Boolean);
const camel = (parts: string[]): string =>
  parts.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');

/** `publishingRecords` → `publishing records` */
const spaced = (id: string): string => id.replace(/([A-Z])/g, ' $1').toLowerCase();

/** `publisher.publishing-records.v1` → `publishingRecords` */
export const channelId = (topic: string): string =>
  camel(words(topic.replace(/^publisher\./, '').replace(/\.v[0-9]+$/, '')));

/** `publisher.publishing_record.created` v1 → `publishingRecordCreatedV1` */
export const messageId = (eventType: string, schemaVersion: number): string =>
  `${camel(words(eventType.replace(/^publisher\./, '')))}V${schemaVersion}`;

/** The payload schema as an AsyncAPI component: the JSON Schema document without its document keywords. */
function payloadSchema(contract: EventContract): JsonSchema {
  const { $schema: _draft, $id: _id, $comment: _note, ...schema } = eventJsonSchema(contract);
  return schema;
}

function headersSchema(contract: EventContract): JsonSchema {
  const headers = documentedHeaders();
  const properties: Record<string, JsonSchema> = {};
  for (const h of headers) {
    const fixed =
      h.name === 'event-type'
        ? { const: contract.eventType }
        : h.name === 'schema-version'
          ? { const: String(contract.schemaVersion) }
          : {};
    properties[h.name] = { description: h.description, ...h.schema, ...fixed };
  }
  return {
    type: 'object',
    description: 'Kafka headers, UTF-8 strings. They repeat envelope fields so routers need not parse the value.',
    required: headers.filter((h) => h.required).map((h) => h.name),
    properties,
  };
}

function message(contract: EventContract): JsonSchema {
  const example = exampleOf(contract.eventType, contract.schemaVersion)!;
  const exampleHeaders: Record<string, string> = {};
  for (const h of documentedHeaders()) {
    const value = h.example?.(example);
    if (value !== undefined) exampleHeaders[h.name] = value;
  }
  const payload = payloadSchema(contract);
  return {
    name: contract.eventType,
    title: `${contract.eventType} v${contract.schemaVersion}`,
    summary: payload.description,
    contentType: 'application/json',
    headers: headersSchema(contract),
    payload: { $ref: `#/components/schemas/${schemaFileName(contract.eventType, contract.schemaVersion)}` },
    correlationId: {
      description: 'The request chain that caused the event.',
      location: '$message.header#/correlation-id',
    },
    bindings: {
      kafka: {
        key: { type: 'string', format: 'uuid', description: 'The record id (the envelope `record_id`).' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    examples: [{ name: 'example', summary: payload.description, headers: exampleHeaders, payload: example }],
  };
}

const DESCRIPTION = `Public integration events of Publisher on Kafka. One topic per record kind; the message key is the
record id, so every event of one record is on one partition, in the order it happened (partitioning is the
Java client's murmur2 of the key). The value is a UTF-8 JSON envelope (\`event_id\`, \`event_type\`,
\`schema_version\`, tenant, \`position\`, correlation) around the event's \`data\`.

Delivery is at least once: dedupe by \`event_id\`. Events republished by a support re-drive are the original
events (same \`event_id\`, same \`position\`), marked by headers.

Versioning: within a \`schema_version\` Publisher only adds optional fields and new event types; consumers ignore
fields and types they do not know. Any other change is a new \`schema_version\` of that event type. A change of
key, partitioning or envelope is a new topic. JSON Schema files of every event type and version ship in the
\`@publisher/contracts\` package (\`schemas/\`).`;

/**
 * The document as data.
 * @example const doc = asyncApiDocument({ version: '0.1.0' });
 */
function asyncApiDocument(options: { version: string; contracts?: readonly EventContract[] }): JsonSchema {
  const contracts = options.contracts ?? EVENT_CONTRACTS;
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  const schemas: Record<string, JsonSchema> = {};
  for (const topic of PUBLISHER_TOPICS) {
    const id = channelId(topic);
    const onTopic = contracts.filter((c) => c.topic === topic);
    const channelMessages: Record<string, JsonSchema> = {};
    for (const c of onTopic) {
      const mid = messageId(c.eventType, c.schemaVersion);
      messages[mid] = message(c);
      schemas[schemaFileName(c.eventType, c.schemaVersion)] = payloadSchema(c);
      channelMessages[mid] = { $ref: `#/components/messages/${mid}` };
    }
    channels[id] = {
      address: topic,
      title: topic,
      description: `Every public event about ${spaced(id)}. Key: the record id (UUID); value: UTF-8 JSON.`,
      messages: channelMessages,
      bindings: { kafka: { topic, bindingVersion: KAFKA_BINDING_VERSION } },
    };
    operations[`send${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      title: `Publish events to ${topic}`,
      summary: 'The relay publishes every event of the log once it is committed, at least once, in order per record.',
      channel: { $ref: `#/channels/${id}` },
      messages: Object.keys(channelMessages).map((mid) => ({ $ref: `#/channels/${id}/messages/${mid}` })),
    };
  }
  return {
    asyncapi: '3.1.0',
    info: { title: 'Publisher integration events', version: options.version, description: DESCRIPTION },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages, schemas },
  };
}

/** docs/asyncapi.yaml */
export function asyncApiYaml(options: { version: string; contracts?: readonly EventContract[] }): string {
  const body = stringify(asyncApiDocument(options), { lineWidth: 0, aliasDuplicateObjects: false });
  return `# ${GENERATED_NOTE}\n${body}`;
}
