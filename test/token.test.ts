/**
 * `pnpm --silent token` (scripts/token.ts) as a user runs it: the claims of the token it prints, and
 * its refusals.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function token(...args: string[]): { status: number | null; claims: Record<string, unknown> | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'token.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, JWT_SECRET: 'token-test-secret' },
  });
  const payload = run.stdout.trim().split('.')[1];
  const claims = payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>) : null;
  return { status: run.status, claims, stderr: run.stderr };
}

t.test('an account and a role', async (t) => {
  const { status, claims } = token('--account', '3', '--role', 'editor', '--sites', '1,2');
  t.equal(status, 0);
  t.match(claims, { sub: 'user-3', account_id: 3, role: 'editor', site_ids: [1, 2] });
});

t.test('developer and system_bot may leave the account out; other roles may not', async (t) => {
  for (const role of ['developer', 'system_bot']) {
    const { status, claims } = token('--role', role, '--sub', 'scheduler');
    t.equal(status, 0, role);
    t.match(claims, { sub: 'scheduler', role }, role);
    t.notOk(claims && 'account_id' in claims, `${role}: no account_id claim`);
  }
  const refused = token('--role', 'editor');
  t.equal(refused.status, 2);
  t.equal(refused.claims, null, 'no token printed');
  t.match(refused.stderr, /--account is required for role editor/);
});
