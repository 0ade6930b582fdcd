/**
 * A TCP load balancer on loopback, as a deployment puts in front of several API processes: each
 * new connection goes to the next backend in turn, skipping one that refuses connections (a
 * killed process). Connections already open to a backend that dies simply close.
 */
import net from 'node:net';

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/**
 * @example
 * const lb = await startBalancer(['http://127.0.0.1:4001', 'http://127.0.0.1:4002']);
 * fetch(`${lb.url}/api/v1/publisher/…`);
 */
export async function startBalancer(backends: string[]): Promise<Balancer> {
  const targets = backends.map((b) => {
    const u = new URL(b);
    return { host: u.hostname, port: Number(u.port) };
  });
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const connect = (tries: number) => {
      const target = targets[next++ % targets.length]!;
      const upstream = net.connect(target);
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
      upstream.once('error', (err) => {
        if (upstream.connecting || (err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
          if (tries + 1 < targets.length) connect(tries + 1);
          else client.destroy();
        }
      });
    };
    connect(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
