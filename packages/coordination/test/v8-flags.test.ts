import { execFileSync } from 'node:child_process';
import t from 'tap';

// A flag whose state a program can see: with it, `%Name(…)` compiles; without, it is a syntax error.
const probe = (flag: string) => `
  const { defaultV8Flag } = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)});
  defaultV8Flag(${JSON.stringify(flag)});
  try { new Function('return %GetOptimizationStatus(Object)'); console.log('on'); } catch { console.log('off'); }`;

function run(nodeArgs: string[], flag: string): string {
  const args = ['--import', 'tsx', ...nodeArgs, '--input-type=module', '-e', probe(flag)];
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

t.test('defaultV8Flag sets a flag node was not given', async (t) => {
  t.equal(run([], '--allow-natives-syntax'), 'on');
  t.equal(run([], '--no-allow-natives-syntax'), 'off');
});

t.test('a flag given to node wins, in either form and spelling', async (t) => {
  t.equal(run(['--no-allow-natives-syntax'], '--allow-natives-syntax'), 'off');
  t.equal(run(['--allow_natives_syntax'], '--no-allow-natives-syntax'), 'on');
});
