/**
 * Suffixes of names that only mean something inside a network: the host itself, mDNS, cluster and
 * cloud-internal resolvers, and the private-use names of RFC 6761, RFC 8375 and ICANN's `.internal`.
 * A tenant has no business pointing the worker at any of them.
 */
const INTERNAL_SUFFIXES = [
  'localhost',
  'localdomain',
  'local', // mDNS; also Kubernetes' cluster.local
  'internal', // ICANN-reserved for private use; GCP's metadata.google.internal, AWS' ec2.internal
  'intranet',
  'lan',
  'home',
  'corp',
  'private',
  'home.arpa',
  'arpa', // reverse-lookup zones and other infrastructure, never a web server
  'svc', // Kubernetes' <service>.<namespace>.svc
  'consul',
  'onion',
  'invalid',
];

/**
 * Why a host name (as `new URL` normalized it: lower case, punycode) names something internal, or
 * null. A trailing dot is the same name (fully qualified), so `localhost.` is `localhost`.
 *
 * @example
 * hostNameRefusal('metadata.google.internal') // 'an internal name (.internal)'
 * hostNameRefusal('redis') // 'a single-label name (resolved inside the network)'
 * hostNameRefusal('hooks.example.com') // null
 */
export function hostNameRefusal(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '') return 'an empty host name';
  if (!name.includes('.')) {
    return name === 'localhost' ? 'localhost' : 'a single-label name (resolved inside the network)';
  }
  for (const suffix of INTERNAL_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) return `an internal name (.${suffix})`;
  }
  return null;
}
