export { type Backoff, type BackoffPolicy, backoffDelay, createBackoff } from './backoff.ts';
export { closeOnSignal, type ShutdownLogger } from './close-on-signal.ts';
export { sleep } from './sleep.ts';
