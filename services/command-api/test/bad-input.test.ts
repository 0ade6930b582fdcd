import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { signTestToken } from '@publisher/testing';
import t from 'tap';
import { API, createRecord, recordBody, startApi, tokenFor } from './helpers.ts';

interface Case {
  name: string;
  method?: 'POST' | 'PATCH' | 'DELETE' | 'GET';
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Field names expected in `errors`. */
  fields?: string[];
}

t.test('bad input of every kind → 4xx envelope, stored data unchanged', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const create = `${API}/publishing-records/`;
  const rec = `${API}/publishing-records/${record.id}`;
  const json = { 'content-type': 'application/json' };
  const deployment = (await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 } })).json().data;
  const dep = `${API}/deployments/${deployment.id}`;
  const claims = { sub: 'u', account_id: 1, role: 'editor' };

  const cases: Case[] = [
    {
      name: 'malformed JSON',
      url: create,
      payload: '{"site_id": 3,',
      headers: json,
      status: 400,
      code: 'INVALID_JSON',
    },
    { name: 'empty JSON body', url: create, payload: '', headers: json, status: 400, code: 'VALIDATION' },
    { name: 'JSON null', url: create, payload: 'null', headers: json, status: 400, code: 'VALIDATION' },
    { name: 'JSON array', url: create, payload: '[1,2]', headers: json, status: 400, code: 'VALIDATION' },
    {
      name: 'prototype poisoning',
      url: create,
      payload: '{"__proto__": {"x": 1}, "site_id": 3}',
      headers: json,
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'number as string',
      url: create,
      payload: recordBody({ site_id: '3' }),
      status: 400,
      code: 'VALIDATION',
      fields: ['site_id'],
    },
    {
      name: 'fraction id',
      url: create,
      payload: recordBody({ content_id: 1.5 }),
      status: 400,
      code: 'VALIDATION',
      fields: ['content_id'],
    },
    {
      name: 'zero id',
      url: create,
      payload: recordBody({ sector_id: 0 }),
      status: 400,
      code: 'VALIDATION',
      fields: ['sector_id'],
    },
    {
      name: 'negative id',
      url: create,
      payload: recordBody({ site_id: -3 }),
      status: 400,
      code: 'VALIDATION',
      fields: ['site_id'],
    },
    {
      name: 'id above int4',
      url: create,
      payload: recordBody({ site_id: 2 ** 31 }),
      status: 400,
      code: 'VALIDATION',
      fields: ['site_id'],
    },
    {
      name: 'huge number',
      url: create,
      payload: '{"content_id": 1e400, "site_id": 3, "sector_id": 5, "destination": "webhook"}',
      headers: json,
      status: 400,
      code: 'VALIDATION',
      fields: ['content_id'],
    },
    {
      name: 'wrong type destination',
      url: create,
      payload: recordBody({ destination: 5 }),
      status: 400,
      code: 'VALIDATION',
      fields: ['destination'],
    },
    {
      name: 'bad destination name',
      url: create,
      payload: recordBody({ destination: 'Web Hook!' }),
      status: 400,
      code: 'VALIDATION',
      fields: ['destination'],
    },
    {
      name: 'array as config',
      url: create,
      payload: recordBody({ destination_config: [] }),
      status: 400,
      code: 'VALIDATION',
      fields: ['destination_config'],
    },
    {
      name: 'string metadata',
      url: create,
      payload: recordBody({ metadata: 'x' }),
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'too many metadata keys',
      url: create,
      payload: recordBody({ metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }),
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'a metadata key over 100 characters',
      url: create,
      payload: recordBody({ metadata: { ['k'.repeat(101)]: 1 } }),
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'a destination_config key over 100 characters',
      url: create,
      payload: recordBody({ destination_config: { ['k'.repeat(101)]: 1 } }),
      status: 400,
      code: 'VALIDATION',
      fields: ['destination_config'],
    },
    {
      name: 'another account named by an editor',
      url: create,
      payload: recordBody({ account_id: 2 }),
      status: 403,
      code: 'ROLE_FORBIDDEN',
      fields: ['account_id'],
    },
    {
      name: 'account_id as string',
      url: create,
      payload: recordBody({ account_id: '2' }),
      status: 400,
      code: 'VALIDATION',
      fields: ['account_id'],
    },
    {
      name: 'account_id zero (system_bot)',
      url: `${API}/deploy`,
      payload: { site_id: 3, account_id: 0 },
      headers: { authorization: `Bearer ${tokenFor({ account_id: 1, role: 'system_bot' })}` },
      status: 400,
      code: 'VALIDATION',
      fields: ['account_id'],
    },
    {
      name: 'token without account, editor',
      url: create,
      payload: recordBody(),
      headers: {
        authorization: `Bearer ${signTestToken({ sub: 'u', role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET })}`,
      },
      status: 401,
      code: 'AUTH_CLAIMS_INVALID',
    },
    {
      name: 'token without account, system_bot naming none',
      url: `${API}/publish`,
      payload: { content_id: 1, site_id: 3, sector_id: 5, destinations: [{ destination: 'webhook' }] },
      headers: {
        authorization: `Bearer ${signTestToken({ sub: 'bot', role: 'system_bot' }, { key: DEVELOPMENT_JWT_SECRET })}`,
      },
      status: 400,
      code: 'VALIDATION',
      fields: ['account_id'],
    },
    {
      name: 'deployment PATCH without metadata',
      method: 'PATCH',
      url: dep,
      payload: {},
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'deployment PATCH with metadata not an object',
      method: 'PATCH',
      url: dep,
      payload: { metadata: ['a'] },
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'deployment PATCH with a metadata key over 100 characters',
      method: 'PATCH',
      url: dep,
      payload: { metadata: { ['k'.repeat(101)]: 1 } },
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'deployment PATCH of a field that is not editable',
      method: 'PATCH',
      url: dep,
      payload: { metadata: {}, version: 9 },
      status: 400,
      code: 'VALIDATION',
      fields: ['version'],
    },
    {
      name: 'deployment PATCH with a malformed If-Match',
      method: 'PATCH',
      url: dep,
      payload: { metadata: {} },
      headers: { 'if-match': 'yesterday' },
      status: 400,
      code: 'VALIDATION',
      fields: ['headers.if-match'],
    },
    {
      name: 'deployment cancel with an empty reason',
      url: `${dep}/cancel`,
      payload: { reason: '' },
      status: 400,
      code: 'VALIDATION',
      fields: ['reason'],
    },
    {
      name: 'deployment cancel with an unknown field',
      url: `${dep}/cancel`,
      payload: { why: 'x' },
      status: 400,
      code: 'VALIDATION',
      fields: ['why'],
    },
    {
      name: 'GET with a malformed id',
      method: 'GET',
      url: `${API}/deployments/not-a-uuid`,
      status: 400,
      code: 'VALIDATION',
      fields: ['params.id'],
    },
    {
      name: 'GET with an unknown query parameter',
      method: 'GET',
      url: `${rec}?as_of_revision=1`,
      status: 400,
      code: 'VALIDATION',
    },
    {
      name: 'unknown field',
      url: create,
      payload: recordBody({ colour: 'red' }),
      status: 400,
      code: 'VALIDATION',
      fields: ['colour'],
    },
    {
      name: 'missing fields',
      url: create,
      payload: {},
      status: 400,
      code: 'VALIDATION',
      fields: ['content_id', 'site_id', 'sector_id', 'destination'],
    },
    {
      name: 'oversized destination',
      url: create,
      payload: recordBody({ destination: `w${'x'.repeat(64)}` }),
      status: 400,
      code: 'VALIDATION',
      fields: ['destination'],
    },
    {
      name: 'oversized body',
      url: create,
      payload: recordBody({ metadata: { blob: 'x'.repeat(70_000) } }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'text/plain',
      url: create,
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'xml',
      url: create,
      payload: '<a/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'form',
      url: create,
      payload: 'site_id=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'bad UUID',
      url: `${API}/publishing-records/not-a-uuid/start`,
      status: 400,
      code: 'VALIDATION',
      fields: ['params.id'],
    },
    {
      name: 'numeric id',
      url: `${API}/publishing-records/123/start`,
      status: 400,
      code: 'VALIDATION',
      fields: ['params.id'],
    },
    {
      name: 'oversized error',
      url: `${rec}/fail`,
      payload: { error: 'e'.repeat(4001) },
      status: 400,
      code: 'VALIDATION',
      fields: ['error'],
    },
    {
      name: 'empty error',
      url: `${rec}/fail`,
      payload: { error: '' },
      status: 400,
      code: 'VALIDATION',
      fields: ['error'],
    },
    {
      name: 'not a URL',
      url: `${rec}/succeed`,
      payload: { external_url: 'javascript:alert(1)' },
      status: 400,
      code: 'VALIDATION',
      fields: ['external_url'],
    },
    {
      name: 'body on start',
      url: `${rec}/start`,
      payload: { force: true },
      status: 400,
      code: 'VALIDATION',
      fields: ['force'],
    },
    { name: 'empty PATCH', method: 'PATCH', url: rec, payload: {}, status: 400, code: 'VALIDATION' },
    {
      name: 'PATCH status',
      method: 'PATCH',
      url: rec,
      payload: { status: 'published' },
      status: 400,
      code: 'VALIDATION',
      fields: ['status'],
    },
    {
      name: 'no destinations',
      url: `${API}/publish`,
      payload: { content_id: 1, site_id: 3, sector_id: 5, destinations: [] },
      status: 400,
      code: 'VALIDATION',
      fields: ['destinations'],
    },
    {
      name: 'too many destinations',
      url: `${API}/publish`,
      payload: { content_id: 1, site_id: 3, sector_id: 5, destinations: Array(21).fill({ destination: 'w' }) },
      status: 400,
      code: 'VALIDATION',
      fields: ['destinations'],
    },
    {
      name: 'bad nested destination',
      url: `${API}/publish`,
      payload: { content_id: 1, site_id: 3, sector_id: 5, destinations: [{ destination: 'w', x: 1 }] },
      status: 400,
      code: 'VALIDATION',
      fields: ['destinations.0.x'],
    },
    {
      name: 'deploy with string site',
      url: `${API}/deploy`,
      payload: { site_id: 'three' },
      status: 400,
      code: 'VALIDATION',
      fields: ['site_id'],
    },
    { name: 'unknown route', url: `${API}/nothing`, payload: {}, status: 404, code: 'ROUTE_NOT_FOUND' },
    { name: 'wrong method', method: 'GET', url: `${rec}/start`, status: 405, code: 'METHOD_NOT_ALLOWED' },
    { name: 'no token', url: `${rec}/start`, headers: { authorization: '' }, status: 401, code: 'AUTH_TOKEN_MISSING' },
    {
      name: 'expired token',
      url: `${rec}/start`,
      headers: {
        authorization: `Bearer ${signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds: -10 })}`,
      },
      status: 401,
      code: 'AUTH_TOKEN_EXPIRED',
    },
    {
      name: 'alg none',
      url: `${rec}/start`,
      headers: { authorization: `Bearer ${signTestToken(claims, { alg: 'none' })}` },
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
    },
    {
      name: 'wrong key',
      url: `${rec}/start`,
      headers: { authorization: `Bearer ${signTestToken(claims, { key: 'not-the-secret' })}` },
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
    },
    {
      name: 'tampered payload',
      url: `${rec}/start`,
      headers: { authorization: `Bearer ${tamper(tokenFor({ account_id: 2, role: 'editor' }))}` },
      status: 401,
      code: 'AUTH_TOKEN_INVALID',
    },
    {
      name: 'bad claims',
      url: `${rec}/start`,
      headers: {
        authorization: `Bearer ${signTestToken({ sub: 'u', account_id: 1, role: 'god' }, { key: DEVELOPMENT_JWT_SECRET })}`,
      },
      status: 401,
      code: 'AUTH_CLAIMS_INVALID',
    },
  ];

  // Built as text: JSON.stringify itself cannot go this deep.
  const deep = `${'{"d":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const deepRecord = `{"content_id":1,"site_id":3,"sector_id":5,"destination":"webhook","metadata":${deep}}`;
  cases.push(
    {
      name: 'deeply nested metadata',
      url: create,
      payload: deepRecord,
      headers: json,
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'deeply nested, keyed',
      url: create,
      payload: deepRecord,
      headers: { ...json, 'idempotency-key': 'deep' },
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
    {
      name: 'deeply nested deploy',
      url: `${API}/deploy`,
      payload: `{"site_id":3,"metadata":${deep}}`,
      headers: json,
      status: 400,
      code: 'VALIDATION',
      fields: ['metadata'],
    },
  );

  const before = await api.eventCount();
  for (const c of cases) {
    const res = await api.call({
      method: c.method ?? 'POST',
      url: c.url,
      ...(c.payload !== undefined && { payload: c.payload }),
      headers: c.headers,
    });
    t.equal(res.statusCode, c.status, `${c.name}: status`);
    const body = res.json();
    t.match(body, { success: false, code: c.code, error: String, request_id: String }, `${c.name}: envelope`);
    for (const f of c.fields ?? []) t.ok(body.errors?.[f]?.length > 0, `${c.name}: errors.${f}`);
  }
  t.equal(await api.eventCount(), before, 'nothing was stored');
  const events = await api.store.readStream(`publishing_record-${record.id}`);
  t.equal(events.length, 1, 'the record is unchanged');
  t.equal((await api.store.readStream(`deployment-${deployment.id}`)).length, 1, 'the deployment is unchanged');
});

/** Swaps the payload of a valid token for another one, keeping the original signature. */
function tamper(token: string): string {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ sub: 'u', account_id: 1, role: 'developer', exp: 9999999999 })).toString(
    'base64url',
  );
  return `${header}.${payload}.${signature}`;
}
