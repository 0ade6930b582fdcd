/**
 * The fields a caught value may carry, read without trusting it to be an `Error`: a `catch` binds
 * `unknown`, and libraries throw what they like (plain objects, strings, errors from another module
 * copy). Each reader answers for any thrown value, `null` and `undefined` included.
 */

/**
 * The thrown value's `code`: a string (Node's `ENOENT`, a PostgreSQL SQLSTATE, our own codes) or a
 * number (kafkajs and gRPC status codes); anything else reads as `undefined`.
 * @example
 * catch (err) { if (errorCode(err) === '23505') return existing; throw err; }
 */
export function errorCode(err: unknown): string | number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

/**
 * The thrown value's `message` when it has a string one, else the value as a string.
 * @example
 * catch (err) { throw new ConfigError(`cannot read ${file}: ${errorMessage(err)}`, variable); }
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}

/**
 * The thrown value's `name` when it has a string one (`'TimeoutError'`, `'KafkaJSConnectionError'`).
 * @example
 * catch (err) { if (errorName(err) === 'TimeoutError') return 'no answer in time'; throw err; }
 */
export function errorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('name' in err)) return undefined;
  return typeof err.name === 'string' ? err.name : undefined;
}
