/**
 * Requests a client generated from the OpenAPI document could send — bodies, path ids, query
 * parameters and headers drawn from the document's own schemas, strings from every UTF-16 code unit
 * (U+0000 and unpaired surrogates included), query values also outside their schemas — never get a
 * 5xx, always get the envelope, and get a status their operation documents.
 */

import {
  arbitraryFor,
  type JsonSchema,
  type OpenApiParameter as Parameter,
  queryFor,
  searchOf,
} from '@publisher/testing/openapi-arbitrary';
import fc from 'fast-check';
import t from 'tap';
import { parseIfMatch } from '../src/if-match.ts';
import { API, createRecord, startApi } from './helpers.ts';

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, unknown>;
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

t.test('every schema-valid request to every command route answers 2xx/4xx in the envelope', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const deployment = (await api.call({ method: 'POST', url: `${API}/deployments/`, payload: { site_id: 3 } })).json()
    .data.id as string;
  const doc = (await api.app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };

  let requests = 0;
  let routes = 0;
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (!path.startsWith(API)) continue;
    for (const [method, operation] of Object.entries(operations)) {
      routes += 1;
      const parameters = operation.parameters ?? [];
      const header = parameters.filter((p) => p.in === 'header');
      const knownId = path.startsWith(`${API}/deployments`) ? deployment : record.id;
      const request = fc.record({
        // An id of a record that exists (so commands reach the state machine) or any uuid.
        id: fc.oneof(fc.constant(knownId), fc.uuid()),
        query: queryFor(parameters.filter((p) => p.in === 'query')),
        headers: fc.record(
          Object.fromEntries(header.map((p) => [p.name, arbitraryFor(p.schema)])) as Record<
            string,
            fc.Arbitrary<unknown>
          >,
          { requiredKeys: header.filter((p) => p.required).map((p) => p.name) },
        ),
        body: operation.requestBody
          ? arbitraryFor(operation.requestBody.content['application/json'].schema)
          : fc.constant(undefined),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ id, query, headers, body }) => {
          requests += 1;
          const res = await api.call({
            method: method.toUpperCase() as 'POST',
            url: `${path.replace('{id}', id)}${Object.keys(query).length > 0 ? `?${searchOf(query)}` : ''}`,
            headers: {
              ...(headers as Record<string, string>),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
          });
          // A conditional GET whose tag matches (`If-None-Match: *` matches any) answers 304, bodiless, as HTTP says.
          if (res.statusCode === 304 && method === 'get' && 'if-none-match' in (headers as object)) return;
          const envelope = res.json() as { success?: unknown; code?: string };
          if (
            res.statusCode >= 500 ||
            typeof envelope.success !== 'boolean' ||
            !(String(res.statusCode) in operation.responses)
          ) {
            throw new Error(`${method.toUpperCase()} ${path} → ${res.statusCode} ${res.body.slice(0, 300)}`);
          }
        }),
        { numRuns: RUNS },
      );
    }
  }
  t.ok(routes >= 13, `${routes} routes in the document`);
  t.equal(requests, RUNS * routes, `${requests} generated requests over every route, none answered 5xx`);
});

t.test('the If-Match pattern the document declares is exactly what the server parses', async (t) => {
  const api = await startApi(t);
  const doc = (await api.app.inject({ url: '/docs/json' })).json();
  const parameter = (doc.paths[`${API}/publishing-records/{id}`].patch.parameters as Parameter[]).find(
    (p) => p.name === 'if-match',
  );
  const pattern = new RegExp(parameter?.schema.pattern ?? '(?!)');
  fc.assert(
    fc.property(fc.stringMatching(pattern), (value) => {
      parseIfMatch(value); // throws INVALID_HEADER on anything it cannot parse
    }),
    { numRuns: 500 },
  );
  for (const refused of ['yesterday', '"3",', '"-1"', '', '**', '"1"x']) {
    t.notOk(pattern.test(refused), `${JSON.stringify(refused)} is outside the pattern`);
    t.throws(() => parseIfMatch(refused), `${JSON.stringify(refused)} is refused by the parser`);
  }
});

t.test('413 and 415 are documented on the operations that take a body, and only there', async (t) => {
  const api = await startApi(t);
  const doc = (await api.app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (!path.startsWith(API)) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const takesBody = method !== 'get' && method !== 'head';
      t.equal('413' in operation.responses, takesBody, `${method} ${path}: 413`);
      t.equal('415' in operation.responses, takesBody, `${method} ${path}: 415`);
    }
  }
});
