import {
  type Deployment,
  type DeploymentReservation,
  type DeploymentState,
  decideReserveDeployment,
  deploymentAggregate,
  deploymentCreatedEventId,
  deploymentCreatedFromReservation,
  foldSiteDeployments,
  isSiteDeploymentsEvent,
  type LastDeploymentStatus,
  siteDeploymentsExpectedRevision,
  siteDeploymentsStream,
} from '@publisher/domain';
import { type EventStore, isWrongExpectedVersion, type Position } from '@publisher/event-store';
import { type CommandContext, eventMetadata } from '../metadata.ts';
import { type CommandResult, loadAggregate } from './command-handler.ts';
import { backOffOrGiveUp } from './conflict-retry.ts';
import { readAggregate, readCreated } from './read-aggregate.ts';
import type { StateCache } from './state-cache.ts';

export interface NewDeployment {
  /** Random, or derived from the Idempotency-Key. */
  deployment_id: string;
  /** Id of the reservation event (derived too with an Idempotency-Key). */
  reservation_event_id: string;
  /** The deployment's tenant account (`accountForCreate`): the token's, or one a privileged caller named. */
  account_id: number;
  site_id: number;
  sector_id: number | null;
  metadata: Record<string, unknown>;
  /** True when the ids come from an Idempotency-Key: an earlier attempt may have created it already. */
  keyed: boolean;
}

export interface CreateDeploymentDeps {
  store: EventStore;
  cache: StateCache<DeploymentState>;
  /** Reservation races lost before answering 409. */
  maxAttempts: number;
  now?: () => Date;
}

/**
 * Creates a deployment through the site's ledger (see packages/domain/src/site-deployments):
 *
 * 1. read the ledger `site_deployments-{account}-{site}` and the status of its last deployment
 *    (repairing that deployment's stream from its reservation if a crash left it missing);
 * 2. decide the reservation (next version; 409 DEPLOYMENT_IN_PROGRESS naming the active one);
 * 3. append it with the ledger's revision as expected revision: two racing deploys cannot both
 *    win, the loser re-reads and gets the next version or the 409;
 * 4. append DeploymentCreated (id derived from the reservation) to `deployment-{id}`.
 *
 * @example
 * const created = await createDeployment(deps, ctx, { deployment_id, reservation_event_id, site_id: 3, sector_id: null, metadata: {}, keyed: false });
 */
export async function createDeployment(
  deps: CreateDeploymentDeps,
  ctx: CommandContext,
  input: NewDeployment,
): Promise<CommandResult<Deployment>> {
  const account_id = input.account_id;
  const ledgerStream = siteDeploymentsStream(account_id, input.site_id);
  const now = deps.now ?? (() => new Date());

  // A repeated Idempotency-Key: the deployment may already exist from the first attempt.
  if (input.keyed) {
    const existing = await readAggregate(deps, deploymentAggregate, input.deployment_id);
    if (existing) return existing;
  }

  for (let attempt = 1; ; attempt++) {
    const recorded = await deps.store.readStream(ledgerStream);
    const ledger = foldSiteDeployments(
      recorded.map((e) => {
        // The ledger's revision counts every event: a type this code does not know cannot be skipped.
        if (!isSiteDeploymentsEvent(e))
          throw new Error(`${ledgerStream} holds an event of a type this code does not know`);
        return e;
      }),
    );
    const last = ledger.last;

    if (last?.deployment_id === input.deployment_id) {
      // Our own reservation from an attempt that stopped before creating the deployment.
      await repairDeployment(deps, ctx, last);
      return readCreated(deps, deploymentAggregate, input.deployment_id);
    }
    const lastStatus = last ? await statusOf(deps, ctx, last) : null;

    const at = now().toISOString();
    const reserved = decideReserveDeployment(
      ledger,
      lastStatus,
      {
        type: 'ReserveDeploymentVersion',
        data: {
          deployment_id: input.deployment_id,
          account_id,
          site_id: input.site_id,
          sector_id: input.sector_id,
          metadata: input.metadata,
        },
      },
      { at },
    );
    const metadata = eventMetadata(ctx, { account_id, site_id: input.site_id, sector_id: input.sector_id }, at);
    try {
      await deps.store.append(
        ledgerStream,
        [{ id: input.reservation_event_id, type: reserved.type, data: reserved.data, metadata }],
        siteDeploymentsExpectedRevision(ledger),
      );
    } catch (err) {
      if (!isWrongExpectedVersion(err)) throw err;
      await backOffOrGiveUp(err, attempt, deps.maxAttempts, `deployments of site ${input.site_id}`);
      continue;
    }
    const position = await repairDeployment(deps, ctx, reserved.data);
    const record = deploymentAggregate.evolve(
      deploymentAggregate.initial,
      deploymentCreatedFromReservation(reserved.data),
    );
    if (!deploymentAggregate.exists(record)) throw new Error('DeploymentCreated created no deployment');
    deps.cache.set(deploymentAggregate.stream(record.id), { state: record, revision: 0 });
    return { record, revision: 0, position };
  }
}

/** Status of the ledger's last deployment; a missing stream is repaired, then counts as pending. */
async function statusOf(
  deps: CreateDeploymentDeps,
  ctx: CommandContext,
  last: DeploymentReservation,
): Promise<LastDeploymentStatus> {
  const { state } = await loadAggregate(deps.store, deploymentAggregate, last.deployment_id);
  if (deploymentAggregate.exists(state)) return state.status;
  await repairDeployment(deps, ctx, last);
  return 'missing';
}

/**
 * Appends the DeploymentCreated a reservation stands for. Its event id is derived from the
 * reservation, so doing this twice (a repair racing the original) stores it once.
 */
async function repairDeployment(
  deps: CreateDeploymentDeps,
  ctx: CommandContext,
  reservation: DeploymentReservation,
): Promise<Position> {
  const created = deploymentCreatedFromReservation(reservation);
  const metadata = eventMetadata(
    ctx,
    { account_id: reservation.account_id, site_id: reservation.site_id, sector_id: reservation.sector_id },
    reservation.at,
  );
  const appended = await deps.store.append(
    deploymentAggregate.stream(reservation.deployment_id),
    [{ id: deploymentCreatedEventId(reservation), type: created.type, data: created.data, metadata }],
    'no_stream',
  );
  return appended.position;
}
