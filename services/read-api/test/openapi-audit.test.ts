/**
 * The OpenAPI document describes every support read: summary, parameters, query and responses.
 */
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { config } from './helpers.ts';

const database = await createTestDatabase('read_api_openapi');
t.teardown(database.drop);
const app = await buildApp({ config: config(database.url) }, { logger: false });
t.teardown(() => app.close());

const base = '/api/v1/publisher';
const doc = (await app.inject({ url: '/docs/json' })).json();
const names = (op: { parameters?: Array<{ name: string; in: string }> }, where: string) =>
  (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);

t.test('history routes: the record id, paging, and the list envelope of entries', async (t) => {
  for (const kind of ['publishing-records', 'deployments']) {
    const op = doc.paths[`${base}/${kind}/{id}/history`]?.get;
    t.ok(op, `${kind} history is documented`);
    t.match(op.summary, /history/);
    t.ok(op.description.length > 50, 'described');
    t.same(names(op, 'path'), ['id']);
    t.same(names(op, 'query').sort(), ['from_revision', 'page_size']);
    const entry = op.responses['200'].content['application/json'].schema.properties.results.items;
    t.same(
      Object.keys(entry.properties).sort(),
      [
        'actor',
        'causation_id',
        'changes',
        'correlation_id',
        'data',
        'occurred_at',
        'position',
        'recorded_at',
        'request_id',
        'revision',
        'state',
        'type',
      ],
      'every field of an entry',
    );
    t.ok(op.responses['404'] && op.responses['400'] && op.responses['401'], 'error responses');
  }
});

t.test('single-record reads document as_of and as_of_revision', async (t) => {
  for (const kind of ['publishing-records', 'deployments']) {
    const op = doc.paths[`${base}/${kind}/{id}`].get;
    t.ok(names(op, 'query').includes('as_of') && names(op, 'query').includes('as_of_revision'), kind);
    t.match(op.description, /as_of/);
  }
});

t.test('audit routes: their filters and the list envelopes', async (t) => {
  const events = doc.paths[`${base}/audit/events`]?.get;
  t.same(names(events, 'query').sort(), [
    'account_id',
    'actor',
    'correlation_id',
    'cursor',
    'from',
    'min_position',
    'page_size',
    'record_id',
    'site_id',
    'to',
    'type',
  ]);
  t.ok(events.responses['200'].content['application/json'].schema.properties.results.items.properties.actor);
  const log = doc.paths[`${base}/audit/access-log`]?.get;
  t.same(names(log, 'query').sort(), ['cursor', 'page_size']);
  t.match(log.description, /admin/);
  t.ok(log.responses['403']);
  const snapshot = doc.paths[`${base}/audit/snapshot`]?.get;
  t.same(names(snapshot, 'query').sort(), ['account_id', 'as_of', 'cursor', 'min_position', 'page_size']);
  for (const op of [events, snapshot]) t.same(names(op, 'header'), ['x-min-position'], 'read-your-writes by header');
  t.ok(snapshot.parameters.find((p: { name: string }) => p.name === 'as_of').required, 'as_of is required');
  for (const op of [events, log, snapshot]) t.ok(op.summary, 'each has a summary');
});
