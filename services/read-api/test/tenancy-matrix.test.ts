/**
 * The roles table (platform ROLE_PERMISSIONS) over every route of both APIs: the routes come from the two OpenAPI
 * documents (`/docs/json`), so a route without a case here fails the test instead of going
 * untested. Each route is called by each kind of caller on a record of account 1 in a site of its
 * own, which is built for that one call through the command API (and projected, for the read API):
 *
 * - own: an editor of account 1            - admin: an admin of account 1
 * - other: an editor of account 2          - siteless: an editor of account 1 whose `site_ids` lack the site
 * - viewer: a viewer of account 1          - support: support staff (account 99)
 * - developer: a developer (account 99)
 *
 * Expected: 404 where the caller may not see the record (another account, a site outside `site_ids`),
 * 403 where it sees it but its role may not act, success otherwise; a list answers 200 with or
 * without the record. A refused command stores nothing.
 */
import t, { type Test } from 'tap';
import { API, bearer, type Claims, startStack } from './e2e-helpers.ts';

type Caller = 'own' | 'admin' | 'other' | 'siteless' | 'viewer' | 'support' | 'developer';

const CALLERS: Record<Caller, Claims> = {
  own: { account_id: 1, role: 'editor' },
  admin: { account_id: 1, role: 'admin' },
  other: { account_id: 2, role: 'editor' },
  siteless: { account_id: 1, role: 'editor', site_ids: [1] }, // fixtures use sites from 1000 on
  viewer: { account_id: 1, role: 'viewer' },
  support: { account_id: 99, role: 'support' },
  developer: { account_id: 99, role: 'developer' },
};

/** The role table as the status each kind of route answers each caller. */
const EXPECTED = {
  /** GET one record: hidden from other accounts and sites, readable by every role. */
  read: { own: 200, admin: 200, other: 404, siteless: 404, viewer: 200, support: 200, developer: 200 },
  /** GET a list: always 200; the record is in it exactly when `read` would answer 200. */
  list: { own: 200, admin: 200, other: 200, siteless: 200, viewer: 200, support: 200, developer: 200 },
  /** A command on a record: writers of its account, and the roles that write any account. */
  write: { own: 200, admin: 200, other: 404, siteless: 404, viewer: 403, support: 403, developer: 200 },
  /** A read naming account 1 (`account_id`, which privileged roles must name): another account may not. */
  accountRead: { own: 200, admin: 200, other: 403, siteless: 404, viewer: 200, support: 200, developer: 200 },
  /** A list naming account 1 (`account_id`): another account may not name it. */
  accountList: { own: 200, admin: 200, other: 403, siteless: 200, viewer: 200, support: 200, developer: 200 },
  /** A create naming account 1 (`account_id`) in the record's site: privileged roles may name another account. */
  create: { own: 201, admin: 201, other: 403, siteless: 403, viewer: 403, support: 403, developer: 201 },
  /** A republish: support and the privileged roles only (a role check before any lookup). */
  republish: { own: 403, admin: 403, other: 403, siteless: 403, viewer: 403, support: 202, developer: 202 },
  /** A redelivery: writers of the record's account too. */
  redeliver: { own: 202, admin: 202, other: 404, siteless: 404, viewer: 403, support: 202, developer: 202 },
  /** The caller's own account's secrets and logs: its admins and owners (without `site_ids`) only. */
  accountAdmin: { own: 403, admin: 200, other: 403, siteless: 403, viewer: 403, support: 403, developer: 403 },
} as const satisfies Record<string, Record<Caller, number>>;
type Kind = keyof typeof EXPECTED;

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The documented path with its parameters filled in, plus any query. */
  url: string;
  body?: unknown;
  /** The stream a refused call must leave as it was. */
  stream?: string;
  /** For lists: the record id that must be listed exactly when the caller may read the record. */
  listed?: string;
}

interface RouteCase {
  kind: Kind;
  /** Builds what the call needs (through the API) and returns the call, or its variants. */
  prepare: () => Promise<Call | Call[]>;
}

const stack = await startStack(t);
const maker = CALLERS.own;
let nextSite = 1000;

async function command(method: Call['method'], url: string, body?: unknown) {
  const res = await stack.command(method, url, maker, body);
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return { data: res.json().data, position: String(res.headers['x-position']) };
}

type RecordState = 'pending' | 'publishing' | 'failed';
/** A publishing record of account 1 in a site of its own, in `state`. */
async function record(state: RecordState) {
  const site_id = nextSite++;
  const body = {
    content_id: site_id,
    site_id,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/x' },
  };
  const created = await command('POST', '/publishing-records/', body);
  const id: string = created.data.id;
  let position = created.position;
  if (state !== 'pending') position = (await command('POST', `/publishing-records/${id}/start`)).position;
  if (state === 'failed') position = (await command('POST', `/publishing-records/${id}/fail`, { error: 'x' })).position;
  return { id, site_id, position, stream: `publishing_record-${id}` };
}

