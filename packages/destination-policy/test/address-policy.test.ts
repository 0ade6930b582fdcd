import t from 'tap';
import { isCredentialName } from '../src/credential-names.ts';
import { destinationConfigProblems, destinationPolicyFromEnv, destinationUrlProblem } from '../src/index.ts';
import { addressRefusal } from '../src/ip-address.ts';

const strict = { allowPrivate: false };

t.test('addresses: public unicast is allowed, everything else is refused with its class', async (t) => {
  const table: Array<[string, string | null]> = [
    ['93.184.215.14', null],
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['2606:4700:4700::1111', null],
    ['[2a00:1450:4001:81b::200e]', null],
    ['64:ff9b::808:808', null], // NAT64 of 8.8.8.8
    ['2002:808:808::1', null], // 6to4 of 8.8.8.8
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared address space'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
    ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64 of 169.254.169.254
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
  ];
  for (const [address, expected] of table) t.equal(addressRefusal(address), expected, address);
});

t.test('URLs: tricky spellings of internal hosts are refused; public ones pass', async (t) => {
  const table: Array<[string, RegExp | null]> = [
    ['https://hooks.example.com/publisher?format=json', null],
    ['http://93.184.215.14:8080/x', null],
    ['https://[2606:4700:4700::1111]/', null],
    ['https://xn--bcher-kva.de/hook', null],
    ['https://bücher.de/hook', null], // IDN, sent as punycode
    ['http://127.0.0.1:8080/hook', /loopback address \(127\.0\.0\.1\)/],
    ['http://2130706433/', /loopback address \(127\.0\.0\.1\)/], // decimal
    ['http://0177.0.0.1/', /loopback/], // octal
    ['http://0x7f.1/', /loopback/], // hex, short form
    ['http://127.1/', /loopback/],
    ['http://127.0.0.1./', /loopback/], // trailing dot
    ['http://１２７.０.０.１/', /loopback/], // full-width digits (IDNA maps them)
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped address/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://[64:ff9b::7f00:1]/', /loopback/],
    ['http://[::1]:3000/', /loopback/],
    ['http://[::]/', /unspecified/],
    ['http://0.0.0.0:3000/', /unspecified/],
    ['http://0/', /unspecified/],
    ['http://169.254.169.254/latest/meta-data/', /link-local address \(169\.254\.169\.254\)/],
    ['http://10.0.0.5/', /private/],
    ['http://[fd00::1]/', /unique local/],
    ['http://224.0.0.251/', /multicast/],
    ['http://localhost:3000/', /localhost/],
    ['http://LOCALHOST./', /localhost/],
    ['http://ⓛocalhost/', /localhost/], // IDN spelling
    ['http://api.localhost/', /internal name \(\.localhost\)/],
    ['http://redis:6379/', /single-label/],
    ['http://redis./', /single-label/],
    ['http://metadata.google.internal/computeMetadata/v1/', /internal name \(\.internal\)/],
    ['http://printer.local/', /\.local/],
    ['http://kafka.default.svc.cluster.local:9092/', /\.local/],
    ['http://payments.prod.svc/', /\.svc/],
    ['http://router.home.arpa/', /\.home\.arpa/],
    ['http://1.0.0.127.in-addr.arpa/', /\.arpa/],
    ['ftp://hooks.example.com/', /absolute http\(s\) URL/],
    ['javascript:alert(1)', /absolute http\(s\) URL/],
    ['/relative', /absolute http\(s\) URL/],
    ['https://user:pw@hooks.example.com/', /user name or password/],
    ['https://token@hooks.example.com/', /user name or password/],
    ['https://hooks.example.com/x?token=abc', /query parameter token/],
    ['https://hooks.example.com/x?api_key=abc', /query parameter api_key/],
    ['https://hooks.example.com/x?key=abc', /query parameter key/],
    ['https://hooks.example.com/x?sig=abc&se=1', /query parameter sig/],
    ['https://hooks.example.com/x?X-Amz-Signature=abc', /X-Amz-Signature/],
    ['https://hooks.example.com/\u202Egnp.exe', /bidirectional control character \(U\+202E\)/],
    ['https://hooks.example.com/a\u2066b', /U\+2066/],
    ['https://hooks.example.com/caf\u00e9/\u{1F389}', null],
  ];
  for (const [url, expected] of table) {
    const problem = destinationUrlProblem(url, strict);
    if (expected === null) t.equal(problem, null, url);
    else t.match(problem, expected, url);
  }
  t.equal(destinationUrlProblem(42, strict), 'must be an absolute http(s) URL');
});

