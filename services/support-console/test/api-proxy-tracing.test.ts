import { startTracing } from '@publisher/telemetry';
import Fastify from 'fastify';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { loadSupportConsoleConfig } from '../src/config.ts';

// Tracing is process-wide, so this file has its own process: the console as `runService` starts it.
const tracing = startTracing({ service: 'support-console-test', asyncContext: false });
t.teardown(() => tracing.shutdown());

t.test('a request’s trace goes on to the API: the console’s span continues it and is the API’s parent', async (t) => {
  const seen: Array<Record<string, unknown>> = [];
  const api = Fastify();
  api.get('/*', async (request) => {
    seen.push(request.headers);
    return { success: true, data: {}, request_id: 'r' };
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => api.close());
  const address = api.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  const app = await buildApp(
    loadSupportConsoleConfig({ LOG_LEVEL: 'silent', COMMAND_API_URL: url, READ_API_URL: url }),
  );
  t.teardown(() => app.close());

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const browserSpan = '00f067aa0ba902b7';
  const response = await app.inject({
    url: '/api/read/publishing-records/',
    headers: { authorization: 'Bearer t', traceparent: `00-${traceId}-${browserSpan}-01` },
  });
  t.equal(response.statusCode, 200);
  const [, trace, span] = String(seen[0]?.traceparent ?? '').split('-');
  t.equal(trace, traceId, 'the API receives the trace the browser started');
  t.match(span, /^[0-9a-f]{16}$/);
  t.not(span, browserSpan, 'its parent is the console’s span, not the browser’s');

  await app.inject({ url: '/api/read/publishing-records/', headers: { authorization: 'Bearer t' } });
  t.match(String(seen[1]?.traceparent ?? ''), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, 'a new trace without one');
});
