import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The browser sources, `web/` in the service's directory: found upwards from this module, which is
 * `src/assets.ts` under the sources and `dist/server.mjs` (or deeper) once bundled.
 */
const WEB_DIR = findWebDir(path.dirname(fileURLToPath(import.meta.url)));

function findWebDir(from: string): string {
  for (let dir = from, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'web');
    if (existsSync(path.join(candidate, 'main.ts'))) return candidate;
  }
  throw new Error(`support console: no web/main.ts above ${from}`);
}

export interface Asset {
  body: Buffer;
  contentType: string;
  /** Strong ETag of the body, so a reload costs a 304. */
  etag: string;
}

/**
 * The browser's files: `index.html`, `style.css`, and `app.js` — `web/main.ts` and its modules
 * compiled by esbuild (the workspace's bundler) into one ES module, in memory, when the service
 * starts. Building at start means the page can never be older than its sources and there is
 * no build step to forget; nothing is fetched from a CDN, so the console works offline.
 * @example
 * const assets = await buildAssets();
 * reply.type(assets.get('/app.js')!.contentType).send(assets.get('/app.js')!.body);
 */
export async function buildAssets(): Promise<Map<string, Asset>> {
  const [bundle, html, css] = await Promise.all([
    build({
      entryPoints: [path.join(WEB_DIR, 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      // Workspace packages resolve to their TypeScript sources, as for `tsc` (no built `dist` needed).
      conditions: ['@publisher/source'],
      target: ['chrome110', 'firefox115', 'safari16'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      tsconfig: path.join(WEB_DIR, 'tsconfig.json'),
    }),
    readFile(path.join(WEB_DIR, 'index.html')),
    readFile(path.join(WEB_DIR, 'style.css')),
  ]);
  const script = bundle.outputFiles[0];
  if (!script) throw new Error('esbuild produced no output for web/main.ts');
  return new Map([
    ['/', asset(html, 'text/html; charset=utf-8')],
    ['/app.js', asset(Buffer.from(script.contents), 'text/javascript; charset=utf-8')],
    ['/style.css', asset(css, 'text/css; charset=utf-8')],
  ]);
}

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
