/**
 * @publisher/projector — projects the event store's global log into the read models.
 */
export * from './config.ts';
export * from './errors.ts';
export { eventStoreOptions, main, type RunningProjector, start } from './main.ts';
export { foldBatch, planBatch } from './projections/batch.ts';
export { decodeEvent, IGNORED_EVENT_TYPES } from './projections/decode.ts';
export { projectDeployment } from './projections/deployments.ts';
export { projectPublishingRecord } from './projections/publishing-records.ts';
export { type Projector, type ProjectorOptions, startProjector } from './projector.ts';
export * from './status.ts';
export { writeBatch } from './write-batch.ts';
