import { statusError } from '@publisher/platform/status-access';
import type { StatusReply, StatusRoutes } from '@publisher/telemetry';
import type { Projector } from './projector.ts';
import type { ProjectorStatus } from './status.ts';

/**
 * `GET /ready`: 200 while the projection runs or a standby instance waits to take over (it is
 * healthy); 503 `PROJECTION_STOPPED` naming the event when a poison event stopped it, and
 * `NOT_READY` while it is starting — also again after a failure, such as a database it cannot reach
 * (the error is named) — or once closed.
 * @example
 * readiness(projector.status()); // { status: 200, body: { success: true, data: { status: 'ready', state: 'live' } } }
 */
function readiness(s: ProjectorStatus): StatusReply {
  if (s.state !== 'stopped' && s.state !== 'closed' && s.state !== 'starting') {
    return { status: 200, body: { success: true, data: { status: 'ready', state: s.state } } };
  }
  const error =
    s.stop !== null
      ? `projection ${s.projection} stopped at event ${s.stop.event_id} (${s.stop.event_type}) at position ${s.stop.position}: ${s.stop.reason}`
      : s.state === 'starting' && s.last_error !== null
        ? `projection ${s.projection} is starting (last error: ${s.last_error})`
        : `projection ${s.projection} is ${s.state}`;
  return statusError(s.state === 'stopped' ? 'PROJECTION_STOPPED' : 'NOT_READY', error, { stop: s.stop });
}

/**
 * The projector's routes on telemetry's `serveStatus` (next to `/metrics`): `GET /health` (the
 * process is alive; no token needed), `{ status: 'ok' }` as the relay's and the worker's `/health`
 * answer, and, in the API's envelope, `GET /ready` (`readiness`) and `GET /status` (the status).
 * @example
 * await serveStatus({ host, port, token, metrics, health: null, routes: statusRoutes(projector) });
 */
export function statusRoutes(projector: Pick<Projector, 'status'>): StatusRoutes {
  return {
    '/health': () => ({ status: 200, body: { status: 'ok' } }),
    '/ready': () => readiness(projector.status()),
    '/status': () => ({ status: 200, body: { success: true, data: projector.status() } }),
  };
}