type DeploymentState = 'pending' | 'deploying' | 'deployed';
/** A deployment of account 1 in a site of its own, in `state`. */
async function deployment(state: DeploymentState) {
  const site_id = nextSite++;
  const created = await command('POST', '/deploy', { site_id });
  const id: string = created.data.id;
  let position = created.position;
  if (state !== 'pending') position = (await command('POST', `/deployments/${id}/start`)).position;
  if (state === 'deployed') {
    position = (await command('POST', `/deployments/${id}/succeed`, { deployment_url: 'https://site.test' })).position;
  }
  return { id, site_id, position, stream: `deployment-${id}` };
}

const onRecord =
  (state: RecordState, method: Call['method'], action: string, body?: unknown): RouteCase['prepare'] =>
  async () => {
    const r = await record(state);
    return { method, url: `${API}/publishing-records/${r.id}${action}`, body, stream: r.stream };
  };
const onDeployment =
  (state: DeploymentState, method: Call['method'], action: string, body?: unknown): RouteCase['prepare'] =>
  async () => {
    const d = await deployment(state);
    return { method, url: `${API}/deployments/${d.id}${action}`, body, stream: `deployment-${d.id}` };
  };
const newSite = () => nextSite++;
/** Waits until the read models include `fixture` (a read with `min_position` as its maker). */
async function projected<F extends { id: string; position: string }>(fixture: F): Promise<F> {
  const res = await stack.read(`/publishing-records/${fixture.id}?min_position=${fixture.position}`, maker);
  if (res.statusCode !== 200) throw new Error(`not projected: ${res.statusCode} ${res.body}`);
  return fixture;
}
/** An entry of any list: a record, an audit event or access-log entry, a snapshot entry. */
interface ListEntry {
  id?: string;
  record_id?: string | null;
  site_id?: number | null;
  data?: { id?: string; site_id?: number };
}
/** The ids a list entry names its record by. */
const recordIds = (result: ListEntry) =>
  [result.id, result.record_id, result.data?.id].filter((id) => typeof id === 'string');

