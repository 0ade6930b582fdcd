/**
 * A plain Node project outside the workspace that installs `@publisher/contracts` the way another
 * team would: from the tarball `npm pack` makes, with npm, without the workspace's resolution
 * condition or TypeScript loader. Offline: the dependencies (the package's own; kafkajs for the example) are
 * packed from the copies the workspace has installed, so the test needs no registry.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONTRACTS_DIR = path.join(REPO_ROOT, 'packages/contracts');

/**
 * The environment of a process outside the workspace: without the npm_* variables pnpm sets and
 * without NODE_OPTIONS, which carries the workspace's `--conditions=@publisher/source`.
 */
function outsideEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.toLowerCase().startsWith('npm_')) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * `command args` as a process outside the workspace, through `env -u NODE_OPTIONS`: tap's process
 * tracking puts the test's own NODE_OPTIONS (with the workspace condition) back into the environment
 * of every child it sees spawned, so only the last exec can drop it.
 */
export function spawnOutside(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ChildProcess {
  return spawn('env', ['-u', 'NODE_OPTIONS', command, ...args], {
    cwd: options.cwd,
    env: outsideEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `command args` outside the workspace to the end; rejects with its output on a non-zero exit. */
export function runOutside(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<{ stdout: string; stderr: string }> {
  const child = spawnOutside(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin?.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(
            Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`), { stdout, stderr }),
          ),
    );
  });
}

interface PackedContracts {
  tarball: string;
  /** Paths inside the tarball (`dist/index.js`, …), from `npm pack --json`. */
  files: string[];
}

/**
 * `npm pack` of packages/contracts (its `prepack` builds dist/) into `dest`. Test files run in
 * parallel and the build writes packages/contracts/dist, so packs take turns (a lock directory).
 */
async function packContracts(dest: string): Promise<PackedContracts> {
  return withLock(async () => {
    const { stdout } = await runOutside('npm', ['pack', '--json', '--pack-destination', dest], { cwd: CONTRACTS_DIR });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!info) throw new Error(`npm pack printed nothing: ${stdout}`);
    return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path) };
  });
}

/** A tarball of the copy of `name` the workspace package `from` has installed. */
async function packInstalled(name: string, from: string, dest: string): Promise<string> {
  // npm will not pack inside node_modules/.pnpm; a copy elsewhere packs as published.
  const copy = path.join(dest, `${name}-source`);
  cpSync(realpathSync(path.join(REPO_ROOT, from, 'node_modules', name)), copy, { recursive: true });
  const { stdout } = await runOutside('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], {
    cwd: copy,
  });
  rmSync(copy, { recursive: true, force: true });
  return path.join(dest, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
}

export interface OutsideProject {
  dir: string;
  contracts: PackedContracts;
}

/**
 * A temp project with `@publisher/contracts` (and `extra` packages of the workspace, e.g. kafkajs)
 * installed by `npm install --offline` from tarballs. Removed through `defer`.
 */
export async function outsideProject(
  defer: (fn: () => unknown) => void,
  extra: Array<{ name: string; from: string }> = [],
): Promise<OutsideProject> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'publisher-outside-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const tarballs = path.join(dir, '.tarballs');
  mkdirSync(tarballs);
  const contracts = await packContracts(tarballs);
  // The package's own dependencies, as its package.json names them, and the extras.
  const own = Object.keys(
    (JSON.parse(readFileSync(path.join(CONTRACTS_DIR, 'package.json'), 'utf8')) as { dependencies: object })
      .dependencies,
  ).map((name) => ({ name, from: 'packages/contracts' }));
  const dependencies = await Promise.all([...own, ...extra].map((e) => packInstalled(e.name, e.from, tarballs)));
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'outside-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  const cache = path.join(dir, '.npm-cache');
  await runOutside(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--cache', cache, contracts.tarball, ...dependencies],
    {
      cwd: dir,
    },
  );
  return { dir, contracts };
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const id = createHash('sha1').update(CONTRACTS_DIR).digest('hex').slice(0, 12);
  const lock = path.join(os.tmpdir(), `publisher-contracts-pack-${id}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the slowest pack was left by a killed test run.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > 180_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
