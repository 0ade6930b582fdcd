/**
 * A webhook destination for end-to-end tests: records every delivery the publishing worker makes
 * (record id and attempt from the Standard Webhooks body) and answers after a short random delay,
 * so that deliveries are in flight when a worker is killed. A delivery whose connection closes
 * before the answer is sent is marked `cut` (the worker died waiting for it).
 */
import http from 'node:http';

interface Delivery {
  record_id: string;
  attempt: number;
  /** The worker's connection closed before it had the answer. */
  cut: boolean;
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { delayMs?: [number, number] } = {}): Promise<WebhookReceiver> {
  const [min, max] = options.delayMs ?? [20, 120];
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { record_id?: string; attempt?: number } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        // counted below with an empty record id
      }
      const delivery: Delivery = { record_id: body.record_id ?? '', attempt: body.attempt ?? 0, cut: false };
      deliveries.push(delivery);
      res.on('close', () => {
        if (!res.writableFinished) delivery.cut = true;
      });
      setTimeout(
        () => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ url: `https://blog.example.com/p/${delivery.record_id}`, id: `p-${delivery.attempt}` }),
          );
        },
        min + Math.random() * (max - min),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
