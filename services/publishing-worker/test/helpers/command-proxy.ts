import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the proxy does with one command request. */
export type Behaviour =
  | { kind: 'forward' }
  /** Forwards it (the command API applies it) but answers only after `delayMs`. */
  | { kind: 'forward-late'; delayMs: number }
  /** Forwards it (the command API applies it) but answers `status` and `body` instead of the API's answer. */
  | { kind: 'forward-replaced'; status: number; body: unknown }
  /** Answers itself, without forwarding. */
  | { kind: 'answer'; status: number; body?: unknown }
  /** Never answers (the worker's timeout fires); not forwarded. */
  | { kind: 'hang' };

export type Rule = (call: { recordId: string; action: string; attempt: number }) => Behaviour;

/**
 * A misbehaving command API: forwards the worker's requests to the real one, unless `rule` says to
 * answer 429/5xx/4xx itself, hang, or forward but answer late. Counts calls per record and action.
 * Every record a test creates gets a rule (`forward` for plain ones), set right after the create.
 */
export async function commandProxy(target: string): Promise<{
  url: string;
  setRule(recordId: string, rule: Rule): void;
  calls(recordId: string, action: string): number;
  close(): Promise<void>;
}> {
  const rules = new Map<string, Rule>();
  const counts = new Map<string, number>();
  const forward = async (req: http.IncomingMessage, body: Buffer) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const res = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: headers as Record<string, string>,
      body: body.length > 0 ? body : undefined,
    });
    return { status: res.status, body: await res.text() };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const match = /publishing-records\/([^/]+)\/([a-z]+)$/.exec(req.url ?? '');
      const [recordId, action] = match ? [match[1]!, match[2]!] : ['', ''];
      // The test sets a record's rule right after creating it; a request that arrives first waits for it.
      for (let waited = 0; match && !rules.has(recordId) && waited < 5000; waited += 5) {
        await sleep(5);
      }
      const key = `${recordId}/${action}`;
      const attempt = (counts.get(key) ?? 0) + 1;
      counts.set(key, attempt);
      const behaviour = rules.get(recordId)?.({ recordId, action, attempt }) ?? { kind: 'forward' };
      const send = (status: number, body: string) => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      };
      try {
        if (behaviour.kind === 'hang') return;
        if (behaviour.kind === 'answer') {
          return send(
            behaviour.status,
            JSON.stringify(behaviour.body ?? { success: false, code: 'PROXY', error: 'proxy' }),
          );
        }
        const answer = await forward(req, Buffer.concat(chunks));
        if (behaviour.kind === 'forward-late') await sleep(behaviour.delayMs);
        if (behaviour.kind === 'forward-replaced') return send(behaviour.status, JSON.stringify(behaviour.body));
        send(answer.status, answer.body);
      } catch {
        send(502, '{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setRule: (recordId, rule) => rules.set(recordId, rule),
    calls: (recordId, action) => counts.get(`${recordId}/${action}`) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
