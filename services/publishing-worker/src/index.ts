/**
 * @publisher/publishing-worker — publishes pending publishing records to their destinations
 * (webhook, WordPress) and records the outcome through the command API. See ../README.md.
 */

export { workerTopics } from './config.ts';
export { listDeadLetters, redriveDeadLetters } from './dead-letter-redrive.ts';
