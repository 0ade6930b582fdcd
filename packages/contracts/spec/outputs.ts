import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncApiYaml } from './asyncapi.ts';
import type { SchemaSet } from './compatibility.ts';
import type { JsonSchema } from './headers.ts';
import { jsonSchemaFiles } from './json-schemas.ts';

/**
 * Where the generated documents live and what they should contain. The TypeBox definitions are the
 * source; these files are outputs, rewritten by `pnpm contracts:generate` and compared by the tests.
 */

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(PACKAGE_DIR, '../..');
/** The JSON Schema files (shipped in the package as `@publisher/contracts/schemas/*`). */
export const SCHEMAS_DIR = path.join(PACKAGE_DIR, 'schemas');
/** The schemas of the last released package, the baseline of the compatibility gate. */
export const RELEASED_DIR = path.join(PACKAGE_DIR, 'released');
export const ASYNCAPI_FILE = path.join(REPO_ROOT, 'docs', 'asyncapi.yaml');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every generated file: absolute path → content. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of jsonSchemaFiles()) files.set(path.join(SCHEMAS_DIR, name), content);
  files.set(ASYNCAPI_FILE, asyncApiYaml({ version: packageVersion() }));
  return files;
}

/**
 * Files that differ from what the definitions generate (`expected`, by default the current ones), and
 * files in schemas/ nothing generates.
 */
export function staleFiles(expected: ReadonlyMap<string, string> = generatedFiles()): {
  changed: string[];
  extra: string[];
} {
  const changed = [...expected].filter(
    ([file, content]) => !existsSync(file) || readFileSync(file, 'utf8') !== content,
  );
  const extra = jsonFilesIn(SCHEMAS_DIR).filter((file) => !expected.has(file));
  return { changed: changed.map(([file]) => file), extra };
}

/** The event schemas of a directory (not its index), by file name. */
export function readSchemaSet(dir: string): Map<string, JsonSchema> {
  return new Map(
    jsonFilesIn(dir)
      .filter((file) => path.basename(file) !== 'index.json')
      .map((file) => [path.basename(file), JSON.parse(readFileSync(file, 'utf8')) as JsonSchema]),
  );
}

/** The event schemas the definitions generate now, by file name. */
export function currentSchemaSet(): SchemaSet {
  const set = new Map<string, JsonSchema>();
  for (const [name, content] of jsonSchemaFiles()) {
    if (name !== 'index.json') set.set(name, JSON.parse(content) as JsonSchema);
  }
  return set;
}

function jsonFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => path.join(dir, name));
}
