import { isCredentialName } from './credential-names.ts';
import { hostNameRefusal } from './host-name.ts';
import { type AddressRefusal, addressRefusal, isIpLiteral, isLinkLocal } from './ip-address.ts';

export interface DestinationPolicy {
  /**
   * Lets loopback, private and other non-public addresses and internal names through, but never a
   * link-local address (cloud metadata): local development and tests only
   * (ALLOW_PRIVATE_DESTINATIONS=true, refused with NODE_ENV=production).
   */
  allowPrivate: boolean;
}

/**
 * Why the policy refuses a connection to `address` (an IP literal), or null: every non-public
 * address, or with `allowPrivate` a link-local one only.
 * @example
 * addressRefusalUnder({ allowPrivate: true }, '169.254.169.254') // 'link-local'
 * addressRefusalUnder({ allowPrivate: true }, '10.0.0.1') // null
 */
export function addressRefusalUnder(policy: DestinationPolicy, address: string): AddressRefusal | null {
  if (!policy.allowPrivate) return addressRefusal(address);
  return isLinkLocal(address) ? 'link-local' : null;
}

export interface UrlRules extends DestinationPolicy {
  /** The URL names a site, not an endpoint: no path (beyond `/`), query or fragment. */
  originOnly?: boolean;
}

/**
 * Why the host of a parsed URL is not a destination the worker may call, or null. IP literals are
 * judged by address (after `new URL` normalized decimal, octal and hex spellings to dotted quads);
 * names by their suffix. A name's addresses are judged again after resolution, at delivery.
 *
 * @example
 * hostRefusal(new URL('http://[::ffff:127.0.0.1]/'), { allowPrivate: false }) // 'an IPv4-mapped address ([::ffff:7f00:1])'
 */
function hostRefusal(url: URL, policy: DestinationPolicy): string | null {
  const host = url.hostname;
  if (isIpLiteral(host)) {
    const refusal = addressRefusalUnder(policy, host);
    return refusal === null ? null : `${article(refusal)} ${refusal} address (${host})`;
  }
  return policy.allowPrivate ? null : hostNameRefusal(host);
}

function article(word: string): string {
  return /^[aeiouAEIOU]/.test(word) ? 'an' : 'a';
}

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): invisible, they reorder what a
 * console or log shows of a URL (`…/\u202Egnp.exe` reads as `…/exe.png`); no URL needs them.
 */
const BIDI_CONTROL = /\p{Bidi_Control}/u;

/**
 * Why `value` is not a URL the worker may be pointed at, or null: absolute http(s), no bidirectional
 * control characters, no user name or
 * password, no query parameter named like a credential, a public host (unless the policy allows
 * private ones); with `originOnly`, nothing but scheme, host and port.
 *
 * @example
 * destinationUrlProblem('http://169.254.169.254/latest', { allowPrivate: false }) // 'must not point to a link-local address (169.254.169.254)'
 * destinationUrlProblem('https://blog.example.com/wp?x=1', { allowPrivate: false, originOnly: true }) // 'must be the site’s address alone …'
 */
export function destinationUrlProblem(value: unknown, rules: UrlRules): string | null {
  if (typeof value !== 'string') return 'must be an absolute http(s) URL';
  const bidi = BIDI_CONTROL.exec(value)?.[0];
  if (bidi !== undefined) {
    const code = bidi.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `must not contain a bidirectional control character (U+${code}): it shows the URL other than it is`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (rules.originOnly && (url.pathname !== '/' || url.search !== '' || url.hash !== '' || value.includes('?'))) {
    return 'must be the site’s address alone (scheme, host and port; no path, query or fragment)';
  }
  const secret = [...url.searchParams.keys()].find(isCredentialName);
  if (secret !== undefined) return `must not carry a credential (query parameter ${secret})`;
  const refusal = hostRefusal(url, rules);
  return refusal === null ? null : `must not point to ${refusal}`;
}
