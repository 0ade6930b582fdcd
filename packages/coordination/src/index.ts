export * from './advisory-lock.ts';
export { type BackoffPolicy, backoffDelay, createBackoff } from './backoff.ts';
export { BatchQueue } from './batch-queue.ts';
export { closeOnSignal, REPEATED_SIGNAL_MS } from './close-on-signal.ts';
export { isEntryPoint, runIfEntryPoint } from './entry-point.ts';
export { type ListenSession, openListenSession } from './listen-session.ts';
export { applyMigrations, type Migration, quoteIdent } from './migrations.ts';
export { sleep } from './sleep.ts';
export { withTimeout } from './timeout.ts';
