/**
 * The generated documents (JSON Schema files, docs/asyncapi.yaml) against the TypeBox definitions
 * they come from: committed = generated, the AsyncAPI parser accepts the document, and every event
 * type, version and header constant is in it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import t from 'tap';
import { Type } from 'typebox';
import { asyncApiYaml, channelId, messageId } from '../spec/asyncapi.ts';
import { EVENT_EXAMPLES } from '../spec/examples.ts';
import { documentedHeaders } from '../spec/headers.ts';
import { jsonSchemaFiles, schemaFileName } from '../spec/json-schemas.ts';
import { ASYNCAPI_FILE, generatedFiles, packageVersion, SCHEMAS_DIR, staleFiles } from '../spec/outputs.ts';
import * as contracts from '../src/index.ts';
import { EVENT_CONTRACTS, EVENT_HEADERS, PUBLISHER_TOPICS } from '../src/index.ts';

const asyncApiText = readFileSync(ASYNCAPI_FILE, 'utf8');
/** The values of every `…_HEADERS` constant the package exports (EVENT_HEADERS and any later ones). */
const headerConstants = Object.entries(contracts)
  .filter(([name, value]) => name.endsWith('_HEADERS') && typeof value === 'object')
  .flatMap(([, value]) => Object.values(value as Record<string, string>));

t.test('the committed documents are what the definitions generate (run pnpm contracts:generate)', async (t) => {
  t.same(staleFiles(), { changed: [], extra: [] });
});

t.test(
  'a contract changed without regenerating is caught, in its schema file and in the AsyncAPI document',
  async (t) => {
    const published = EVENT_CONTRACTS.find((c) => c.eventType === 'publisher.publishing_record.published')!;
    const changedSchema = Type.Object({ ...(published.schema as ReturnType<typeof Type.Object>).properties });
    const contracts = EVENT_CONTRACTS.map((c) => (c === published ? { ...c, schema: changedSchema } : c));
    const expected = new Map(generatedFiles());
    for (const [name, content] of jsonSchemaFiles(contracts)) expected.set(path.join(SCHEMAS_DIR, name), content);
    expected.set(ASYNCAPI_FILE, asyncApiYaml({ version: packageVersion(), contracts }));
    t.same(
      staleFiles(expected).changed.sort(),
      [path.join(SCHEMAS_DIR, schemaFileName(published.eventType, 1)), ASYNCAPI_FILE].sort(),
    );

    const withExtra = new Map(generatedFiles());
    withExtra.delete(path.join(SCHEMAS_DIR, schemaFileName(published.eventType, 1)));
    t.same(
      staleFiles(withExtra).extra,
      [path.join(SCHEMAS_DIR, schemaFileName(published.eventType, 1))],
      'a schema file nothing generates any more is reported',
    );
  },
);

t.test('every contract has one example, and it matches its schema', async (t) => {
  t.equal(EVENT_EXAMPLES.length, EVENT_CONTRACTS.length);
  for (const c of EVENT_CONTRACTS) {
    const examples = EVENT_EXAMPLES.filter((e) => e.event_type === c.eventType && e.schema_version === c.schemaVersion);
    t.equal(examples.length, 1, `${c.eventType} v${c.schemaVersion}`);
    t.ok(c.check(examples[0]), `${c.eventType} example is valid`);
  }
});

t.test(
  'the schema files: one per event type and version, listed in index.json, with the TypeBox keywords',
  async (t) => {
    const files = jsonSchemaFiles();
    const index = JSON.parse(files.get('index.json')!) as { events: Array<Record<string, unknown>> };
    t.equal(index.events.length, EVENT_CONTRACTS.length);
    for (const c of EVENT_CONTRACTS) {
      const name = schemaFileName(c.eventType, c.schemaVersion);
      t.ok(
        index.events.some((e) => e.schema === name && e.topic === c.topic && e.event_type === c.eventType),
        `index lists ${name}`,
      );
      const doc = JSON.parse(files.get(name)!) as Record<string, unknown>;
      t.equal(doc.$schema, 'http://json-schema.org/draft-07/schema#');
      t.same(doc.required, (c.schema as { required: string[] }).required, `${name} requires what TypeBox requires`);
      t.same(
        Object.keys(doc.properties as object),
        Object.keys((c.schema as { properties: object }).properties),
        `${name} has the envelope and data`,
      );
    }
  },
);

t.test('the AsyncAPI parser accepts docs/asyncapi.yaml without a single diagnostic', async (t) => {
  const { document, diagnostics } = await new Parser().parse(asyncApiText);
  t.same(
    diagnostics.map((d) => `${d.code} ${d.message} at ${d.path.join('/')}`),
    [],
  );
  t.ok(document, 'parsed');
  if (!document) return;
  t.equal(document.version(), '3.1.0');
  t.same(
    document
      .channels()
      .all()
      .map((c) => c.address())
      .sort(),
    [...PUBLISHER_TOPICS].sort(),
  );

  for (const c of EVENT_CONTRACTS) {
    const channel = document.channels().get(channelId(c.topic));
    const message = channel?.messages().get(messageId(c.eventType, c.schemaVersion));
    t.ok(message, `${c.eventType} v${c.schemaVersion} is a message of ${c.topic}`);
    if (!message) continue;
    const payload = message.payload()?.json() as { properties?: Record<string, { const?: unknown }> };
    t.equal(payload.properties?.event_type?.const, c.eventType, 'its payload is the type schema');
    t.equal(payload.properties?.schema_version?.const, c.schemaVersion);
    const headers = message.headers()?.json() as { properties: Record<string, unknown>; required: string[] };
    t.same(Object.keys(headers.properties), headerConstants, 'every header constant is documented, in order');
    t.notOk(headers.required.includes(EVENT_HEADERS.causationId), 'causation-id is optional');
    const example = message.examples().all()[0];
    const examplePayload = example?.payload() as { event_id?: string } | undefined;
    t.ok(examplePayload?.event_id, 'with an example');
    t.equal(examplePayload?.event_id, example?.headers()?.['event-id'], 'whose headers repeat the envelope');
    t.equal(
      (message.bindings().get('kafka')?.value() as { key?: { format?: string } } | undefined)?.key?.format,
      'uuid',
      'the key is the record id',
    );
  }
});

t.test('the AsyncAPI parser rejects a broken document (the validation can fail)', async (t) => {
  const { diagnostics } = await new Parser().parse(asyncApiText.replace('action: send', 'action: shout'));
  t.ok(diagnostics.some((d) => d.severity === 0));
});

t.test('headers come from every …_HEADERS constant; the re-drive headers are described when they exist', async (t) => {
  t.same(
    documentedHeaders().map((h) => h.name),
    headerConstants,
  );
  t.same(headerConstants.slice(0, Object.keys(EVENT_HEADERS).length), Object.values(EVENT_HEADERS));
  const withReplay = documentedHeaders({
    EVENT_HEADERS,
    REPLAY_HEADERS: { replay: 'replay', replayId: 'replay-id', custom: 'x-custom' },
  });
  const replay = withReplay.find((h) => h.name === 'replay');
  t.match(replay, { required: false, schema: { enum: ['true'] } });
  t.match(replay?.description, /re-drive/);
  t.match(
    withReplay.find((h) => h.name === 'x-custom'),
    { required: false, schema: { type: 'string' } },
  );
});
