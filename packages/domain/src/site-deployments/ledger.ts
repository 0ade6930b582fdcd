import type { DecideContext } from '../decide-context.ts';
import type { DeploymentCreated } from '../deployment/events.ts';
import type { DeploymentStatus } from '../deployment/state.ts';
import { isActiveDeploymentStatus } from '../deployment/state.ts';
import { deterministicUuid } from '../deterministic-uuid.ts';
import { DeploymentInProgressError } from '../errors.ts';
import { FieldChecks } from '../validation.ts';
import type { DeploymentVersionReserved } from './events.ts';

/** What a reservation recorded: everything DeploymentCreated needs. */
export type DeploymentReservation = DeploymentVersionReserved['data'];

/** The per-site ledger folded from `site_deployments-{account_id}-{site_id}`. */
export interface SiteDeploymentsLedger {
  /** The version the next reservation takes; versions start at 1. */
  next_version: number;
  /** The latest reservation (the only deployment that can still be active), or null. */
  last: DeploymentReservation | null;
  /** Revision of the ledger stream's last event, or null when the stream does not exist yet. */
  revision: number | null;
}

export const initialSiteDeploymentsLedger: SiteDeploymentsLedger = Object.freeze({
  next_version: 1,
  last: null,
  revision: null,
});

/** Reserves the site's next version for a new deployment. */
export interface ReserveDeploymentVersion {
  type: 'ReserveDeploymentVersion';
  data: {
    deployment_id: string;
    account_id: number;
    site_id: number;
    sector_id: number | null;
    metadata: Record<string, unknown>;
  };
}

/**
 * The status of the ledger's last reserved deployment, as the caller read it from the deployment's
 * stream: `'missing'` when that stream does not exist yet (a crash between the two appends; the caller
 * repairs it with `deploymentCreatedFromReservation`), `null` when the ledger has no reservation.
 */
export type LastDeploymentStatus = DeploymentStatus | 'missing' | null;

/**
 * @example
 * const ledger = foldSiteDeployments([reserved1, reserved2]); // { next_version: 3, last: reserved2.data, revision: 1 }
 */
export function evolveSiteDeployments(
  ledger: SiteDeploymentsLedger,
  event: DeploymentVersionReserved,
): SiteDeploymentsLedger {
  return {
    next_version: Math.max(ledger.next_version, event.data.version + 1),
    last: event.data,
    revision: ledger.revision === null ? 0 : ledger.revision + 1,
  };
}

/** Folds the ledger stream (oldest first, from its start, so `revision` counts every event). */
export function foldSiteDeployments(events: Iterable<DeploymentVersionReserved>): SiteDeploymentsLedger {
  let ledger: SiteDeploymentsLedger = initialSiteDeploymentsLedger;
  for (const event of events) ledger = evolveSiteDeployments(ledger, event);
  return ledger;
}

/**
 * The expected revision for appending the reservation: the ledger's stream must not have moved,
 * which is what makes versions unique and the active-slot check race-free.
 * @example
 * store.append(siteDeploymentsStream(a, s), [reserved], siteDeploymentsExpectedRevision(ledger));
 */
export function siteDeploymentsExpectedRevision(ledger: SiteDeploymentsLedger): 'no_stream' | number {
  return ledger.revision ?? 'no_stream';
}

/**
 * Decides a reservation: refused with DEPLOYMENT_IN_PROGRESS (naming the active deployment) while
 * the last reserved deployment is pending, deploying or missing; otherwise (deployed, failed,
 * rolled back or cancelled) takes `next_version`. The ledger never goes back: a cancelled or failed
 * deployment keeps its version, and the next one takes the following number.
 * @example
 * const reserved = decideReserveDeployment(ledger, 'deployed', { type: 'ReserveDeploymentVersion', data }, { at });
 * reserved.data.version // ledger.next_version
 */
export function decideReserveDeployment(
  ledger: SiteDeploymentsLedger,
  lastStatus: LastDeploymentStatus,
  command: ReserveDeploymentVersion,
  context: DecideContext,
): DeploymentVersionReserved {
  const d = command.data;
  const checks = new FieldChecks();
  checks.nonEmpty('deployment_id', d.deployment_id);
  checks.positiveInteger('account_id', d.account_id);
  checks.positiveInteger('site_id', d.site_id);
  if (d.sector_id !== null) checks.positiveInteger('sector_id', d.sector_id);
  checks.plainObject('metadata', d.metadata);
  checks.throwIfAny();

  const last = ledger.last;
  if (last !== null) {
    if (last.account_id !== d.account_id || last.site_id !== d.site_id) {
      throw new Error(`ledger of site ${last.account_id}/${last.site_id} used for site ${d.account_id}/${d.site_id}`);
    }
    // A null status with a reservation present is a caller bug; treating it as missing keeps the invariant.
    const status = lastStatus ?? 'missing';
    if (status === 'missing' || isActiveDeploymentStatus(status)) {
      throw new DeploymentInProgressError(last.deployment_id, last.site_id);
    }
  }
  return {
    type: 'DeploymentVersionReserved',
    data: {
      deployment_id: d.deployment_id,
      account_id: d.account_id,
      site_id: d.site_id,
      sector_id: d.sector_id,
      version: ledger.next_version,
      metadata: d.metadata,
      at: context.at,
    },
  };
}

/**
 * The DeploymentCreated event a reservation stands for (same ids, version, metadata and time).
 * @example
 * store.append(deploymentStream(r.deployment_id), [{ id: deploymentCreatedEventId(r), ...deploymentCreatedFromReservation(r), metadata }], 'any');
 */
export function deploymentCreatedFromReservation(reservation: DeploymentReservation): DeploymentCreated {
  return {
    type: 'DeploymentCreated',
    data: {
      deployment_id: reservation.deployment_id,
      account_id: reservation.account_id,
      site_id: reservation.site_id,
      sector_id: reservation.sector_id,
      version: reservation.version,
      metadata: reservation.metadata,
      at: reservation.at,
    },
  };
}

// Fixed namespace for ids derived from reservations; changing it would break idempotent repair.
const DEPLOYMENT_CREATED_NAMESPACE = 'b3c1f0d2-6a1e-4c55-9a7e-2f0d5b8e4a11';

/**
 * The event id of the DeploymentCreated derived from a reservation: a UUIDv5 of the deployment id,
 * so the first append and any repair after a crash carry the same id and the store keeps one event.
 * @example
 * deploymentCreatedEventId(r) === deploymentCreatedEventId(r) // always
 */
export function deploymentCreatedEventId(reservation: Pick<DeploymentReservation, 'deployment_id'>): string {
  return deterministicUuid(DEPLOYMENT_CREATED_NAMESPACE, `DeploymentCreated:${reservation.deployment_id}`);
}
