import type { Resolve } from '@publisher/destination-policy';

/** Test names: `*.publisher-test.example.com` stand for public hosts but answer 127.0.0.1. */
const TEST_DOMAIN = 'publisher-test.example.com';

/**
 * A resolver for the worker in tests: names under TEST_DOMAIN resolve to 127.0.0.1 (where the test
 * servers listen), every other name fails. With the production policy such an answer is refused,
 * exactly as a public name that resolves to a private address would be (DNS rebinding).
 */
export const loopbackResolver: Resolve = async (hostname) => {
  if (hostname === TEST_DOMAIN || hostname.endsWith(`.${TEST_DOMAIN}`)) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};
