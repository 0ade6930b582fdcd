import { ConfigError } from '@publisher/platform/env';
import t from 'tap';
import { loadSupportConsoleConfig } from '../src/config.ts';

t.test('defaults: port 3005, APIs on loopback at their default ports, development sign-in on', async (t) => {
  const config = loadSupportConsoleConfig({});
  t.equal(config.port, 3005);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.commandApiUrl, 'http://127.0.0.1:3000');
  t.equal(config.readApiUrl, 'http://127.0.0.1:3001');
  t.equal(config.devSignIn, true);
});

t.test('the API ports and URLs follow the environment', async (t) => {
  const ports = loadSupportConsoleConfig({
    SUPPORT_CONSOLE_PORT: '4105',
    COMMAND_API_PORT: '4100',
    READ_API_PORT: '4101',
  });
  t.equal(ports.port, 4105);
  t.equal(ports.commandApiUrl, 'http://127.0.0.1:4100');
  t.equal(ports.readApiUrl, 'http://127.0.0.1:4101');
  const urls = loadSupportConsoleConfig({
    COMMAND_API_URL: 'https://commands.internal:8443/ignored/path',
    READ_API_URL: 'http://reads:80',
  });
  t.equal(urls.commandApiUrl, 'https://commands.internal:8443');
  t.equal(urls.readApiUrl, 'http://reads');
});

t.test('development sign-in only with the development secret and outside production', async (t) => {
  t.equal(loadSupportConsoleConfig({ NODE_ENV: 'production' }).devSignIn, false);
  t.equal(loadSupportConsoleConfig({ JWT_SECRET: 'a-real-secret-of-at-least-32-bytes-0123' }).devSignIn, false);
  t.equal(loadSupportConsoleConfig({ JWT_PUBLIC_KEY: 'pem' }).devSignIn, false);
  t.equal(loadSupportConsoleConfig({ JWT_PUBLIC_KEY_FILE: '/etc/key.pem' }).devSignIn, false);
  t.equal(loadSupportConsoleConfig({ NODE_ENV: 'test' }).devSignIn, true);
});

t.test('production needs no JWT secret: the console verifies and signs nothing there', async (t) => {
  t.doesNotThrow(() => loadSupportConsoleConfig({ NODE_ENV: 'production' }));
});

t.test('bad values fail at start with a ConfigError', async (t) => {
  t.throws(() => loadSupportConsoleConfig({ SUPPORT_CONSOLE_PORT: 'x' }), ConfigError);
  t.throws(() => loadSupportConsoleConfig({ READ_API_URL: 'not a url' }), ConfigError);
  t.throws(() => loadSupportConsoleConfig({ COMMAND_API_URL: 'ftp://127.0.0.1:21' }), ConfigError);
  t.throws(() => loadSupportConsoleConfig({ COMMAND_API_PORT: '70000' }), ConfigError);
});
