/**
 * The support CLI's read commands (history, as-of, audit, access-log, snapshot) against a real
 * stack listening on loopback: command API → PostgreSQL event store → projector → read API, with
 * real tokens over real HTTP. One run goes through `pnpm support`'s entry point as a process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp as buildCommandApi, loadCommandApiConfig } from '@publisher/command-api';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { startProjector } from '@publisher/projector';
import { buildApp as buildReadApi, loadReadApiConfig } from '@publisher/read-api';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { commands } from '../src/commands/index.ts';
import { runCli } from '../src/run.ts';
import { sink } from './sink.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const db = await createTestDatabase('support_cli');
t.teardown(db.drop);
const pool = new pg.Pool({ connectionString: db.url, max: 5 });
pool.on('error', () => {});
t.teardown(() => pool.end());
const store = createPostgresEventStore({ pool });
await store.migrate();
t.teardown(() => store.close());
const env = { LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', DATABASE_URL: db.url };
const commandApi = await buildCommandApi({ store, pool, config: loadCommandApiConfig(env) }, { logger: false });
t.teardown(() => commandApi.close());
const readApi = await buildReadApi({ config: loadReadApiConfig(env) }, { logger: false });
t.teardown(() => readApi.close());
const projector = startProjector({ store, connectionString: db.url, logger: pino({ level: 'silent' }), batchSize: 50 });
t.teardown(() => projector.close());
const commandUrl = await commandApi.listen({ port: 0, host: '127.0.0.1' });
const readUrl = await readApi.listen({ port: 0, host: '127.0.0.1' });

const token = (account_id: number, role: string) =>
  signTestToken({ sub: `u-${account_id}-${role}`, account_id, role }, { key: DEVELOPMENT_JWT_SECRET });
const editor = token(1, 'editor');
const support = token(99, 'support');
const owner = token(1, 'owner');

async function post(route: string, body: unknown, method = 'POST', as = editor) {
  const res = await fetch(`${commandUrl}/api/v1/publisher/${route}`, {
    method,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return {
    position: res.headers.get('x-position') as string,
    data: ((await res.json()) as { data: { id: string } }).data,
  };
}

async function support_(argv: string[], as = support) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, commands, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { COMMAND_API_URL: commandUrl, READ_API_URL: readUrl, PUBLISHER_TOKEN: as },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const record = await post('publishing-records/', { content_id: 5, site_id: 2, sector_id: 1, destination: 'webhook' });
const id: string = record.data.id;
await post(`publishing-records/${id}/start`, {});
const failed = await post(`publishing-records/${id}/fail`, { error: 'timeout' });
await fetch(`${readUrl}/api/v1/publisher/publishing-records/${id}`, {
  headers: { authorization: `Bearer ${editor}`, 'x-min-position': failed.position },
});
const between = new Date().toISOString();
await sleep(10);
const second = await post('publishing-records/', { content_id: 6, site_id: 2, sector_id: 1, destination: 'webhook' });
await post(`publishing-records/${second.data.id}`, {}, 'DELETE');
const deployment = await post('deployments/', { site_id: 2 });
const last = await post(`deployments/${deployment.data.id}/start`, {});
// In account 2, so that account 1's audit and snapshot stay as they are. A reason as a person types
// it: a second line, a terminal escape, more than a line's worth.
const longReason = `customer asked to wait\n\u001b[31mticket INC-42 ${'x'.repeat(200)}`;
const cancelled = await post('deployments/', { site_id: 3 }, 'POST', token(2, 'editor'));
await post(`deployments/${cancelled.data.id}/cancel`, { reason: longReason }, 'POST', token(2, 'editor'));
await fetch(`${readUrl}/api/v1/publisher/deployments/${deployment.data.id}`, {
  headers: { authorization: `Bearer ${editor}`, 'x-min-position': last.position },
});

t.test('history: one line per event with who and what changed; --json one entry per line', async (t) => {
  const human = await support_(['history', id]);
  t.equal(human.code, 0, human.stderr);
  t.match(human.stdout, /^#0 {2}\S+ {2}PublishingRecordCreated {2}by u-1-editor \(editor\)/);
  t.match(
    human.stdout,
    /#2 {2}\S+ {2}PublishingFailed {2}by u-1-editor \(editor\)[^\n]*\n {4}error: timeout\n {4}status: publishing → failed\n/,
    'the event’s own data, then its changes',
  );
  t.match(human.stdout, / {4}error_message: null → timeout\n/);
  t.notMatch(human.stdout, /record_id|\n {4}at: /, 'not the record’s id or the time again');
  const json = await support_(['history', id, '--json', '--page-size', '2']);
  t.same(
    jsonLines(json.stdout).map((e) => [e.revision, e.type]),
    [
      [0, 'PublishingRecordCreated'],
      [1, 'PublishingStarted'],
      [2, 'PublishingFailed'],
    ],
    'every page followed',
  );
  const deploymentHistory = await support_(['history', deployment.data.id, '--deployment', '--json']);
  t.same(
    jsonLines(deploymentHistory.stdout).map((e) => e.type),
    ['DeploymentCreated', 'DeploymentStarted'],
  );
});

t.test('history: a cancel’s reason on one line, cut short; --json has it whole', async (t) => {
  const human = await support_(['history', cancelled.data.id, '--deployment']);
  t.equal(human.code, 0, human.stderr);
  const [header, reason, ...rest] = human.stdout
    .split('\n')
    .slice(human.stdout.split('\n').findIndex((l) => l.includes('DeploymentCancelled')));
  t.match(header, /^#1 {2}\S+ {2}DeploymentCancelled {2}by u-2-editor/);
  t.equal(
    reason,
    `    reason: ${`customer asked to wait [31mticket INC-42 ${'x'.repeat(200)}`.slice(0, 119)}…`,
    'one line, no escape, cut',
  );
  t.match(rest[0], /^ {4}status: pending → cancelled$/);
  t.notOk(human.stdout.includes('\u001b'), 'no terminal escape reaches the terminal');
  const json = await support_(['history', cancelled.data.id, '--deployment', '--json']);
  t.match(jsonLines(json.stdout)[1], { type: 'DeploymentCancelled', data: { reason: longReason } });
});

t.test('as-of: the record at a time or a revision', async (t) => {
  const atTime = await support_(['as-of', id, '--at', between, '--json']);
  t.equal(atTime.code, 0, atTime.stderr);
  t.match(JSON.parse(atTime.stdout), { id, status: 'failed', revision: 2, error_message: 'timeout' });
  const atRevision = await support_(['as-of', id, '--revision', '1']);
  t.match(atRevision.stdout, /^id: [0-9a-f-]{36}\n[\s\S]*status: publishing\n[\s\S]*revision: 1\n/);
  const notYet = await support_(['as-of', second.data.id, '--at', between]);
  t.equal(notYet.code, 1);
  t.match(notYet.stderr, /did not exist yet[\s\S]*RECORD_NOT_FOUND, HTTP 404/);
  const usage = await support_(['as-of', id, '--at', between, '--revision', '1']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /exactly one of --at and --revision/);
  t.equal((await support_(['as-of', id, '--at', 'yesterday'])).code, 2);
  // A number out of range names the range, also past what a JavaScript number holds exactly.
  const tooLarge = await support_(['history', id, '--page-size', '99999999999999999999']);
  t.equal(tooLarge.code, 2);
  t.match(tooLarge.stderr, /--page-size must be an integer from 1 to 100/);
  const revision = await support_(['as-of', id, '--revision', '2147483648']);
  t.equal(revision.code, 2);
  t.match(revision.stderr, /--revision must be an integer from 0 to 2147483647/);
  // A malformed record id is the caller's slip (exit 2), told before any request, by every command taking one.
  for (const argv of [
    ['history', 'not-a-uuid'],
    ['as-of', 'not-a-uuid', '--revision', '1'],
    ['redeliver', 'x1', '--reason', 'r'],
  ]) {
    const malformed = await support_(argv);
    t.equal(malformed.code, 2, argv.join(' '));
    t.match(malformed.stderr, new RegExp(`${argv[1]} is not a record id \\(a UUID\\)\nusage: pnpm support ${argv[0]}`));
  }
  const badRecord = await support_(['audit', '--record', 'not-a-uuid']);
  t.equal(badRecord.code, 2);
  t.match(badRecord.stderr, /--record must be a record id \(a UUID\)\nusage: pnpm support audit/);
});

t.test('audit: filtered, newest first, limited', async (t) => {
  const res = await support_(['audit', '--account', '1', '--record', id, '--json']);
  t.equal(res.code, 0, res.stderr);
  t.same(
    jsonLines(res.stdout).map((e) => e.type),
    ['PublishingFailed', 'PublishingStarted', 'PublishingRecordCreated'],
  );
  const limited = await support_(['audit', '--account', '1', '--type', 'PublishingRecordCreated', '--limit', '1']);
  t.equal(limited.stdout.trim().split('\n').length, 1);
  t.match(
    limited.stdout,
    /PublishingRecordCreated {2}publishing_record [0-9a-f-]{36} #0 {2}account 1 site 2 {2}by u-1-editor/,
  );
  t.match(limited.stderr, /1 of 2 matching events/);
});

t.test('access-log: the reads above, for the account’s owner; refused to others', async (t) => {
  const res = await support_(['access-log', '--json'], owner);
  t.equal(res.code, 0, res.stderr);
  const entries = jsonLines(res.stdout);
  t.ok(entries.length >= 5, `${entries.length} reads recorded`);
  t.ok(
    entries.every((e) => e.reader.user_id === 'u-99-support' && e.account_id === 1),
    'all by support, in account 1',
  );
  t.same([...new Set(entries.map((e) => e.action))].sort(), ['as_of', 'audit_search', 'history']);
  const refused = await support_(['access-log']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /ROLE_FORBIDDEN, HTTP 403/);
});

t.test('snapshot: every record of the account at that time, as JSON lines, through the real CLI entry', async (t) => {
  const later = new Date().toISOString();
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'packages/support-cli/src/cli.ts', 'snapshot', '--account', '1', '--as-of', later],
    {
      cwd: root,
      env: { ...process.env, COMMAND_API_URL: commandUrl, READ_API_URL: readUrl, PUBLISHER_TOKEN: support },
    },
  );
  const lines = jsonLines(stdout);
  t.same(
    lines
      .map((l) => [l.kind, l.data.id, l.deleted, l.data.status])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ['publishing_record', id, false, 'failed'],
      ['publishing_record', second.data.id, true, 'pending'],
      ['deployment', deployment.data.id, false, 'deploying'],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
  );
  t.match(stderr, /3 records of account 1/);
  const earlier = await support_(['snapshot', '--account', '1', '--as-of', between, '--page-size', '1']);
  t.same(
    jsonLines(earlier.stdout).map((l) => [l.data.id, l.data.status, l.data.revision]),
    [[id, 'failed', 2]],
    'only what existed then, as it was then',
  );
  const usage = await support_(['snapshot', '--account', '1']);
  t.equal(usage.code, 2);
});
