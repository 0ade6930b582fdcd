import t from 'tap';
import { isEntryPoint } from '../src/index.ts';

t.test('isEntryPoint: the file the process was started with, not a module it imported', async (t) => {
  // tap starts each test file as the process's script.
  t.ok(isEntryPoint(import.meta.url), 'this test file');
  t.notOk(isEntryPoint(new URL('../src/entry-point.ts', import.meta.url).href), 'a module it imports');
  const argv1 = process.argv[1];
  t.teardown(() => {
    process.argv[1] = argv1 as string;
  });
  process.argv[1] = '/srv/my app/main.ts';
  t.ok(isEntryPoint('file:///srv/my%20app/main.ts'), 'a path that needs escaping in a URL');
});
