import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import t from 'tap';
import { bundleOnce, freePort, SERVICE_ENTRIES } from '../src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// Each bundle goes to a scratch directory inside its service's dist/, as `pnpm build` places it
// (a module resolves from where it lives), without touching the dist/ a running `pnpm start` uses.
const bundles = new Map<string, string>();
for (const entry of SERVICE_ENTRIES) {
  const distDir = path.join(root, path.dirname(entry.bundle));
  mkdirSync(distDir, { recursive: true });
  const dir = mkdtempSync(path.join(distDir, '.test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, path.basename(entry.bundle));
  await bundleOnce(path.join(root, entry.source), file);
  bundles.set(entry.name, file);
}

const database = await createTestDatabase('bundles');
t.teardown(database.drop);

/** What each running bundle wrote to stderr (warnings and errors: LOG_LEVEL=warn), for failure messages. */
const stderrOf = new Map<ChildProcess, () => string>();

/** Runs a service's bundle with plain node (no tsx) until the test ends; resolves once /ready is 200. */
async function run(name: string, env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bundles.get(name)!], {
    env: { ...process.env, DATABASE_URL: database.url, JWT_SECRET: DEVELOPMENT_JWT_SECRET, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  stderrOf.set(child, () => stderr);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} not ready: ${stderr}`);
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

t.test('every service bundles; the APIs and the projector run from their bundles with plain node', async (t) => {
  const [commandPort, readPort, projectorPort] = [await freePort(), await freePort(), await freePort()];
  const commands = await run(
    'command-api',
    { COMMAND_API_PORT: String(commandPort) },
    `http://127.0.0.1:${commandPort}/ready`,
  );
  const projector = await run(
    'projector',
    { PROJECTOR_PORT: String(projectorPort) },
    `http://127.0.0.1:${projectorPort}/ready`,
  );
  const reads = await run('read-api', { READ_API_PORT: String(readPort) }, `http://127.0.0.1:${readPort}/ready`);
  const consolePort = await freePort();
  const supportConsole = await run(
    'support-console',
    { SUPPORT_CONSOLE_PORT: String(consolePort), READ_API_PORT: String(readPort) },
    `http://127.0.0.1:${consolePort}/health`,
  );

  const token = signTestToken({ sub: 'bundle-test', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await fetch(`http://127.0.0.1:${commandPort}/api/v1/publisher/publishing-records/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      content_id: 1,
      site_id: 1,
      sector_id: 1,
      destination: 'webhook',
      destination_config: { url: 'https://hooks.example.com/x' },
    }),
  });
  t.equal(created.status, 201);
  const id = ((await created.json()) as { data: { id: string } }).data.id;
  const position = created.headers.get('x-position')!;
  t.ok(position, 'the command answers with its position');

  const read = await fetch(
    `http://127.0.0.1:${readPort}/api/v1/publisher/publishing-records/${id}?min_position=${position}`,
    { headers },
  );
  t.equal(read.status, 200, 'projected by the bundled projector, read through the bundled read API');
  t.match(await read.json(), { success: true, data: { id, status: 'pending' } });

  const refused = await fetch(`http://127.0.0.1:${readPort}/api/v1/publisher/publishing-records/`);
  t.equal(refused.status, 401);
  t.match(await refused.json(), { success: false, code: 'AUTH_TOKEN_MISSING' });
  t.equal((await fetch(`http://127.0.0.1:${commandPort}/docs/json`)).status, 200, 'OpenAPI document');
  const asset = await fetch(`http://127.0.0.1:${commandPort}/docs/static/swagger-ui.css`);
  t.equal(asset.status, 200, "Swagger UI's files, read from its package directory");
  t.ok((await asset.text()).length > 1000);

  const page = await fetch(`http://127.0.0.1:${consolePort}/app.js`);
  t.equal(page.status, 200, 'the support console builds its page from web/ next to its bundle');
  const proxied = await fetch(`http://127.0.0.1:${consolePort}/api/read/publishing-records/${id}`, { headers });
  t.match(await proxied.json(), { success: true, data: { id } }, 'and reaches the read API');

  for (const [name, child] of [
    ['support-console', supportConsole],
    ['read-api', reads],
    ['projector', projector],
    ['command-api', commands],
  ] as const) {
    const code = await stopped(child);
    t.equal(code, 0, `${name} stops cleanly on SIGTERM${code === 0 ? '' : `; its stderr: ${stderrOf.get(child)?.()}`}`);
  }
});
