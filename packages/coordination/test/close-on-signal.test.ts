/**
 * `closeOnSignal` in a real process receiving real signals: the shutdown every service runs. The
 * process logs JSON lines (`level`: 30 info, 50 error, as pino) so the tests read what an operator
 * would see, and its `close` takes `closeMs` (or never ends).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@publisher/testing';
import t from 'tap';
import { REPEATED_SIGNAL_MS } from '../src/close-on-signal.ts';

const module = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/close-on-signal.ts');

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A process that installs `closeOnSignal(logger, graceMs, close)` and says `ready`. */
async function service(opts: { graceMs: number; closeMs: number | 'never' }) {
  const script = `
    import { closeOnSignal } from ${JSON.stringify(module)};
    // As pino: log(obj, msg) or log(msg).
    const log = (level) => (obj, msg) =>
      process.stdout.write(JSON.stringify(typeof obj === 'string' ? { level, msg: obj } : { level, msg, ...obj }) + '\\n');
    closeOnSignal({ info: log(30), error: log(50) }, ${opts.graceMs}, () =>
      ${opts.closeMs === 'never' ? 'new Promise(() => {})' : `new Promise((r) => setTimeout(r, ${opts.closeMs}))`});
    setInterval(() => {}, 1000);
    process.stdout.write(JSON.stringify({ level: 30, msg: 'ready' }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil('the child to log "ready"', () => out.includes('"ready"'), {
    timeoutMs: 30_000,
    giveUpIf: () => child.exitCode !== null && `it exited with ${child.exitCode}; it wrote: ${out}`,
  });
  const lines = (): Line[] =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  return { child, exited, lines };
}

const errors = (lines: Line[]) => lines.filter((l) => l.level >= 50);

t.test('Ctrl-C under a supervisor: the terminal’s SIGINT, then the supervisor’s SIGTERM, is one stop', async (t) => {
  const s = await service({ graceMs: 10_000, closeMs: 300 });
  s.child.kill('SIGINT');
  await sleep(20);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0, 'exits 0');
  t.same(errors(s.lines()), [], 'no error is logged');
  t.match(
    s.lines().map((l) => l.msg),
    ['ready', 'closing gracefully', /already closing/, 'closed'],
    'closes once, notes the repeated signal',
  );
  t.match(s.lines()[1], { signal: 'SIGINT' }, 'the stop names the signal that started it');
});

t.test('SIGTERM to a process group and forwarded by its supervisor: one stop', async (t) => {
  const s = await service({ graceMs: 10_000, closeMs: 300 });
  s.child.kill('SIGTERM');
  s.child.kill('SIGTERM');
  await sleep(50);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0, 'exits 0');
  t.same(errors(s.lines()), [], 'no error is logged');
  t.equal(s.lines().filter((l) => l.msg === 'closed').length, 1, 'closed once');
});

t.test('a second Ctrl-C once the first stop hangs forces the exit', async (t) => {
  const s = await service({ graceMs: 60_000, closeMs: 'never' });
  s.child.kill('SIGINT');
  await sleep(REPEATED_SIGNAL_MS + 500);
  t.equal(s.child.exitCode, null, 'still closing');
  s.child.kill('SIGINT');
  t.equal(await s.exited, 1, 'exits 1');
  t.match(errors(s.lines()), [{ msg: 'shutdown failed', err: 'second SIGINT, exiting' }], 'says why');
});

t.test('a stop slower than graceMs is cut short', async (t) => {
  const s = await service({ graceMs: 300, closeMs: 'never' });
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 1, 'exits 1');
  t.match(errors(s.lines()), [{ msg: 'shutdown failed', err: /timeout/ }], 'says why');
});

t.test('the other terminating signals still stop gracefully (SIGHUP: the terminal closed)', async (t) => {
  const s = await service({ graceMs: 10_000, closeMs: 50 });
  s.child.kill('SIGHUP');
  t.equal(await s.exited, 0, 'exits 0');
  t.match(
    s.lines().map((l) => l.msg),
    ['ready', 'closing gracefully', 'closed'],
  );
  t.match(s.lines()[1], { signal: 'SIGHUP' });
});
