import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes drawn 4 KiB at a time: one system call per 256 ids (as Node's `randomUUID` pools its own). */
const pool = new Uint8Array(4096);
let drawn = pool.length;

function random16(): Uint8Array {
  if (drawn === pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  drawn += 16;
  return pool.subarray(drawn - 16, drawn);
}

// uuid's own monotonic state is kept only when it draws the randomness itself, so it is kept here.
let msecs = Number.NEGATIVE_INFINITY;
let seq = 0;

/**
 * A new id for a record, an event or a request: a time-ordered UUID (v7, monotonic within a
 * millisecond). The indexes on these ids — the event store's and the audit model's event ids, the
 * audit model's correlation ids, the records' primary keys — then take each insert at their right
 * edge, where a random id would land on a cold page of a large index and rewrite it to the WAL after
 * every checkpoint (see docs/scaling.md).
 *
 * The random bits come from a pool: uuid draws 16 bytes per id from `crypto.getRandomValues`, one
 * OpenSSL call each, and the APIs make an id per request (its request id). Measure: a CPU profile
 * under `pnpm bench:reads`. The sequence follows uuid's `v7`: a random 31-bit start in a new
 * millisecond, then +1 per id; its overflow borrows the next millisecond.
 */
export function newId(): string {
  const random = random16();
  const now = Date.now();
  if (now > msecs) {
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    msecs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) msecs++;
  }
  return v7({ msecs, seq, random });
}

// The check of the ids' form lives with the wire's `Uuid`; the ids' other helpers import it from here.
export { isUuid } from '@publisher/contracts';
