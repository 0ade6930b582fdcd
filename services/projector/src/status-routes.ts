import { statusError } from '@publisher/platform/status-access';
import type { StatusReply, StatusRoutes } from '@publisher/telemetry';
import type { Projector } from './projector.ts';
import type { ProjectorStatus } from './status.ts';

/**
 * `GET /ready`: 200 unless the projection is stopped by a poison event (503 `PROJECTION_STOPPED`
 * naming it) or closed (503 `NOT_READY`); a standby instance is ready (it is healthy and waiting to
 * take over).
 * @example
 * readiness(projector.status()); // { status: 200, body: { success: true, data: { status: 'ready', state: 'live' } } }
 */
function readiness(s: ProjectorStatus): StatusReply {
  if (s.state !== 'stopped' && s.state !== 'closed') {
    return { status: 200, body: { success: true, data: { status: 'ready', state: s.state } } };
  }
  const error =
    s.stop === null
      ? `projection ${s.projection} is ${s.state}`
      : `projection ${s.projection} stopped at event ${s.stop.event_id} (${s.stop.event_type}) at position ${s.stop.position}: ${s.stop.reason}`;
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
