/**
 * The compatibility gate: the current schemas against the committed "last released" set, and the
 * gate itself against synthetic breaking and non-breaking changes of real schemas.
 */
import t from 'tap';
import { type TSchema, Type } from 'typebox';
import { type BreakingKind, breakingChanges } from '../spec/compatibility.ts';
import type { JsonSchema } from '../spec/headers.ts';
import { eventJsonSchema, schemaFileName } from '../spec/json-schemas.ts';
import { currentSchemaSet, RELEASED_DIR, readSchemaSet } from '../spec/outputs.ts';
import { EVENT_CONTRACTS, integrationEvent } from '../src/index.ts';

const released = readSchemaSet(RELEASED_DIR);
const current = currentSchemaSet();

t.test('no released event type and version changed incompatibly since the last release', async (t) => {
  t.ok(released.size > 0, 'the released set is committed');
  t.same(breakingChanges(released, current), []);
});

const PUBLISHED = schemaFileName('publisher.publishing_record.published', 1);
const STARTED = schemaFileName('publisher.publishing_record.started', 1);

/** The current set with one schema edited (a deep copy: the edit touches nothing else). */
function edited(name: string, edit: (schema: JsonSchema & { properties: Record<string, JsonSchema> }) => void) {
  const copy = structuredClone(current.get(name)!) as JsonSchema & { properties: Record<string, JsonSchema> };
  edit(copy);
  return new Map([...current, [name, copy]]);
}
const data = (s: { properties: Record<string, JsonSchema> }) =>
  s.properties.data as JsonSchema & {
    properties: Record<string, JsonSchema>;
    required: string[];
  };
const kinds = (changes: { kind: BreakingKind; path: string }[]) => changes.map((c) => `${c.kind} ${c.path}`);

t.test('breaking changes to an existing version fail the gate, each named with its path', async (t) => {
  const cases: Array<[string, Map<string, JsonSchema>, string[]]> = [
    [
      'a removed field',
      edited(PUBLISHED, (s) => {
        delete data(s).properties.external_id;
        data(s).required = data(s).required.filter((k) => k !== 'external_id');
      }),
      ['removed-field /data/external_id'],
    ],
    [
      'a removed envelope field',
      edited(PUBLISHED, (s) => {
        delete s.properties.correlation_id;
        s.required = (s.required as string[]).filter((k) => k !== 'correlation_id');
      }),
      ['removed-field /correlation_id'],
    ],
    [
      'a retyped field',
      edited(STARTED, (s) => {
        data(s).properties.attempt = { type: 'string' };
      }),
      ['retyped-field /data/attempt'],
    ],
    [
      'a nullable field made non-null',
      edited(PUBLISHED, (s) => {
        data(s).properties.external_id = { type: 'string' };
      }),
      ['retyped-field /data/external_id'],
    ],
    [
      'a newly required field',
      edited(PUBLISHED, (s) => {
        data(s).properties.published_by = { type: 'string' };
        data(s).required.push('published_by');
      }),
      ['newly-required /data'],
    ],
    [
      'a field no longer always present',
      edited(PUBLISHED, (s) => {
        data(s).required = data(s).required.filter((k) => k !== 'external_url');
      }),
      ['no-longer-required /data'],
    ],
    [
      'a tightened constraint',
      edited(PUBLISHED, (s) => {
        data(s).properties.external_url = { ...data(s).properties.external_url, maxLength: 100 };
      }),
      ['changed-constraint /data/external_url'],
    ],
    [
      'a closed object (unknown fields refused)',
      edited(PUBLISHED, (s) => {
        s.additionalProperties = false;
      }),
      ['changed-constraint /'],
    ],
    ['a removed version', new Map([...current].filter(([name]) => name !== STARTED)), [`removed-version /`]],
  ];
  for (const [what, next, expected] of cases) t.same(kinds(breakingChanges(released, next)), expected, what);
});

t.test('narrowing or widening a set of values fails the gate', async (t) => {
  const statuses = (values: string[]): JsonSchema => ({
    anyOf: values.map((v) => ({ type: 'string', const: v })),
  });
  const withStatus = (values: string[]) =>
    new Map([[STARTED, { type: 'object', required: ['status'], properties: { status: statuses(values) } }]]);
  const before = withStatus(['publishing', 'queued']);
  t.same(kinds(breakingChanges(before, withStatus(['publishing']))), ['narrowed-enum /status'], 'narrowed');
  t.same(kinds(breakingChanges(before, withStatus(['publishing', 'queued', 'paused']))), ['widened-enum /status']);
  t.same(breakingChanges(before, withStatus(['queued', 'publishing'])), [], 'the order of values does not matter');

  const single = edited(STARTED, (s) => {
    data(s).properties.status = { type: 'string', const: 'running' };
  });
  t.match(breakingChanges(released, single), [
    { kind: 'narrowed-enum', path: '/data/status', message: /no longer allows "publishing"/ },
    { kind: 'widened-enum', path: '/data/status', message: /now also allows "running"/ },
  ]);
});

t.test('compatible changes pass the gate', async (t) => {
  const optionalField = edited(PUBLISHED, (s) => {
    data(s).properties.published_by = { type: 'string' };
    s.properties.tenant_name = { type: 'string' };
  });
  t.same(breakingChanges(released, optionalField), [], 'new optional fields, in data and in the envelope');

  const reworded = edited(PUBLISHED, (s) => {
    s.description = 'Reworded.';
    s.examples = [];
    data(s).properties.external_url = { ...data(s).properties.external_url, description: 'Where it lives.' };
  });
  t.same(breakingChanges(released, reworded), [], 'annotations (description, examples)');

  const v2 = { ...current.get(PUBLISHED)!, properties: {} };
  const newVersion = new Map([...current, [schemaFileName('publisher.publishing_record.published', 2), v2]]);
  t.same(breakingChanges(released, newVersion), [], 'a new version of a type, however different');

  const newType = new Map([...current, [schemaFileName('publisher.publishing_record.archived', 1), v2]]);
  t.same(breakingChanges(released, newType), [], 'a new event type');
});

t.test('a new optional field written in TypeBox passes; a new required one does not', async (t) => {
  const published = EVENT_CONTRACTS.find((c) => c.eventType === 'publisher.publishing_record.published')!;
  const build = (extra: Record<string, TSchema>) =>
    eventJsonSchema({
      ...published,
      schema: integrationEvent(
        'publisher.publishing_record.published',
        1,
        Type.Object({
          status: Type.Literal('published'),
          external_url: Type.String({ minLength: 1 }),
          external_id: Type.Union([Type.String(), Type.Null()]),
          ...extra,
        }),
        { description: 'The content is live at the destination.' },
      ),
    });
  const optional = build({ title: Type.Optional(Type.String()) });
  t.same(breakingChanges(released, new Map([...current, [PUBLISHED, optional]])), []);
  const required = build({ title: Type.String() });
  t.same(kinds(breakingChanges(released, new Map([...current, [PUBLISHED, required]]))), ['newly-required /data']);
});
