import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createGuardedLookup, DestinationRefusedError, type Resolve } from '../src/guarded-lookup.ts';

/** A resolver that answers from a table, counting its calls (so a re-resolution would show). */
function tableResolver(answers: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const found = answers[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

function get(url: string, lookup: ReturnType<typeof createGuardedLookup>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { lookup, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

t.test('a socket connects to the address the lookup checked, or not at all', async (t) => {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const resolver = tableResolver({
    'hooks.example.com': ['127.0.0.1'],
    'mixed.example.com': ['93.184.215.14', '10.0.0.7'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
  });

  // Allowed (development): the request reaches the server at the resolved loopback address.
  const dev = createGuardedLookup({ allowPrivate: true }, resolver);
  t.equal(await get(`http://hooks.example.com:${port}/`, dev), 200);
  t.equal(hits, 1);
  // Not a name that answers a link-local address (a cloud metadata service), even then.
  const metadata = await get(`http://metadata.example.com:${port}/`, dev).catch((err) => err);
  t.match(metadata, { code: 'DESTINATION_REFUSED', address: '169.254.169.254', refusal: 'link-local' });

  const strict = createGuardedLookup({ allowPrivate: false }, resolver);
  const refused = await get(`http://hooks.example.com:${port}/`, strict).catch((err) => err);
  t.ok(refused instanceof DestinationRefusedError, 'a name answering loopback is refused');
  t.match(refused, { code: 'DESTINATION_REFUSED', address: '127.0.0.1', refusal: 'loopback' });
  const mixed = await get(`http://mixed.example.com:${port}/`, strict).catch((err) => err);
  t.match(mixed, { code: 'DESTINATION_REFUSED', address: '10.0.0.7', refusal: 'private' }, 'one bad answer is enough');
  const mapped = await get(`http://mapped.example.com:${port}/`, strict).catch((err) => err);
  t.match(mapped, { refusal: 'IPv4-mapped' });
  t.equal(hits, 1, 'no refused request reached the server');
  const unknown = await get(`http://nowhere.example.com:${port}/`, strict).catch((err) => err);
  t.match(unknown, { code: 'ENOTFOUND' });
  t.same(
    resolver.calls.filter((h) => h === 'hooks.example.com').length,
    2,
    'one resolution per connection, no second lookup',
  );
});
