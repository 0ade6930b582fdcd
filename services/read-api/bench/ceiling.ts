/**
 * The ceiling server of `pnpm bench:reads`: Fastify answering the read API's list and detail paths
 * (the same requests, tokens included) with a fixed body each — the bytes of a real list page and a
 * real record, fetched from the read API by the bench (CEILING_LIST_BODY, CEILING_DETAIL_BODY).
 * What serving those bytes costs this machine with no work per request: the ratio no read path can
 * beat here, beside which the read API's ratio says how much its own work costs.
 */

import { API_PREFIX } from '@publisher/contracts';
import Fastify from 'fastify';

const list = process.env.CEILING_LIST_BODY ?? '';
const detail = process.env.CEILING_DETAIL_BODY ?? '';
const app = Fastify({ logger: false });
app.get(`${API_PREFIX}/publishing-records/`, (_request, reply) => reply.type('application/json').send(list));
app.get(`${API_PREFIX}/publishing-records/:id`, (_request, reply) => reply.type('application/json').send(detail));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
// A clean exit on the bench's SIGTERM, so that `BENCH_NODE_ARGS=--cpu-prof` profiles get written.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
