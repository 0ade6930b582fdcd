import net from 'node:net';

/**
 * A loopback TCP forwarder the tests can cut and restore, to take PostgreSQL "down" for one client
 * without stopping the server the other test files share.
 */
export interface TcpProxy {
  port: number;
  /** Refuses new connections and resets the open ones (as a crashed or unreachable server would). */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /**
   * Stops forwarding bytes in both directions while keeping every connection open and accepting new
   * ones: a hung network or server, where nothing fails, it only never answers.
   */
  stall(): void;
  /**
   * Forwards again, delivering what was held back to the connections still open — or, with
   * `dropHeld`, losing it: a request sent during the stall then never gets an answer, as after a
   * network partition, while new requests and connections work.
   */
  resume(options?: { dropHeld?: boolean }): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  let held: Array<[net.Socket, Buffer]> = [];
  // Explicit forwarding instead of pipe(), so a stall can hold bytes back without closing anything.
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (stalled) held.push([to, chunk]);
      else if (!to.destroyed) to.write(chunk);
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  const port = await listen(0);
  const stop = async () => {
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    cut: stop,
    restore: async () => {
      await listen(port);
    },
    stall: () => {
      stalled = true;
    },
    resume: (options = {}) => {
      stalled = false;
      if (!options.dropHeld) for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
      held = [];
    },
    close: stop,
  };
}

/** The connection string `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
