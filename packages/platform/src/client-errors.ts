import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { errorEnvelope } from './envelope.ts';
import { type ErrorCode, STATUS_BY_CODE } from './errors.ts';
import { newId } from './ids.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';

/*
 * Requests Node's HTTP parser refuses, answered in the envelope by every server of the platform:
 * the APIs (Fastify's `clientErrorHandler`) and the status servers (a `clientError` listener). Light
 * on purpose: the status servers of services without an API load it too.
 */

function refusal(code: ErrorCode, message: string) {
  return { status: STATUS_BY_CODE[code], code, message };
}

/**
 * Answers a request Node's HTTP parser refuses before any router sees it — a malformed request
 * line or header, an unknown method, a URL and headers over Node's `maxHeaderSize`, a body that
 * never completes within the request timeout — in the envelope, with a request id of its own, and
 * closes the connection (the parser cannot go on reading it). Only when no earlier request's answer
 * is still due on the connection (pipelining): a client would read the refusal as that answer. A
 * request timeout answers the request that timed out.
 */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Duplex,
  log?: Pick<FastifyBaseLogger, 'info'>,
): void {
  // A reset connection is gone: nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
      ? refusal('BODY_TOO_LARGE', 'the chunk extensions of the body are too large')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? refusal('HEADERS_TOO_LARGE', `the URL and headers exceed ${Math.round(maxHeaderSize / 1024)} kB`)
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? refusal('REQUEST_TIMEOUT', 'the request did not arrive whole in time')
          : err.code === 'HPE_INVALID_METHOD'
            ? refusal('BAD_REQUEST', 'unknown HTTP method')
            : refusal('BAD_REQUEST', 'malformed HTTP request');
  const id = newId();
  log?.info(
    { request_id: id, code: problem.code, status: problem.status, reason: problem.message, parser: err.code },
    'request rejected',
  );
  // Node's response still due on this socket, if any (what its own default handler checks).
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  const answerable = !inFlight || (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && inFlight.headersSent !== true);
  if (socket.writable && answerable) {
    const body = JSON.stringify(errorEnvelope(id, problem.code, problem.message));
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${REQUEST_ID_HEADER}: ${id}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Fastify's `clientErrorHandler` for the APIs: `answerClientError`, logged through the server's logger.
 * @example
 * Fastify({ clientErrorHandler })
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  answerClientError(err, socket, this.log);
}
