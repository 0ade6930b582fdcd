/**
 * `pnpm --silent token` (scripts/token.ts) as a user runs it, in a child process: the claims of the
 * token it prints (with the `exp`, `iss` and `aud` the services require), and its refusals.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'token-test-secret-of-at-least-32-bytes';

function token(args: string[], env: NodeJS.ProcessEnv = { JWT_SECRET: SECRET }) {
  const clean = { ...process.env };
  for (const name of ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_MAX_TTL_SECONDS', 'NODE_ENV'])
    delete clean[name];
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'token.ts'), ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  const payload = run.stdout.trim().split('.')[1];
  const claims = payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, number>) : null;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, claims };
}

t.test('an account and a role; exp as long as the services accept', async (t) => {
  const { status, claims } = token(['--account', '3', '--role', 'editor', '--sites', '1,2']);
  t.equal(status, 0);
  t.match(claims, { sub: 'user-3', account_id: 3, role: 'editor', site_ids: [1, 2] });
  t.equal(claims!.exp! - claims!.iat!, 86_400, 'default: the longest lifetime the services accept');
});

t.test('developer and system_bot may leave the account out; other roles may not', async (t) => {
  for (const role of ['developer', 'system_bot']) {
    const { status, claims } = token(['--role', role, '--sub', 'scheduler']);
    t.equal(status, 0, role);
    t.match(claims, { sub: 'scheduler', role }, role);
    t.notOk(claims && 'account_id' in claims, `${role}: no account_id claim`);
  }
  const refused = token(['--role', 'editor']);
  t.equal(refused.status, 2);
  t.equal(refused.claims, null, 'no token printed');
  t.match(refused.stderr, /--account is required for role editor/);
});

t.test('iss, aud and the lifetime cap follow the services’ configuration', async (t) => {
  const env = {
    JWT_SECRET: SECRET,
    JWT_ISSUER: 'https://id.test',
    JWT_AUDIENCE: 'publisher',
    JWT_MAX_TTL_SECONDS: '900',
  };
  const configured = token(['--account', '3', '--role', 'viewer', '--ttl', '600'], env);
  t.equal(configured.status, 0);
  t.match(configured.claims, { iss: 'https://id.test', aud: 'publisher' });
  t.equal(configured.claims!.exp! - configured.claims!.iat!, 600);

  const tooLong = token(['--account', '3', '--ttl', '901'], env);
  t.equal(tooLong.status, 2);
  t.match(tooLong.stderr, /at most 900 seconds/);
});

t.test('the development secret with a warning; a short secret refused', async (t) => {
  const dev = token(['--account', '3', '--ttl', '60'], {});
  t.equal(dev.status, 0);
  t.match(dev.stderr, /development secret/);
  const shortSecret = token(['--account', '3', '--ttl', '60'], { JWT_SECRET: 'short' });
  t.equal(shortSecret.status, 2);
  t.match(shortSecret.stderr, /at least 32 bytes/);
});

t.test('--help prints the usage; an unknown option is refused with it, not a stack trace', async (t) => {
  const help = token(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /^usage: pnpm --silent token/);
  const unknown = token(['--acount', '3']);
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /Unknown option '--acount'\nusage:/);
  t.notMatch(unknown.stderr, / {4}at /, 'no stack trace');
});
