// @ts-check
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The consumer's durable state in one JSON file: what it knows about each record (its effect) and
 * the ids of the events it has handled (its dedupe store). Both change together in memory and reach
 * the disk together, in one atomic replace, so an event is never "handled" without being
 * "remembered" or the other way round. A consumer with a database keeps both in tables written in
 * one transaction instead; the shape of the code stays the same.
 *
 * @typedef {{ status: string, position: string, event_type: string, occurred_at: string }} RecordView
 * @typedef {{ topic: string, partition: number, offset: string, code: string, message: string }} Parked
 * @typedef {{ handled: number, duplicates: number, replays: number, stale: number, ignored: number, parked: number }} Counts
 * @typedef {{ records: Record<string, RecordView>, processed: string[], parked: Parked[], counts: Counts }} State
 */

/** @returns {State} */
const emptyState = () => ({
  records: {},
  processed: [],
  parked: [],
  counts: { handled: 0, duplicates: 0, replays: 0, stale: 0, ignored: 0, parked: 0 },
});

/**
 * Opens the state file (a missing file is an empty state).
 * @param {string} file
 */
export function openStateStore(file) {
  /** @type {State} */
  let state;
  try {
    state = { ...emptyState(), ...JSON.parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
    state = emptyState();
  }
  const processed = new Set(state.processed);

  return {
    state,
    /**
     * The dedupe store for `createEventDeduplicator({ store })` of @publisher/contracts. `add` only
     * changes memory: the id reaches the disk with the effect, at the next `save`.
     * @type {import('@publisher/contracts').ProcessedEventStore}
     */
    processedEvents: {
      has: (eventId) => processed.has(eventId),
      add: (eventId) => {
        processed.add(eventId);
      },
    },
    /** Writes the whole state atomically (temp file, fsync, rename, fsync of the directory). */
    save() {
      state.processed = [...processed];
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(state)}\n`);
      syncPath(temp);
      renameSync(temp, file);
      syncPath(path.dirname(file));
    },
  };
}

/** @param {string} target */
function syncPath(target) {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
