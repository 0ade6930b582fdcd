import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KafkaInfraError } from './kafka-errors.ts';

const run = promisify(execFile);

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Root of the checkout; the default cache (`.cache/kafka`) and data (`.data/kafka`) live under it. */
export const repoRoot = path.resolve(packageDir, '..', '..');
const pomPath = path.join(packageDir, 'kafka', 'pom.xml');
const pom = readFileSync(pomPath, 'utf8');

/** The pinned broker version; the pom is the single place that names it. */
export const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';

/** Default jar cache: `<repo>/.cache/kafka`, or KAFKA_CACHE_DIR. */
function defaultKafkaCacheDir(): string {
  return process.env.KAFKA_CACHE_DIR ?? path.join(repoRoot, '.cache', 'kafka');
}

/** The java launcher: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
export function javaBin(): string {
  const home = process.env.JAVA_HOME;
  const fromHome = home ? path.join(home, 'bin', 'java') : undefined;
  return fromHome && existsSync(fromHome) ? fromHome : 'java';
}

/** Fails with KAFKA_JAVA_MISSING unless a Java 17+ runtime answers `java -version`. */
export async function checkJava(): Promise<number> {
  let out: string;
  try {
    const r = await run(javaBin(), ['-version']);
    out = `${r.stdout}${r.stderr}`;
  } catch (err) {
    throw new KafkaInfraError(
      'KAFKA_JAVA_MISSING',
      'Java 17+ is needed to run the local Kafka broker (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven)',
      { cause: err },
    );
  }
  const major = Number(/version "(?:1\.)?(\d+)/.exec(out)?.[1] ?? 0);
  if (major < 17) {
    throw new KafkaInfraError('KAFKA_JAVA_MISSING', `Kafka ${KAFKA_VERSION} needs Java 17+, found: ${out.trim()}`);
  }
  return major;
}

/**
 * Returns the directory holding every jar the broker needs, resolving them with Maven the first time
 * (`mvn dependency:copy-dependencies` on packages/dev-infra/kafka/pom.xml into
 * `<cacheDir>/<version>/libs`). Later calls find the cache and touch neither Maven nor the network.
 * A stamp with the pom's hash invalidates the cache when the pom changes.
 *
 * @example
 * const libs = await ensureKafkaLibs(); // '/repo/.cache/kafka/4.1.2/libs'
 */
export async function ensureKafkaLibs(opts: { cacheDir?: string; log?: (line: string) => void } = {}): Promise<string> {
  const base = path.join(opts.cacheDir ?? defaultKafkaCacheDir(), KAFKA_VERSION);
  const libs = path.join(base, 'libs');
  const stamp = createHash('sha256').update(pom).digest('hex');
  if ((await readStamp(libs)) === stamp) return libs;

  const log = opts.log ?? (() => {});
  await mkdir(base, { recursive: true });
  // Resolve into a private directory and rename it into place, so concurrent first runs never see
  // a half-filled libs directory.
  const tmp = path.join(base, `libs.tmp-${process.pid}-${Date.now()}`);
  const started = Date.now();
  log(`resolving Kafka ${KAFKA_VERSION} jars with Maven into ${libs}`);
  try {
    await run(
      'mvn',
      ['-B', '-q', '-f', pomPath, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
      { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
    );
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const e = err as { stdout?: string; stderr?: string; code?: string | number };
    const detail = e.code === 'ENOENT' ? 'mvn not found on PATH' : `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4000);
    throw new KafkaInfraError('KAFKA_MAVEN_FAILED', `resolving Kafka ${KAFKA_VERSION} with Maven failed: ${detail}`, {
      cause: err,
    });
  }
  await writeFile(path.join(tmp, '.stamp'), stamp);
  if ((await readStamp(libs)) !== stamp) await rm(libs, { recursive: true, force: true });
  try {
    await rename(tmp, libs);
  } catch (err) {
    // Another process won the race with the same pom: use its copy.
    await rm(tmp, { recursive: true, force: true });
    if ((await readStamp(libs)) !== stamp) throw err;
  }
  log(`resolved Kafka ${KAFKA_VERSION} jars in ${Date.now() - started} ms`);
  return libs;
}

async function readStamp(libs: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(libs, '.stamp'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
