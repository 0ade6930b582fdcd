import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type ErrorCode, STATUS_BY_CODE } from '@publisher/contracts';
import { answerClientError } from './client-errors.ts';
import { ConfigError, envVar, readEnv } from './env.ts';
import { isLoopbackHost } from './jwt-secret.ts';

/**
 * Who may reach a service's status server (the projector's, the relay's, the worker's): `/status`,
 * `/ready` and `/metrics` tell positions, lag, event ids and failure reasons, so they are not for
 * anyone who can reach the port. Imported as `@publisher/platform/status-access`, apart from the
 * HTTP platform, by services that do not serve the API.
 */
export interface StatusAccess {
  /** Interface the status server listens on (STATUS_HOST, default 127.0.0.1). */
  host: string;
  /** Bearer token every path but `/health` requires (STATUS_TOKEN); null: none required. */
  token: string | null;
}

/** Shortest STATUS_TOKEN accepted. */
const MIN_STATUS_TOKEN_LENGTH = 16;

/**
 * The status server's variables, declared as every service with one lists them in its table.
 * STATUS_ENABLED=false: no status server (`loadStatusServer` reads it with the service's port).
 */
export const STATUS_VARIABLES = {
  STATUS_ENABLED: envVar.boolean(true),
  STATUS_HOST: envVar.string('127.0.0.1'),
  STATUS_TOKEN: envVar.string(null, { secret: true }),
};

/**
 * A service's status server port variable (KAFKA_RELAY_PORT, PROJECTOR_PORT, …) with its default;
 * `0`: any free port.
 */
export function statusPortVariable(defaultPort: number) {
  return envVar.integer(defaultPort, 0, 65535);
}

/**
 * STATUS_HOST (default `127.0.0.1`) and STATUS_TOKEN, read (trimmed) as `STATUS_VARIABLES` declares
 * them. A status server on an address others can reach must have a token: a non-loopback
 * STATUS_HOST without one is refused at start.
 * @example
 * const access = loadStatusAccess(process.env); // { host: '127.0.0.1', token: null }
 */
export function loadStatusAccess(env: NodeJS.ProcessEnv): StatusAccess {
  const { STATUS_HOST: host, STATUS_TOKEN: token } = readEnv(STATUS_VARIABLES, env);
  if (token !== null && token.length < MIN_STATUS_TOKEN_LENGTH) {
    throw new ConfigError(`STATUS_TOKEN must be at least ${MIN_STATUS_TOKEN_LENGTH} characters long`, 'STATUS_TOKEN');
  }
  if (token === null && !isLoopbackHost(host)) {
    throw new ConfigError(
      `STATUS_HOST=${host} is not a loopback address: set STATUS_TOKEN, which every status path but /health then requires`,
      'STATUS_HOST',
    );
  }
  return { host, token };
}

/** A status server's settings, as the configurations of the services with one hold them. */
export interface StatusServerSettings {
  /** Interface of the status server (STATUS_HOST, default 127.0.0.1; a non-loopback one needs STATUS_TOKEN). */
  host: string;
  /** Bearer token every status path but /health requires (STATUS_TOKEN); null: none. */
  statusToken: string | null;
  /** Port of the status server (the service's port variable); null: none (STATUS_ENABLED=false); 0: any free port. */
  port: number | null;
}

/**
 * The status server's settings: `loadStatusAccess`'s host and token, and the service's port (read
 * from its `statusPortVariable`) unless STATUS_ENABLED=false.
 * @example
 * const status = loadStatusServer(env, v.KAFKA_RELAY_PORT); // { host: '127.0.0.1', statusToken: null, port: 3003 }
 */
export function loadStatusServer(env: NodeJS.ProcessEnv, port: number): StatusServerSettings {
  const { host, token } = loadStatusAccess(env);
  const { STATUS_ENABLED } = readEnv({ STATUS_ENABLED: STATUS_VARIABLES.STATUS_ENABLED }, env);
  return { host, statusToken: token, port: STATUS_ENABLED ? port : null };
}

/**
 * Whether the caller may see a status server's details: always without a token, else only with
 * `Authorization: Bearer <STATUS_TOKEN>`.
 * @example
 * const body = statusDetailsAllowed(access, req.headers.authorization) ? fullHealth : { status };
 */
export function statusDetailsAllowed(access: StatusAccess, authorization: string | undefined): boolean {
  if (access.token === null) return true;
  const expected = Buffer.from(`Bearer ${access.token}`);
  const given = Buffer.from(authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whether a status request may be answered: `/health` always (without the token, only whether the
 * service is up: `{ status }`); the rest only when `statusDetailsAllowed`.
 * @example
 * if (!statusRequestAllowed(access, '/metrics', req.headers.authorization)) res.writeHead(401).end();
 */
export function statusRequestAllowed(access: StatusAccess, path: string, authorization: string | undefined): boolean {
  return path === '/health' || statusDetailsAllowed(access, authorization);
}

/**
 * A status server's error answer in the APIs' envelope: `code` with its status from `STATUS_BY_CODE`,
 * and `details` after the message.
 * @example
 * statusError('NOT_READY', 'projection read_models is closed') // { status: 503, body: { success: false, code: 'NOT_READY', error: '…' } }
 */
export function statusError(code: ErrorCode, error: string, details?: object) {
  return { status: STATUS_BY_CODE[code], body: { success: false, code, error, ...details } };
}

/** The answer to a refused status request. */
export const STATUS_UNAUTHORIZED = statusError(
  'STATUS_TOKEN_REQUIRED',
  'this status endpoint needs Authorization: Bearer <STATUS_TOKEN>',
);

/**
 * A status server's `clientError` listener: a request Node's HTTP parser refuses (malformed, an
 * unknown method, URL and headers over `maxHeaderSize`, not whole within the request timeout) is
 * answered as the APIs answer it — the envelope with a request id, its code's status, the
 * connection closed — not with Node's bare 400. Unlogged: a status server has no logger.
 * @example
 * server.on('clientError', statusClientErrors());
 */
export function statusClientErrors(): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => answerClientError(err, socket);
}
