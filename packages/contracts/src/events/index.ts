/**
 * Public integration events of Publisher on Kafka: schemas (TypeBox, versioned apart from the
 * internal domain events), topic and header names, and a small consumer toolkit (decode + validate,
 * dedupe by event id). See packages/contracts/README.md.
 */
export * from './decode.ts';
export * from './dedupe.ts';
export * from './deployment-events.ts';
export * from './envelope.ts';
export type * from './errors.ts';
export * from './publishing-record-events.ts';
export * from './registry.ts';
export * from './topics.ts';
