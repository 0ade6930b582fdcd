import { type BackoffPolicy, backoffDelay, sleep } from '@publisher/coordination';
import { HttpError } from '@publisher/platform';

/** A lost append race retries after a jittered pause, so this round's racers do not collide again in lockstep. */
const CONFLICT_BACKOFF: BackoffPolicy = { firstMs: 2, maxMs: 50, jitter: 'full' };

/**
 * After the `lost`-th lost append race (`conflict`, a WRONG_EXPECTED_VERSION): 409 once `maxAttempts`
 * were lost, else the jittered pause before the caller reads again and retries.
 * @example
 * if (!isWrongExpectedVersion(err)) throw err;
 * await backOffOrGiveUp(err, ++lost, deps.maxAttempts, `the ${spec.label}`);
 */
export async function backOffOrGiveUp(
  conflict: Error,
  lost: number,
  maxAttempts: number,
  subject: string,
): Promise<void> {
  if (lost >= maxAttempts) {
    throw new HttpError('WRONG_EXPECTED_VERSION', `${subject} kept changing concurrently; retry`, { cause: conflict });
  }
  await sleep(backoffDelay(CONFLICT_BACKOFF, lost - 1));
}
