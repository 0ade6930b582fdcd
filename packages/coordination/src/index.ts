export { type Backoff, type BackoffPolicy, backoffDelay, createBackoff } from './backoff.ts';
export { sleep } from './sleep.ts';