/** One case per documented route, keyed `<api> <METHOD> <OpenAPI path>`. */
const CASES: Record<string, RouteCase> = {
  // Command API: publishing records
  [`command POST ${API}/publishing-records`]: {
    kind: 'create',
    prepare: async () => {
      const site_id = newSite();
      const body = {
        account_id: 1,
        content_id: 1,
        site_id,
        sector_id: 5,
        destination: 'webhook',
        destination_config: { url: 'https://hooks.example.com/x' },
      };
      return { method: 'POST', url: `${API}/publishing-records`, body };
    },
  },
  [`command GET ${API}/publishing-records/{id}`]: { kind: 'read', prepare: onRecord('pending', 'GET', '') },
  [`command PATCH ${API}/publishing-records/{id}`]: {
    kind: 'write',
    prepare: onRecord('pending', 'PATCH', '', { metadata: { title: 'changed' } }),
  },
  [`command DELETE ${API}/publishing-records/{id}`]: {
    kind: 'write',
    prepare: onRecord('pending', 'DELETE', ''),
  },
  [`command POST ${API}/publishing-records/{id}/start`]: {
    kind: 'write',
    prepare: onRecord('pending', 'POST', '/start'),
  },
  [`command POST ${API}/publishing-records/{id}/succeed`]: {
    kind: 'write',
    prepare: onRecord('publishing', 'POST', '/succeed', { external_url: 'https://x.test/1', external_id: '1' }),
  },
  [`command POST ${API}/publishing-records/{id}/fail`]: {
    kind: 'write',
    prepare: onRecord('publishing', 'POST', '/fail', { error: 'nope' }),
  },
  [`command POST ${API}/publishing-records/{id}/retry`]: {
    kind: 'write',
    prepare: onRecord('failed', 'POST', '/retry'),
  },
  [`command POST ${API}/publishing-records/{id}/republish`]: {
    kind: 'republish',
    prepare: onRecord('pending', 'POST', '/republish', { reason: 'consumer lost events' }),
  },
  [`command POST ${API}/publishing-records/{id}/redeliver`]: {
    kind: 'redeliver',
    prepare: onRecord('failed', 'POST', '/redeliver', { reason: 'destination fixed' }),
  },

  // Command API: deployments
  [`command POST ${API}/deployments`]: {
    kind: 'create',
    prepare: async () => ({ method: 'POST', url: `${API}/deployments`, body: { account_id: 1, site_id: newSite() } }),
  },
  [`command GET ${API}/deployments/{id}`]: { kind: 'read', prepare: onDeployment('pending', 'GET', '') },
  [`command PATCH ${API}/deployments/{id}`]: {
    kind: 'write',
    prepare: onDeployment('pending', 'PATCH', '', { metadata: { commit: 'abc' } }),
  },
  [`command POST ${API}/deployments/{id}/cancel`]: {
    kind: 'write',
    prepare: onDeployment('pending', 'POST', '/cancel'),
  },
  [`command POST ${API}/deployments/{id}/start`]: { kind: 'write', prepare: onDeployment('pending', 'POST', '/start') },
  [`command POST ${API}/deployments/{id}/succeed`]: {
    kind: 'write',
    prepare: onDeployment('deploying', 'POST', '/succeed', { deployment_url: 'https://site.test' }),
  },
  [`command POST ${API}/deployments/{id}/fail`]: {
    kind: 'write',
    prepare: onDeployment('deploying', 'POST', '/fail', { error: 'build failed' }),
  },
  [`command POST ${API}/deployments/{id}/rollback`]: {
    kind: 'write',
    prepare: onDeployment('deployed', 'POST', '/rollback', { reason: 'broken css' }),
  },
  [`command POST ${API}/deployments/{id}/republish`]: {
    kind: 'republish',
    prepare: onDeployment('deployed', 'POST', '/republish', { reason: 'consumer lost events' }),
  },

  // Command API: root actions
  [`command POST ${API}/publish`]: {
    kind: 'create',
    prepare: async () => ({
      method: 'POST',
      url: `${API}/publish`,
      body: {
        account_id: 1,
        content_id: 1,
        site_id: newSite(),
        sector_id: 5,
        destinations: [{ destination: 'webhook', destination_config: { url: 'https://hooks.example.com/x' } }],
      },
    }),
  },
  [`command POST ${API}/deploy`]: {
    kind: 'create',
    prepare: async () => ({ method: 'POST', url: `${API}/deploy`, body: { account_id: 1, site_id: newSite() } }),
  },

  // Command API: the account's webhook signing secret
  [`command GET ${API}/webhook-signing-secret`]: {
    kind: 'accountAdmin',
    prepare: async () => ({ method: 'GET', url: `${API}/webhook-signing-secret` }),
  },
  [`command POST ${API}/webhook-signing-secret/rotate`]: {
    kind: 'accountAdmin',
    prepare: async () => ({ method: 'POST', url: `${API}/webhook-signing-secret/rotate` }),
  },

  // Read API (the record is projected before the call: min_position)
  [`read GET ${API}/publishing-records`]: {
    kind: 'list',
    prepare: async () => {
      const r = await record('pending');
      return {
        method: 'GET',
        url: `${API}/publishing-records?content_id=${r.site_id}&min_position=${r.position}`,
        listed: r.id,
      };
    },
  },
  [`read GET ${API}/publishing-records/{id}`]: {
    kind: 'read',
    prepare: async () => {
      const r = await record('publishing');
      const url = `${API}/publishing-records/${r.id}`;
      // The current state, and past states folded from the event store (as_of_revision, as_of).
      return [
        { method: 'GET', url: `${url}?min_position=${r.position}` },
        { method: 'GET', url: `${url}?as_of_revision=0` },
        { method: 'GET', url: `${url}?as_of=${new Date().toISOString()}` },
      ];
    },
  },
  [`read GET ${API}/deployments`]: {
    kind: 'list',
    prepare: async () => {
      const d = await deployment('pending');
      return { method: 'GET', url: `${API}/deployments?site_id=${d.site_id}&min_position=${d.position}`, listed: d.id };
    },
  },
  [`read GET ${API}/deployments/{id}`]: {
    kind: 'read',
    prepare: async () => {
      const d = await deployment('deploying');
      const url = `${API}/deployments/${d.id}`;
      return [
        { method: 'GET', url: `${url}?min_position=${d.position}` },
        { method: 'GET', url: `${url}?as_of_revision=0` },
        { method: 'GET', url: `${url}?as_of=${new Date().toISOString()}` },
      ];
    },
  },
  [`read GET ${API}/sites/{site_id}/deployment-status`]: {
    kind: 'accountRead',
    prepare: async () => {
      const d = await deployment('deployed');
      return {
        method: 'GET',
        url: `${API}/sites/${d.site_id}/deployment-status?account_id=1&min_position=${d.position}`,
      };
    },
  },
  // Read API: support reads from the event store and the audit read model
  [`read GET ${API}/publishing-records/{id}/history`]: {
    kind: 'read',
    prepare: async () => {
      const r = await record('failed');
      return { method: 'GET', url: `${API}/publishing-records/${r.id}/history` };
    },
  },
  [`read GET ${API}/deployments/{id}/history`]: {
    kind: 'read',
    prepare: async () => {
      const d = await deployment('deployed');
      return { method: 'GET', url: `${API}/deployments/${d.id}/history` };
    },
  },
  [`read GET ${API}/audit/events`]: {
    kind: 'list',
    prepare: async () => {
      const r = await projected(await record('pending'));
      return { method: 'GET', url: `${API}/audit/events?record_id=${r.id}`, listed: r.id };
    },
  },
  [`read GET ${API}/audit/snapshot`]: {
    kind: 'accountList',
    prepare: async () => {
      await projected(await record('pending'));
      // Every record of account 1 up to now, ordered by id: which page holds this one is chance, so the
      // check is who may list (and that a site-restricted token lists nothing outside its sites).
      return { method: 'GET', url: `${API}/audit/snapshot?account_id=1&as_of=${new Date().toISOString()}` };
    },
  },
  [`read GET ${API}/audit/access-log`]: {
    kind: 'accountAdmin',
    prepare: async () => {
      const r = await record('pending');
      // Support (another account) reads the record's history: account 1's access log records it.
      const read = await stack.read(`/publishing-records/${r.id}/history`, CALLERS.support);
      if (read.statusCode !== 200) throw new Error(`history read: ${read.statusCode} ${read.body}`);
      return { method: 'GET', url: `${API}/audit/access-log?page_size=100`, listed: r.id };
    },
  },
};

