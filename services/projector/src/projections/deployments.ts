import { type Deployment, type DeploymentEvent, deploymentAggregate } from '@publisher/domain';
import type { DeploymentRow, WithDocument } from '@publisher/read-model';
import { applyEvent, type EventPlace, type Outcome, type Projected } from './fold.ts';

/**
 * The deployments projection: the deployment after one event, by the domain's aggregate. Pure. The
 * per-site view is an SQL view over these rows.
 */
export function projectDeployment(
  current: Projected<Deployment> | undefined,
  event: DeploymentEvent,
  place: EventPlace,
): Outcome<Deployment> {
  return applyEvent(deploymentAggregate, current, event, place);
}

/** A deployment's row: its representation, `last_position`, and the representation as JSON. */
export function deploymentRow(p: Projected<Deployment>): WithDocument<DeploymentRow> {
  const representation = deploymentAggregate.represent(p.state, p.revision);
  return { ...representation, last_position: p.position, document: JSON.stringify(representation) };
}

/** The state a stored deployment row holds. */
export function deploymentFromRow(row: DeploymentRow): Projected<Deployment> {
  const { revision, last_position, ...deployment } = row;
  return { state: deployment, revision, position: last_position };
}
