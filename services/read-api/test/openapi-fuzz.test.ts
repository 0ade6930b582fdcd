/**
 * Requests a client generated from the read API's OpenAPI document could send — every documented
 * path, query and header parameter drawn from its schema — mixed with parameters no schema allows
 * (any text, odd Unicode, malformed percent-encoding): none gets a 5xx (but the documented 503 of a
 * `min_position` not reached in time), each answer is one its operation documents, and each is in
 * the envelope.
 */

import { waitUntil } from '@publisher/testing';
import {
  anyText,
  arbitraryFor,
  type OpenApiParameter as Parameter,
  percentEncode,
  queryFor,
  searchOf,
} from '@publisher/testing/openapi-arbitrary';
import fc from 'fast-check';
import t from 'tap';
import { API, type Claims, startStack } from './e2e-helpers.ts';

interface Operation {
  parameters?: Parameter[];
  responses: Record<string, unknown>;
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

const own: Claims = { account_id: 1, role: 'editor' };
const CALLERS: Claims[] = [own, { account_id: 1, role: 'admin' }, { account_id: 99, role: 'support' }];

const stack = await startStack(t, { READ_API_MIN_POSITION_TIMEOUT_MS: '20' });

async function command(url: string, body: unknown) {
  const res = await stack.command('POST', url, own, body);
  if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
  return res.json().data as { id: string };
}
const site_id = 1000;
const record = await command('/publishing-records/', {
  content_id: 1,
  site_id,
  sector_id: 5,
  destination: 'webhook',
  destination_config: { url: 'https://hooks.example.com/x' },
});
await command(`/publishing-records/${record.id}/start`, {});
await command(`/publishing-records/${record.id}/fail`, { error: 'x' });
const deployment = await command('/deploy', { site_id });
// The record's ETag once it is projected: a client that cached it sends it back.
const etag = await waitUntil('the record and the deployment to be projected', async () => {
  const [r, d] = await Promise.all([
    stack.read(`/publishing-records/${record.id}`, own),
    stack.read(`/deployments/${deployment.id}`, own),
  ]);
  return r.statusCode === 200 && r.json().data.status === 'failed' && d.statusCode === 200 && String(r.headers.etag);
});

t.test('every generated request to every read route answers a documented 2xx/3xx/4xx in the envelope', async (t) => {
  const doc = (await stack.apps.reads.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  let routes = 0;
  let requests = 0;
  const statuses = new Map<number, number>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (!path.startsWith(API)) continue;
    for (const operation of Object.values(operations)) {
      routes += 1;
      const parameters = operation.parameters ?? [];
      const of = (where: Parameter['in']) => parameters.filter((p) => p.in === where);
      const known = path.startsWith(`${API}/deployments`) ? deployment.id : record.id;
      const request = fc.record({
        as: fc.constantFrom(...CALLERS),
        id: fc.oneof({ weight: 3, arbitrary: fc.constant(known) }, { weight: 2, arbitrary: fc.uuid() }, anyText(40)),
        site: fc.oneof(
          { weight: 3, arbitrary: fc.constant(String(site_id)) },
          { weight: 2, arbitrary: fc.integer().map(String) },
          anyText(20),
        ),
        query: queryFor(of('query'), { account_id: 1, site_id, record_id: known }),
        headers: fc.record(
          Object.fromEntries(
            of('header').map((p) => [
              p.name,
              // Besides any text, the tags a client that cached an answer sends.
              p.name === 'if-none-match'
                ? fc.oneof(arbitraryFor(p.schema), fc.constantFrom(etag, '*', `W/${etag}`, `"0", ${etag}`))
                : arbitraryFor(p.schema),
            ]),
          ),
        ),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ as, id, site, query, headers }) => {
          requests += 1;
          const search = searchOf(query);
          const url = `${path.slice(API.length).replace('{id}', percentEncode(id)).replace('{site_id}', percentEncode(site))}${search ? `?${search}` : ''}`;
          const res = await stack.read(url, as, headers as Record<string, string>);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const problem = (why: string) =>
            new Error(`GET ${url} → ${res.statusCode} (${why}) ${res.body.slice(0, 300)}`);
          if (!(String(res.statusCode) in operation.responses)) throw problem('not documented');
          // A conditional read whose tag matches answers 304 without a body, as HTTP says.
          if (res.statusCode === 304) return;
          const envelope = res.json() as { success?: unknown; code?: unknown };
          if (typeof envelope.success !== 'boolean') throw problem('no envelope');
          const waited = 'min_position' in query || 'x-min-position' in headers;
          if (res.statusCode >= 500 && !(res.statusCode === 503 && waited && envelope.code === 'PROJECTION_BEHIND')) {
            throw problem('server error');
          }
        }),
        { numRuns: RUNS },
      );
    }
  }
  t.ok(routes >= 10, `${routes} read routes in the document`);
  t.equal(requests, RUNS * routes, `${requests} generated requests over every route, none answered 5xx`);
  // The generated requests reach past validation too: some answer data, some are refused.
  t.ok(statuses.get(200)! > 0 && statuses.get(400)! > 0, `statuses: ${JSON.stringify([...statuses])}`);
});
