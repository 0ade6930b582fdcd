/**
 * Real relay output, read from the real broker, validates against the committed JSON Schema files
 * with a validator that is not TypeScript: Python's jsonschema (draft-07, formats checked), through
 * examples/python-jsonschema/validate_events.py, which also checks key and headers against the value.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CONTRACTS } from '@publisher/contracts';
import { cleanupStack } from '@publisher/testing';
import t from 'tap';
import { type Received, relayOutput } from './helpers/relay-output.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const validator = path.join(root, 'examples/python-jsonschema/validate_events.py');
const schemasDir = path.join(root, 'packages/contracts/schemas');

const probe = spawnSync('python3', ['-c', 'import jsonschema, rfc3339_validator'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const why = `python3 with jsonschema and rfc3339-validator is not available (${(probe.stderr || String(probe.error)).trim()}); install them: python3 -m pip install jsonschema rfc3339-validator`;
  // CI installs them (.ci/run): there, a missing validator is a failure, not a skip.
  if (process.env.CI === 'true') t.fail(why);
  else t.plan(0, why);
} else {
  const defer = cleanupStack(t);
  const run = await relayOutput(defer, 'json_schema');

  type Line = { line: number; ok: boolean; event_type: string | null; errors: string[] };
  // Each message is one input line of the script (its own shape or kcat -J's).
  const validate = (messages: object[]) => {
    const result = spawnSync('python3', [validator, schemasDir], {
      input: messages.map((m) => JSON.stringify(m)).join('\n'),
      encoding: 'utf8',
    });
    const lines = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    return { status: result.status, lines, stderr: result.stderr };
  };
  const asInput = (m: Received) => ({ value: m.value, key: m.key, headers: m.headers });

  t.test('every message the relay published validates against its JSON Schema, key and headers too', async (t) => {
    const { status, lines, stderr } = validate(run.messages.map(asInput));
    t.equal(stderr, '');
    t.same(
      lines.filter((l) => !l.ok),
      [],
    );
    t.equal(lines.length, run.messages.length, `${run.messages.length} messages checked`);
    t.equal(status, 0);
    t.equal(new Set(lines.map((l) => l.event_type)).size, EVENT_CONTRACTS.length, 'every event type was among them');
  });

  t.test('the messages as `kcat -J` prints them validate too (a topic piped straight in)', async (t) => {
    // kcat's JSON envelope: the value as `payload`, headers as a flat [name, value, …] list.
    const asKcat = (m: Received, headers = m.headers) => ({
      topic: m.topic,
      partition: m.partition,
      offset: Number(m.offset),
      tstype: 'create',
      ts: 0,
      broker: 1,
      headers: Object.entries(headers).flat(),
      key: m.key,
      payload: m.value,
    });
    const { status, lines } = validate(run.messages.map((m) => asKcat(m)));
    t.same(
      lines.filter((l) => !l.ok),
      [],
    );
    t.equal(lines.length, run.messages.length);
    t.equal(status, 0);

    const first = run.messages[0]!;
    const contradicted = validate([
      asKcat(first, { ...first.headers, 'event-id': '00000000-0000-4000-8000-000000000000' }),
    ]);
    t.equal(contradicted.status, 1, 'its headers are checked against the value');
    t.match(contradicted.lines[0]?.errors.join('\n'), /header event-id/);
  });

  t.test('the validator refuses what breaks the contract (the check can fail)', async (t) => {
    const started = run.messages.find((m) => m.headers['event-type'] === 'publisher.publishing_record.started')!;
    const value = JSON.parse(started.value) as Record<string, unknown> & { data: Record<string, unknown> };
    const edit = (change: (v: typeof value) => void) => {
      const copy = structuredClone(value);
      change(copy);
      return { ...asInput(started), value: JSON.stringify(copy) };
    };
    const cases: Array<[string, ReturnType<typeof asInput>, RegExp]> = [
      [
        'an event id that is no UUID',
        edit((v) => {
          v.event_id = 'not-a-uuid';
        }),
        /event_id: 'not-a-uuid' is not a 'uuid'/,
      ],
      [
        'an impossible date',
        edit((v) => {
          v.occurred_at = '2026-13-45T12:00:00.000Z';
        }),
        /occurred_at: .* is not a 'date-time'/,
      ],
      [
        'a retyped field',
        edit((v) => {
          v.data.attempt = '1';
        }),
        /data\/attempt: '1' is not of type 'integer'/,
      ],
      [
        'a missing field',
        edit((v) => {
          delete v.data.status;
        }),
        /data: 'status' is a required property/,
      ],
      [
        'an unknown schema version',
        edit((v) => {
          v.schema_version = 2;
        }),
        /no schema for 'publisher.publishing_record.started' version 2/,
      ],
      ['a key that is not the record', { ...asInput(started), key: 'another-record' }, /key 'another-record'/],
      [
        'a header that contradicts the value',
        { ...asInput(started), headers: { ...started.headers, 'event-type': 'publisher.deployment.started' } },
        /header event-type/,
      ],
    ];
    const { status, lines } = validate(cases.map(([, message]) => message));
    t.equal(status, 1);
    cases.forEach(([what, , expected], i) => {
      t.equal(lines[i]?.ok, false, what);
      t.match(lines[i]?.errors.join('\n'), expected, what);
    });
  });
}