t.test(
  'ALLOW_PRIVATE_DESTINATIONS lets loopback and internal names through, never credentials or link-local',
  async (t) => {
    const dev = { allowPrivate: true };
    t.equal(destinationUrlProblem('http://127.0.0.1:8080/hook', dev), null);
    t.equal(destinationUrlProblem('http://10.0.0.7/hook', dev), null);
    t.equal(destinationUrlProblem('http://[fd00::1]/hook', dev), null);
    // Cloud metadata services answer at link-local addresses, in every spelling that reaches one.
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://0xa9fea9fe/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[2002:a9fe:a9fe::1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
    ]) {
      t.match(destinationUrlProblem(url, dev), /must not point to a link-local address/, url);
    }
    t.equal(destinationUrlProblem('http://localhost:8080/hook', dev), null);
    t.equal(destinationUrlProblem('http://redis/', dev), null);
    t.match(destinationUrlProblem('http://u:p@127.0.0.1/', dev), /user name or password/);
    t.match(destinationUrlProblem('http://127.0.0.1/?token=x', dev), /query parameter token/);
  },
);

t.test('a site URL is a site address alone', async (t) => {
  const site = { allowPrivate: false, originOnly: true };
  t.equal(destinationUrlProblem('https://blog.example.com', site), null);
  t.equal(destinationUrlProblem('https://blog.example.com/', site), null);
  t.equal(destinationUrlProblem('https://blog.example.com:8443', site), null);
  for (const url of [
    'https://blog.example.com/wp-json/wp/v2/users',
    'https://blog.example.com/?rest_route=/wp/v2/users',
    'https://blog.example.com/?',
    'https://blog.example.com/#x',
  ]) {
    t.match(destinationUrlProblem(url, site), /site’s address alone/, url);
  }
  t.match(destinationUrlProblem('https://admin:pw@blog.example.com', site), /user name or password/);
});

t.test('credential names are matched by word, not by substring', async (t) => {
  for (const name of [
    'password',
    'Password',
    'api_key',
    'apiKey',
    'X-Api-Key',
    'apikey',
    'access_token',
    'accessToken',
    'X-Auth-Token',
    'auth',
    'authorization',
    'client_secret',
    'clientSecret',
    'signature',
    'sig',
    'key',
    'private_key',
    'credentials',
    'bearer',
    'passwd',
  ]) {
    t.ok(isCredentialName(name), name);
  }
  for (const name of [
    'author',
    'author_id',
    'url',
    'site_url',
    'format',
    'categories',
    'sort_key',
    'monkey',
    'keyword',
  ]) {
    t.notOk(isCredentialName(name), name);
  }
});

t.test('destination_config: every level, URL userinfo and query names, credential values', async (t) => {
  let deep: Record<string, unknown> = { api_key: 'k' };
  for (let i = 0; i < 40; i++) deep = { level: deep };
  const problems = destinationConfigProblems(
    {
      url: 'http://169.254.169.254/latest',
      site_url: 'https://blog.example.com/wp-admin',
      format: 'json',
      headers: [{ name: 'X-Api-Key', value: 'v' }, { Authorization: 'x' }],
      callback: 'https://ops:hunter2@status.example.com/',
      mirror: 'https://cdn.example.com/p?access_token=abc',
      note: 'Bearer abcdefghijklmnop',
      sample: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      deep,
    },
    'destination_config',
    strict,
  );
  t.same(problems['destination_config.url'], ['must not point to a link-local address (169.254.169.254)']);
  t.match(problems['destination_config.site_url'], [/site’s address alone/]);
  t.match(problems['destination_config.headers.1.Authorization'], [/looks like a credential/]);
  t.match(problems['destination_config.callback'], [/user name or password/]);
  t.match(problems['destination_config.mirror'], [/query parameter access_token/]);
  t.match(problems['destination_config.note'], [/Authorization header value/]);
  t.match(problems['destination_config.sample'], [/JSON Web Token/]);
  const deepest = `destination_config.deep${'.level'.repeat(40)}.api_key`;
  t.match(problems[deepest], [/looks like a credential/], 'found 41 levels down');
  t.notOk(problems['destination_config.format'], 'a plain value passes');
  t.notOk(problems['destination_config.headers.0.name'], 'a key named "name" whose value is a header name passes');

  t.same(
    destinationConfigProblems({ url: 'https://hooks.example.com/p', format: 'json' }, 'destination_config', strict),
    {},
  );
  t.same(destinationConfigProblems({ url: 'http://127.0.0.1:8080/hook' }, 'c', { allowPrivate: true }), {});
});

t.test('ALLOW_PRIVATE_DESTINATIONS: true/false, refused with NODE_ENV=production', async (t) => {
  t.same(destinationPolicyFromEnv({}), { allowPrivate: false });
  t.same(destinationPolicyFromEnv({ ALLOW_PRIVATE_DESTINATIONS: 'true' }), { allowPrivate: true });
  t.throws(() => destinationPolicyFromEnv({ ALLOW_PRIVATE_DESTINATIONS: 'yes' }), {
    code: 'CONFIG_INVALID',
    message: /ALLOW_PRIVATE_DESTINATIONS must be true or false/,
  });
  t.throws(
    () => destinationPolicyFromEnv({ ALLOW_PRIVATE_DESTINATIONS: 'true', NODE_ENV: 'production' }),
    /refused with NODE_ENV=production/,
  );
  t.same(destinationPolicyFromEnv({ ALLOW_PRIVATE_DESTINATIONS: 'false', NODE_ENV: 'production' }), {
    allowPrivate: false,
  });
});
