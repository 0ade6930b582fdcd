import type { FieldErrors } from '@publisher/contracts';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable, isRefusedInput } from './database-errors.ts';
import { errorEnvelope } from './envelope.ts';
import { type ErrorCode, HttpError, httpError, isErrorCode, STATUS_BY_CODE } from './errors.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';
import { RouteMethods } from './route-methods.ts';
import { fieldErrors } from './validation.ts';

interface ErrorHandlerOptions {
  /** Seconds clients should wait before retrying a 503 (Retry-After). Default 2. */
  retryAfterSeconds?: number;
}

/** What the client is told about an error. */
export interface Problem {
  status: number;
  code: ErrorCode;
  message: string;
  errors?: FieldErrors;
  headers?: Record<string, string>;
}

// Fastify's own error codes, renamed into the platform's vocabulary.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
};

/**
 * Maps any thrown value to what the client sees. 5xx messages are replaced by a generic one; the
 * real error is logged.
 * @example
 * toProblem(new HttpError('PRECONDITION_FAILED', 'stale')) // { status: 412, code: 'PRECONDITION_FAILED', … }
 */
export function toProblem(err: unknown): Problem {
  if (err instanceof HttpError) {
    return withoutUndefined({
      status: err.statusCode,
      code: err.code,
      message: err.message,
      errors: err.errors,
      headers: err.headers,
    });
  }
  const e = (err ?? {}) as Partial<FastifyError> & {
    errors?: unknown;
    validationContext?: string;
    statusCode?: number;
  };
  if (Array.isArray(e.validation)) {
    return problemOf('VALIDATION', 'invalid input', fieldErrors(e.validation, e.validationContext));
  }
  if (err instanceof SyntaxError && e.statusCode === 400) {
    // A JSON body that does not parse: Fastify's parser passes the SyntaxError on with status 400.
    return problemOf('INVALID_JSON', 'request body is not valid JSON');
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Fastify's own message names no remedy.
    return problemOf('UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON, sent as Content-Type: application/json');
  }
  const code = typeof e.code === 'string' ? (FASTIFY_CODES[e.code] ?? e.code) : undefined;
  if (code !== undefined && isErrorCode(code)) {
    const status = STATUS_BY_CODE[code];
    return status >= 500 ? problemOf(code) : problemOf(code, e.message ?? code, asFieldErrors(e.errors));
  }
  // Any other client error (a plugin's, with a code of its own) is the client's fault all the same.
  // Before the database's codes: a client gone mid-body is an `ECONNRESET` too, with status 400.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return e.code === 'ECONNRESET'
      ? problemOf('BAD_REQUEST', 'the client closed the connection before the body was complete')
      : problemOf('BAD_REQUEST', e.message ?? 'bad request');
  }
  if (isRefusedInput(err)) return problemOf('VALIDATION', 'a value in the request cannot be stored');
  if (isDatabaseUnavailable(err)) return problemOf('DATABASE_UNAVAILABLE');
  return problemOf('INTERNAL_ERROR');
}

/**
 * A problem with its code's status from `STATUS_BY_CODE`; without a message, a 5xx's generic one
 * (the real error is logged, not shown).
 */
function problemOf(code: ErrorCode, message?: string, errors?: FieldErrors): Problem {
  const status = STATUS_BY_CODE[code];
  const text = message ?? (status === 503 ? 'a dependency is unavailable; retry later' : 'internal server error');
  return errors === undefined ? { status, code, message: text } : { status, code, message: text, errors };
}

function asFieldErrors(value: unknown): FieldErrors | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: FieldErrors = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) out[field] = messages.map(String);
  }
  return out;
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Fastify's `frameworkErrors`: a URL its router cannot take — a path that is not valid
 * percent-encoded UTF-8, a path segment longer than the router's bound — answered in the envelope
 * like every other bad input (Fastify answers these before any route or hook runs).
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problemOf('VALIDATION', 'a segment of the URL’s path is too long')
      : err.code === 'FST_ERR_BAD_URL'
        ? problemOf('VALIDATION', 'the URL’s path is not valid percent-encoded UTF-8')
        : toProblem(err);
  logProblem(request, err, problem);
  reply.header(REQUEST_ID_HEADER, request.id);
  return reply.code(problem.status).send(errorEnvelope(request.id, problem.code, problem.message));
}

function logProblem(request: FastifyRequest, err: unknown, problem: Problem): void {
  if (problem.status >= 500) request.log.error({ err, code: problem.code }, 'request failed');
  else request.log.info({ code: problem.code, status: problem.status, reason: problem.message }, 'request rejected');
}

/**
 * The unified envelope for everything that is not a success: one error handler for thrown errors
 * (including Fastify's own 400/413/415 and JSON parse errors), a 404 handler for unknown routes (405
 * with `Allow` when the path has routes of other methods), and a 503 for requests that arrive while
 * the server is closing. It also returns the request id header
 * and writes one log line per request.
 */
const errorHandler: FastifyPluginAsync<ErrorHandlerOptions> = async (fastify, opts) => {
  const retryAfter = String(opts.retryAfterSeconds ?? 2);
  let closing = false;

  const logRequests = ['info', 'debug', 'trace'].includes(fastify.log.level);
  // Callback-style hooks: they run on every request, and async hooks cost a promise each.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (!closing) return done();
    reply.header('connection', 'close');
    done(httpError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance'));
  });
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // A response finished while closing also closes its connection; otherwise a kept-alive socket
  // would hold `close()` open until the keep-alive timeout.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // Registered only when its line would be written: a hook costs every request its runner.
  if (logRequests) {
    fastify.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
      done();
    });
  }

  fastify.setErrorHandler((err, request, reply) => {
    const problem = toProblem(err);
    logProblem(request, err, problem);
    if (problem.headers) reply.headers(problem.headers);
    if (problem.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', retryAfter);
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(problem.status).send(errorEnvelope(request.id, problem.code, problem.message, problem.errors));
  });

  // Routes registered after this plugin (all of an API's) are recorded by path.
  const routeMethods = new RouteMethods(fastify.initialConfig.routerOptions);
  fastify.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));

  fastify.setNotFoundHandler((request, reply) => {
    // The path alone: the query string is the client's, and may carry what a log should not.
    const path = (request.url.split('?', 1)[0] ?? '').slice(0, 200);
    const allowed = routeMethods.allowed(request.url);
    // A route that hands its own method on here (`reply.callNotFound()`) is a 404 like any other.
    const problem =
      allowed === undefined || allowed.includes(request.method)
        ? problemOf('ROUTE_NOT_FOUND', `route ${request.method} ${path} not found`)
        : problemOf(
            'METHOD_NOT_ALLOWED',
            `${request.method} is not allowed on ${path}; it takes ${allowed.join(', ')}`,
          );
    logProblem(request, null, problem);
    if (problem.code === 'METHOD_NOT_ALLOWED') reply.header('allow', allowed!.join(', '));
    return reply.code(problem.status).send(errorEnvelope(request.id, problem.code, problem.message));
  });
};

export default fp(errorHandler, { name: '@publisher/platform/error-handler', fastify: '5.x' });
