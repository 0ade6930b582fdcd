import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Responder = (request: Captured) => {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
};

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers with `respond`
 * (changeable at any time), for destination tests without mocks.
 */
export async function loopbackServer(respond: Responder): Promise<{
  url: string;
  requests: Captured[];
  respond: Responder;
  setResponder(next: Responder): void;
  close(): Promise<void>;
}> {
  let responder = respond;
  const requests: Captured[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(captured);
      const answer = responder(captured);
      const send = () => {
        if (res.destroyed) return;
        const body =
          answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get respond() {
      return responder;
    },
    setResponder(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
