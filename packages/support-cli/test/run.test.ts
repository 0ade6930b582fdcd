import t from 'tap';
import { type ApiClient, ApiError } from '../src/api-client.ts';
import { type SupportCommand, UsageError } from '../src/command.ts';
import { reasonOf } from '../src/direct-access.ts';
import { show } from '../src/options.ts';
import { runCli } from '../src/run.ts';
import { sink } from './sink.ts';

const api: ApiClient = {
  read: async () => {
    throw new ApiError(404, 'RECORD_NOT_FOUND', 'publishing record 42 not found');
  },
  command: async <T>() => ({ status: 200, headers: new Headers(), body: { success: true } as T }),
};

const echo: SupportCommand = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'pnpm support echo <word> [--upper]',
  options: { upper: { type: 'boolean', default: false } },
  async run({ positionals, values, json, out, api }) {
    if (positionals.length === 0) throw new UsageError('a word is required');
    if (positionals[0] === 'missing') await api.read('publishing-records/42');
    const word = values.upper ? positionals[0]!.toUpperCase() : positionals[0]!;
    if (json) out.json({ word });
    else out.line(word);
    return 0;
  },
};

async function run(argv: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, [echo], { stdout: stdout.stream, stderr: stderr.stream, env: {}, api });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

t.test('--help lists the commands; a command --help shows its usage', async (t) => {
  const all = await run(['--help']);
  t.equal(all.code, 0);
  t.match(all.stdout, /echo\s+prints its arguments/);
  const one = await run(['echo', '--help']);
  t.equal(one.code, 0);
  t.match(one.stdout, /usage: pnpm support echo <word> \[--upper\]/);
});

t.test('runs a command with its options; --json prints JSON', async (t) => {
  t.same(await run(['echo', 'hi', '--upper']), { code: 0, stdout: 'HI\n', stderr: '' });
  t.same(await run(['echo', 'hi', '--json']), { code: 0, stdout: '{"word":"hi"}\n', stderr: '' });
});

t.test('bad usage exits 2 with the usage line', async (t) => {
  const unknown = await run(['nope']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command "nope"/);
  const badOption = await run(['echo', 'x', '--loud']);
  t.equal(badOption.code, 2);
  t.match(badOption.stderr, /Unknown option '--loud'[\s\S]*usage: pnpm support echo/);
  const missing = await run(['echo']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /a word is required\nusage: pnpm support echo/);
  const twice = await run(['echo', 'x', '--upper', '--upper']);
  t.equal(twice.code, 2, 'an option given twice is refused, not the last one taken');
  t.match(twice.stderr, /--upper is given more than once\nusage: pnpm support echo/);
});

t.test('an API error exits 1 with its message and code (JSON with --json)', async (t) => {
  const human = await run(['echo', 'missing']);
  t.equal(human.code, 1);
  t.match(human.stderr, 'error: publishing record 42 not found (RECORD_NOT_FOUND, HTTP 404)');
  const json = await run(['echo', 'missing', '--json']);
  t.equal(json.code, 1);
  t.same(JSON.parse(json.stdout), {
    success: false,
    status: 404,
    code: 'RECORD_NOT_FOUND',
    error: 'publishing record 42 not found',
  });
});

t.test('text reaches the terminal without control or bidirectional characters', async (t) => {
  const shown = await run(['echo', 'INC-7 \u202Etxt.exe \u001b[2Jgone\ttab']);
  t.equal(shown.code, 0);
  t.equal(shown.stdout, 'INC-7 \uFFFDtxt.exe \uFFFD[2Jgone\ttab\n');
  const json = await run(['echo', 'a\u202Eb\u0085c', '--json']);
  t.equal(json.stdout, '{"word":"a\\u202eb\\u0085c"}\n', '--json escapes them');
  t.same(JSON.parse(json.stdout), { word: 'a\u202Eb\u0085c' }, 'and its value is the text as sent');
});

t.test('a value is shown on one line, whatever it holds', async (t) => {
  t.equal(
    show('timeout\n#7  2024-05-01T00:00:00Z  PublishingSucceeded'),
    'timeout #7  2024-05-01T00:00:00Z  PublishingSucceeded',
  );
  t.equal(show('a\u2028b\r\n\tc'), 'a b c');
  t.equal(show({ n: 1 }), '{"n":1}');
});

t.test('a reason needs a visible character and at most 1000 of them, counted as the API counts', async (t) => {
  t.throws(() => reasonOf({ reason: '\u200b\u202e' }), /visible character/);
  t.throws(() => reasonOf({ reason: '   ' }), /required/);
  t.equal(reasonOf({ reason: ' INC-7 ' }), 'INC-7');
  t.equal(reasonOf({ reason: '😀'.repeat(1000) }), '😀'.repeat(1000), '1000 characters of two UTF-16 units each');
  t.throws(() => reasonOf({ reason: 'x'.repeat(1001) }), /at most 1000/);
});
