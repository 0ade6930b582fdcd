/**
 * `runService`, the start every service's entry point makes, in a real process: the
 * `configuration` line comes before the service starts (so a start that fails still shows what it
 * was given), and a SIGTERM closes the service within the grace.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const service = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/example-service.ts');

/** The example service's process: its stdout lines (JSON) and exit code; sent SIGTERM once it has started. */
async function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', service], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errors = '';
  child.stderr.on('data', (chunk) => {
    errors += chunk;
  });
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (String(chunk).includes('"started"')) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = out
    .split('\n')
    .filter(Boolean)
    .map(
      (line) => JSON.parse(line) as { msg: string; config?: Record<string, string>; service?: string; level?: number },
    );
  return { code, lines, errors };
}

t.test('a failed start has printed its configuration first', async (t) => {
  const { code, lines, errors } = await run({ GREETING: 'hi', EXAMPLE_START: 'fails' });
  t.equal(code, 1, 'exits 1');
  t.match(lines, [{ msg: 'configuration', config: { GREETING: 'hi', EXAMPLE_START: 'fails' }, service: 'example' }]);
  t.match(
    lines.at(-1),
    { msg: 'start failed', level: 60, service: 'example', err: { message: /database unreachable/, stack: /Error/ } },
    'the failure is the last line of its log, with its stack',
  );
  t.equal(errors, '', 'nothing on stderr');
});

t.test('a bad setting stops the start with a message naming it, exit code 2, no stack', async (t) => {
  const { code, lines, errors } = await run({ EXAMPLE_START: 'sometimes' });
  t.equal(code, 2, 'exits 2');
  t.same(lines, [], 'nothing started, nothing logged');
  t.equal(errors.trim(), 'example: EXAMPLE_START must be one of starts, fails; got sometimes');
});

t.test('configuration, start, and on SIGTERM the service closes', async (t) => {
  const { code, lines } = await run({});
  t.equal(code, 0, 'exits 0');
  const messages = lines.map((line) => line.msg);
  t.same(messages.slice(0, 2), ['configuration', 'started']);
  t.ok(messages.includes('service closed'), 'SIGTERM closes the service');
});
