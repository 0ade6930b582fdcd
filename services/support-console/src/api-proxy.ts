import proxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import { API_PREFIX, errorEnvelope, STATUS_BY_CODE } from '@publisher/platform';
import { requestTraceparent } from '@publisher/telemetry';
import type { FastifyInstance } from 'fastify';

/**
 * Request headers the console forwards; anything else (cookies, forwarding headers a browser
 * extension might add) stays behind. The `authorization` header goes on exactly as the browser sent
 * it: the console adds no credentials of its own.
 */
const FORWARDED_REQUEST_HEADERS = [
  'authorization',
  'accept',
  'content-type',
  'content-length',
  'if-none-match',
  'if-match',
  'x-min-position',
];

/**
 * The command API's routes the console calls: a re-drive of one record (`republish`, `redeliver`).
 * Any other command path is not forwarded, so the console cannot be used to edit records, even by a
 * user whose token could.
 */
const REDRIVE_PATH = /^\/api\/command\/(?:publishing-records|deployments)\/[^/?#]+\/(?:republish|redeliver)\/?(?:\?|$)/;

export interface ApiProxyOptions {
  commandApiUrl: string;
  readApiUrl: string;
}

/**
 * The console's same-origin way to the APIs: `GET /api/read/…` goes to the read API's
 * `/api/v1/publisher/…`, `POST /api/command/…` to the command API's. Same-origin keeps the APIs free
 * of CORS rules for the console and lets the page's Content-Security-Policy allow `connect-src 'self'`
 * only. The read side forwards GET and HEAD only, the command side POSTs of re-drives only (the
 * console reads and re-drives; it edits nothing: any other command path is a 404 here), and nothing
 * is retried: a 503 or 429 reaches the user as the API sent it.
 * @example
 * await app.register(apiProxy, { commandApiUrl: 'http://127.0.0.1:3000', readApiUrl: 'http://127.0.0.1:3001' });
 */
export async function apiProxy(fastify: FastifyInstance, options: ApiProxyOptions): Promise<void> {
  await fastify.register(proxy, {
    upstream: options.readApiUrl,
    prefix: '/api/read',
    rewritePrefix: API_PREFIX,
    httpMethods: ['GET', 'HEAD'],
    disableRequestLogging: true,
    replyOptions: replyOptions('read API'),
  });
  await fastify.register(proxy, {
    upstream: options.commandApiUrl,
    prefix: '/api/command',
    rewritePrefix: API_PREFIX,
    httpMethods: ['POST'],
    preHandler: (request, reply, done) => {
      if (REDRIVE_PATH.test(request.url)) done();
      else reply.callNotFound();
    },
    disableRequestLogging: true,
    replyOptions: replyOptions('command API'),
  });
}

function replyOptions(name: string): FastifyHttpProxyOptions['replyOptions'] {
  return {
    retryDelay: () => null,
    rewriteRequestHeaders: (request, headers) => {
      const kept: typeof headers = {};
      for (const header of FORWARDED_REQUEST_HEADERS) {
        const value = headers[header];
        if (value !== undefined) kept[header] = value;
      }
      // One request id in the console's log and the API's (and in the answer the page shows).
      kept['x-request-id'] = request.id;
      // The API's spans continue the console's request span, so one trace shows both hops.
      const traceparent = requestTraceparent(request);
      if (traceparent !== undefined) kept.traceparent = traceparent;
      return kept;
    },
    // A 304 (a revalidated record) has no body, but may carry the Content-Length of the full answer,
    // as HTTP allows; sent on with the upstream's empty stream, Fastify took that header for the
    // length of a body that never came and answered 500. Bodiless statuses go out without either.
    onResponse: (_request, reply, res) => {
      if (res.statusCode === 304 || res.statusCode === 204) {
        res.stream.resume();
        void reply.removeHeader('content-length').send();
      } else {
        void reply.send(res.stream);
      }
    },
    // The API could not be reached (refused, reset, timed out): an enveloped 503 the page can show.
    onError: (reply, { error }) => {
      reply.log.warn({ err: error }, `${name} unreachable`);
      void reply
        .code(STATUS_BY_CODE.UPSTREAM_UNAVAILABLE)
        .header('retry-after', '2')
        .send(errorEnvelope(reply.request.id, 'UPSTREAM_UNAVAILABLE', `the ${name} cannot be reached; retry shortly`));
    },
  };
}
