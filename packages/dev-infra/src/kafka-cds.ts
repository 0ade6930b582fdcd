import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Application class-data sharing for the broker JVM. Loading and verifying Kafka's thousands of classes
 * is most of a cold start; a dynamic CDS archive (`-XX:ArchiveClassesAtExit`, Java 13+) of those
 * classes lets later starts map them instead. The first broker that stops
 * cleanly writes the archive as it exits; later starts map it. It lives in the libs directory (the
 * `libs/*` classpath wildcard only picks up jars), so re-resolving the jars drops it too. A stale
 * or mismatched archive is only a warning for the JVM, which then starts without it.
 */
const ARCHIVE = 'kafka.jsa';

export interface CdsPlan {
  args: string[];
  /** Where this JVM writes its archive at exit, when none existed yet. */
  dumpFile?: string;
}

export function cdsPlan(libs: string, allowDump: boolean): CdsPlan {
  const archive = path.join(libs, ARCHIVE);
  if (existsSync(archive)) return { args: [`-XX:SharedArchiveFile=${archive}`] };
  if (!allowDump) return { args: [] };
  // A private file per JVM: concurrent first runs must not write one archive together.
  const dumpFile = path.join(libs, `${ARCHIVE}.${process.pid}-${Date.now()}.tmp`);
  return { args: [`-XX:ArchiveClassesAtExit=${dumpFile}`], dumpFile };
}

/** After the JVM exited: publish its archive unless another JVM already did. */
export async function publishCdsArchive(dumpFile: string | undefined): Promise<void> {
  if (!dumpFile || !existsSync(dumpFile)) return;
  const archive = path.join(path.dirname(dumpFile), ARCHIVE);
  if (existsSync(archive)) await rm(dumpFile, { force: true });
  else await rename(dumpFile, archive).catch(() => rm(dumpFile, { force: true }));
}

/** Removes dumps left by JVMs that never exited cleanly (older than 10 minutes). */
export async function removeStaleCdsDumps(libs: string): Promise<void> {
  const names = await readdir(libs).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${ARCHIVE}.`) || !name.endsWith('.tmp')) continue;
    const file = path.join(libs, name);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10 * 60_000) await rm(file, { force: true });
  }
}
