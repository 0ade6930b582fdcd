import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns';
import { addressRefusalUnder, type DestinationPolicy } from './destination-url.ts';

/** Resolves a host name to its addresses (default: the system resolver, as Node's sockets use). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

/** A destination that resolved to an address the policy refuses; nothing was sent. */
export class DestinationRefusedError extends Error {
  readonly code = 'DESTINATION_REFUSED';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly refusal: string,
  ) {
    super(`${hostname} resolves to ${address} (${refusal}); refused`);
    this.name = 'DestinationRefusedError';
  }
}

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` / `net.connect`: resolves the name once, refuses it when **any** of
 * its addresses is not public (a name answering both is suspicious, and a later connection could
 * pick either), and hands the socket exactly the addresses it checked. The socket connects to what
 * was checked, so an answer that changes between a check and the connection (DNS rebinding) cannot
 * slip through. IP-literal hosts never reach a lookup: check them before connecting
 * (`destinationUrlProblem` does).
 *
 * @example
 * http.request(url, { lookup: createGuardedLookup({ allowPrivate: false }), agent: false })
 */
export function createGuardedLookup(
  policy: DestinationPolicy,
  resolve: Resolve = systemResolve,
): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = found.filter((a) => family === 0 || a.family === family);
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        for (const a of addresses) {
          const refusal = addressRefusalUnder(policy, a.address);
          if (refusal !== null) return callback(new DestinationRefusedError(hostname, a.address, refusal), '');
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
