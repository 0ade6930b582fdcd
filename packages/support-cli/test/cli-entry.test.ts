/**
 * The CLI's entry point as a shell runs it: output piped into a reader that stops early.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

t.test('a reader that closes the pipe early (| head) ends the CLI quietly, not with an EPIPE crash', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/support-cli/src/cli.ts', '--help'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Closed before the CLI (still starting) writes its first line: every write meets a closed pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, 'exit 0');
  t.equal(stderr, '', 'nothing on stderr');
});
