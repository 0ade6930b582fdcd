/**
 * `@publisher/contracts` as another team gets it: `npm pack`, installed with npm into a plain Node
 * project outside the workspace, used by plain `node` (no TypeScript loader, no workspace condition)
 * to decode and dedupe the real messages the relay published; and type-checked by a TypeScript
 * consumer through the package's .d.ts files.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_CONTRACTS } from '@publisher/contracts';
import { cleanupStack } from '@publisher/testing';
import t from 'tap';
import { outsideProject, REPO_ROOT, runOutside } from './helpers/outside-project.ts';
import { relayOutput } from './helpers/relay-output.ts';

const defer = cleanupStack(t);
const relay = await relayOutput(defer, 'packed');
const project = await outsideProject(defer);

t.test('the tarball holds the build, the JSON Schemas and the README, not the sources', async (t) => {
  const files = project.contracts.files;
  for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'schemas/index.json']) {
    t.ok(files.includes(f), f);
  }
  t.ok(
    files.some((f) => f.startsWith('schemas/publisher.')),
    'the event schemas',
  );
  t.same(
    files.filter((f) => /^(src|test|released)\//.test(f) || f.endsWith('.ts') !== f.endsWith('.d.ts')),
    [],
    'no TypeScript sources, tests or release baseline',
  );
});

const DECODE = `
import { createRequire } from 'node:module';
import {
  createEventDeduplicator, decodeEventMessage, EVENT_HEADERS, PUBLISHING_RECORDS_TOPIC, DEPLOYMENTS_TOPIC,
} from '@publisher/contracts';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; }).on('end', () => resolve(text));
}));
const bytes = (b64) => Buffer.from(b64, 'base64');
const messages = input.map((m) => ({
  key: bytes(m.key),
  value: bytes(m.value),
  headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, bytes(v)])),
}));
const dedupe = createEventDeduplicator();
const decoded = [];
let duplicates = 0;
for (const pass of [1, 2]) {
  for (const message of messages) {
    const result = decodeEventMessage(message);
    if (pass === 1) decoded.push(result.ok ? { ok: true, event_id: result.event.event_id, event_type: result.event.event_type } : { ok: false, code: result.error.code });
    if (!result.ok) continue;
    const outcome = await dedupe.once(result.event.event_id, async () => result.event.record_id);
    if (outcome.duplicate) duplicates += 1;
  }
}
const tampered = decodeEventMessage({ ...messages[0], value: Buffer.from(JSON.stringify({ ...JSON.parse(messages[0].value), occurred_at: 'yesterday' })) });
const index = createRequire(import.meta.url)('@publisher/contracts/schemas/index.json');
console.log(JSON.stringify({
  resolved: import.meta.resolve('@publisher/contracts'),
  decoded, duplicates, tampered: tampered.ok ? 'ok' : tampered.error.code,
  topics: [PUBLISHING_RECORDS_TOPIC, DEPLOYMENTS_TOPIC], eventIdHeader: EVENT_HEADERS.eventId,
  schemas: index.events.length,
}));
`;

t.test('plain node decodes and dedupes the real messages with the installed package', async (t) => {
  writeFileSync(path.join(project.dir, 'decode.mjs'), DECODE);
  const { stdout } = await runOutside('node', ['decode.mjs'], {
    cwd: project.dir,
    input: JSON.stringify(relay.messages.map((m) => m.bytes)),
  });
  const out = JSON.parse(stdout) as {
    resolved: string;
    decoded: Array<{ ok: boolean; event_id?: string; event_type?: string; code?: string }>;
    duplicates: number;
    tampered: string;
    topics: string[];
    eventIdHeader: string;
    schemas: number;
  };
  t.match(out.resolved, /node_modules\/@publisher\/contracts\/dist\/index\.js$/, 'the build, not the sources');
  t.same(
    out.decoded.filter((d) => !d.ok),
    [],
    'every message decodes',
  );
  t.same(
    out.decoded.map((d) => d.event_id),
    relay.messages.map((m) => m.headers['event-id']),
    'into the events the relay published',
  );
  t.equal(out.duplicates, relay.messages.length, 'a second delivery of each is a duplicate');
  t.equal(out.tampered, 'EVENT_SCHEMA_MISMATCH', 'validation runs in the build too');
  t.same(out.topics, ['publisher.publishing-records.v1', 'publisher.deployments.v1']);
  t.equal(out.eventIdHeader, 'event-id');
  t.equal(out.schemas, EVENT_CONTRACTS.length, 'the JSON Schemas are reachable through the exports map');
});

const CONSUMER_TS = `
import { decodeEventMessage, type IntegrationEventOf } from '@publisher/contracts';

export function urlOf(value: string): string | null {
  const decoded = decodeEventMessage({ key: null, value, headers: {} });
  if (!decoded.ok) return decoded.error.code;
  const event = decoded.event;
  if (event.event_type === 'publisher.publishing_record.published') return event.data.external_url;
  // @ts-expect-error: a created event has no external_url (the .d.ts types narrow by event_type)
  if (event.event_type === 'publisher.publishing_record.created') return event.data.external_url;
  return null;
}

export const deployed: IntegrationEventOf<'publisher.deployment.deployed'>['data']['status'] = 'deployed';
`;

t.test('a TypeScript consumer type-checks against the .d.ts files', async (t) => {
  writeFileSync(path.join(project.dir, 'consumer.ts'), CONSUMER_TS);
  writeFileSync(
    path.join(project.dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        types: [],
        // The .d.ts mention Buffer; a real Node project has @types/node, this one has no registry.
        skipLibCheck: true,
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const result = await runOutside('node', [tsc, '-p', 'tsconfig.json'], { cwd: project.dir })
    .then(() => ({ ok: true, out: '' }))
    .catch((err: { stdout: string }) => ({ ok: false, out: err.stdout }));
  t.same(result, { ok: true, out: '' });
});