/** `<api> <METHOD> <path>` of every operation an OpenAPI document lists. */
async function documented(api: 'command' | 'read'): Promise<string[]> {
  const app = api === 'command' ? stack.apps.commands : stack.apps.reads;
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, object> };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${api} ${m.toUpperCase()} ${path}`),
  );
}

const routes = [...(await documented('command')), ...(await documented('read'))];

t.test('every documented route has a case, and every case a documented route', async (t) => {
  t.ok(routes.length >= Object.keys(CASES).length, `${routes.length} routes documented`);
  t.same(
    routes.filter((r) => !(r in CASES)),
    [],
    'routes without a case (add one to CASES)',
  );
  t.same(
    Object.keys(CASES).filter((c) => !routes.includes(c)),
    [],
    'cases of routes no document lists',
  );
});

for (const route of routes) {
  const routeCase = CASES[route];
  if (routeCase === undefined) continue; // reported above
  t.test(route, async (t) => {
    for (const caller of Object.keys(CALLERS) as Caller[]) {
      for (const call of [await routeCase.prepare()].flat()) {
        await check(t, route.startsWith('command ') ? 'command' : 'read', routeCase.kind, caller, call);
      }
    }
  });
}

/** One call as one caller, against the table. */
async function check(t: Test, api: 'command' | 'read', kind: Kind, caller: Caller, call: Call): Promise<void> {
  const claims = CALLERS[caller];
  const before = call.stream ? (await stack.store.readStream(call.stream)).length : 0;
  const app = api === 'command' ? stack.apps.commands : stack.apps.reads;
  const res = await app.inject({
    method: call.method,
    url: call.url,
    headers: { ...bearer(claims), ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
  });
  const expected = EXPECTED[kind][caller];
  const who = `${claims.role}${claims.site_ids ? ' with site_ids' : ''} of account ${claims.account_id}`;
  const what = `${call.method} ${call.url.replace(API, '')} as ${caller} (${who})`;
  t.equal(res.statusCode, expected, `${what}: ${expected}`, { body: res.body });
  const body = res.json();
  if (expected === 404) t.match(body, { success: false, code: /NOT_FOUND/ }, `${what}: not found`);
  if (expected === 403) t.match(body, { success: false, code: /FORBIDDEN/ }, `${what}: forbidden`);
  if (expected >= 400 && call.stream) {
    t.equal((await stack.store.readStream(call.stream)).length, before, `${what}: nothing stored`);
  }
  if (expected < 300 && body.data?.account_id !== undefined) {
    t.equal(body.data.account_id, 1, `${what}: account 1's record, whoever the caller`);
  }
  const results: ListEntry[] = res.statusCode === 200 && Array.isArray(body.results) ? body.results : [];
  if (call.listed !== undefined && res.statusCode === 200) {
    const visible = EXPECTED.read[caller] === 200;
    const listed = results.some((r) => recordIds(r).includes(call.listed!));
    t.equal(listed, visible, `${what}: ${visible ? 'listed' : 'not listed'}`);
  }
  if (claims.site_ids) {
    const sites = claims.site_ids;
    const outside = results.filter((r) => {
      const site = r.site_id ?? r.data?.site_id;
      return typeof site === 'number' && !sites.includes(site);
    });
    t.same(outside, [], `${what}: nothing outside site_ids`);
  }
}
