/**
 * @publisher/read-api — tenant-scoped reads of the read models, with read-your-writes.
 */
export { buildApp, type ReadApiOptions, readApi } from './app.ts';
export { CheckpointWatcher, type WaitOutcome } from './checkpoint-watcher.ts';
export { loadReadApiConfig, type ReadApiConfig } from './config.ts';
export { main, type RunningReadApi, start } from './main.ts';
