import type { KnipConfig } from 'knip';

// The production run leaves test files out, so an export its own file uses and a test imports
// (the seam a unit test reaches through) would read as unused there; only the full run, which
// sees the tests, reports exports nothing outside their own file uses.
const production = process.argv.includes('--production');

const config: KnipConfig = {
  // `pnpm lint` runs knip twice. The first run takes every file; the second (`--production`) only
  // the files marked `!` (what services, scripts, benchmarks and the console's page run), so an
  // export only tests use is reported there. Types are left out of the second run: a test naming a
  // type its package exports costs nothing at run time.
  // Each package's index is an entry whose exports must be used by another workspace
  // (`includeEntryExports`); an export other packages' tests need is tagged `@internal`.
  workspaces: {
    '.': {
      entry: ['scripts/*.ts!', 'bench/*.ts!', 'test/**/*.test.ts'],
      project: ['scripts/**/*.ts!', 'bench/**/*.ts!', 'test/**/*.ts'],
    },
    // Published for other teams: every export of the index is public API.
    'packages/contracts': {
      includeEntryExports: false,
      entry: ['src/index.ts!', 'spec/generate.ts!', 'test/**/*.test.ts'],
      project: ['{src,spec}/**/*.ts!', 'test/**/*.ts'],
    },
    // Test support: everything it exports is for tests.
    'packages/testing': {
      includeEntryExports: false,
      entry: ['src/index.ts!', 'test/**/*.test.ts'],
      project: ['src/**/*.ts!', 'test/**/*.ts'],
    },
    '{packages,services}/*': {
      entry: [
        'src/{main,server,index,cli,*-cli,*-worker}.ts!',
        'spec/generate.ts!',
        'bench/*.ts!',
        'test/**/*.test.ts',
        // Processes a test spawns.
        'test/fixtures/*.ts',
        'web/main.ts!',
      ],
      project: ['{src,spec,bench,web}/**/*.{ts,js,mjs}!', 'test/**/*.{ts,js}'],
    },
  },
  includeEntryExports: true,
  ignoreExportsUsedInFile: production,
  ignoreBinaries: ['groupadd', 'useradd'],
};

export default config;
