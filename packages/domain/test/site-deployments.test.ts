import t from 'tap';
import { isActiveDeploymentStatus } from '../src/deployment/state.ts';
import type { DeploymentInProgressError } from '../src/errors.ts';
import type {
  DeploymentStatus,
  DeploymentVersionReserved,
  ReserveDeploymentVersion,
  SiteDeploymentsLedger,
} from '../src/index.ts';
import {
  decideReserveDeployment,
  deploymentCreatedEventId,
  deploymentCreatedFromReservation,
  deterministicUuid,
  evolveSiteDeployments,
  foldSiteDeployments,
  initialSiteDeploymentsLedger,
  isDomainError,
  siteDeploymentsExpectedRevision,
  siteDeploymentsStream,
} from '../src/index.ts';
import { deploymentPhases, foldDeployment } from './helpers/deployment-fixtures.ts';
import { AT } from './helpers/spec.ts';

const reserve = (deployment_id: string): ReserveDeploymentVersion => ({
  type: 'ReserveDeploymentVersion',
  data: { deployment_id, account_id: 7, site_id: 11, sector_id: 2, metadata: { by: 'ci' } },
});

const ids = ['d-1', 'd-2', 'd-3'].map((n) => deterministicUuid('6ba7b812-9dad-11d1-80b4-00c04fd430c8', n));
const statuses = deploymentPhases.filter((p): p is DeploymentStatus => p !== 'initial');

t.test('versions increase 1, 2, 3 once each previous deployment finished', async (t) => {
  let ledger: SiteDeploymentsLedger = initialSiteDeploymentsLedger;
  const versions: number[] = [];
  const expectedRevisions: Array<number | 'no_stream'> = [];
  for (const id of ids) {
    expectedRevisions.push(siteDeploymentsExpectedRevision(ledger));
    const reserved = decideReserveDeployment(ledger, ledger.last ? 'deployed' : null, reserve(id), { at: AT });
    t.same(reserved, {
      type: 'DeploymentVersionReserved',
      data: {
        deployment_id: id,
        account_id: 7,
        site_id: 11,
        sector_id: 2,
        version: ledger.next_version,
        metadata: { by: 'ci' },
        at: AT,
      },
    });
    versions.push(reserved.data.version);
    ledger = evolveSiteDeployments(ledger, reserved);
  }
  t.same(versions, [1, 2, 3]);
  t.same(expectedRevisions, ['no_stream', 0, 1], 'each reservation expects the revision it read');
  t.match(ledger, { next_version: 4, revision: 2, last: { deployment_id: ids[2], version: 3 } });
});

function ledgerWithOne(): { ledger: SiteDeploymentsLedger; reserved: DeploymentVersionReserved } {
  const reserved = decideReserveDeployment(initialSiteDeploymentsLedger, null, reserve(ids[0]!), { at: AT });
  return { ledger: foldSiteDeployments([reserved]), reserved };
}

t.test('an active deployment blocks the next one, naming it', async (t) => {
  const { ledger } = ledgerWithOne();
  for (const status of statuses.filter(isActiveDeploymentStatus)) {
    const err = t.throws(() =>
      decideReserveDeployment(ledger, status, reserve(ids[1]!), { at: AT }),
    ) as DeploymentInProgressError;
    t.ok(isDomainError(err), status);
    t.equal(err.code, 'DEPLOYMENT_IN_PROGRESS');
    t.equal(err.active_deployment_id, ids[0], `${status} names the active deployment`);
    t.match(err.message, ids[0]!);
  }
});

t.test('terminal statuses free the slot', async (t) => {
  const { ledger } = ledgerWithOne();
  const terminal = statuses.filter((s) => !isActiveDeploymentStatus(s));
  t.same(terminal, ['deployed', 'failed', 'rolled_back', 'cancelled']);
  for (const status of terminal) {
    t.equal(decideReserveDeployment(ledger, status, reserve(ids[1]!), { at: AT }).data.version, 2, status);
  }
});

t.test('a cancelled deployment frees the site and its version is never handed out again', async (t) => {
  let ledger = foldSiteDeployments([]);
  const first = decideReserveDeployment(ledger, null, reserve(ids[0]!), { at: AT });
  ledger = evolveSiteDeployments(ledger, first);
  // The deployment's own stream: created from the reservation, then cancelled while pending.
  const cancelledStatus = foldDeployment([
    deploymentCreatedFromReservation(first.data),
    { type: 'DeploymentCancelled', data: { deployment_id: ids[0]!, reason: null, at: AT } },
  ]).status;
  t.equal(cancelledStatus, 'cancelled');
  t.throws(() => decideReserveDeployment(ledger, 'pending', reserve(ids[1]!), { at: AT }), {
    code: 'DEPLOYMENT_IN_PROGRESS',
  });
  const second = decideReserveDeployment(ledger, cancelledStatus as DeploymentStatus, reserve(ids[1]!), { at: AT });
  t.equal(second.data.version, 2, 'version 1 stays with the cancelled deployment');
  ledger = evolveSiteDeployments(ledger, second);
  t.match(ledger, { next_version: 3, last: { deployment_id: ids[1], version: 2 } });
});

t.test('a reserved deployment whose stream is missing counts as active (the caller repairs it)', async (t) => {
  const { ledger } = ledgerWithOne();
  const err = t.throws(() =>
    decideReserveDeployment(ledger, 'missing', reserve(ids[1]!), { at: AT }),
  ) as DeploymentInProgressError;
  t.equal(err.active_deployment_id, ids[0]);
  // An unknown status with a reservation present is treated the same way, never as a free slot.
  t.throws(() => decideReserveDeployment(ledger, null, reserve(ids[1]!), { at: AT }), {
    code: 'DEPLOYMENT_IN_PROGRESS',
  });
});

t.test('the reservation derives DeploymentCreated with a stable event id', async (t) => {
  const { reserved } = ledgerWithOne();
  const createdEvent = deploymentCreatedFromReservation(reserved.data);
  t.same(createdEvent, { type: 'DeploymentCreated', data: reserved.data });
  t.match(foldDeployment([createdEvent]), { status: 'pending', id: ids[0], version: 1, sector_id: 2, created_at: AT });

  const id = deploymentCreatedEventId(reserved.data);
  t.equal(id, deploymentCreatedEventId({ ...reserved.data }), 're-deriving gives the same id');
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version-5 UUID');
  t.not(id, deploymentCreatedEventId({ deployment_id: ids[1]! }), 'another deployment gets another id');
});

t.test('deterministicUuid matches the RFC 9562 version-5 test vector', async (t) => {
  // DNS namespace + "www.example.com", the example used by Python's uuid.uuid5 docs.
  t.equal(
    deterministicUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'),
    '2ed6657d-e927-568b-95e1-2665a8aea6a2',
  );
  t.throws(() => deterministicUuid('not-a-uuid', 'x'), TypeError);
});

t.test('reservation rejects nonsense and a ledger of another site', async (t) => {
  const bad = reserve('');
  bad.data.site_id = 0;
  t.throws(() => decideReserveDeployment(initialSiteDeploymentsLedger, null, bad, { at: AT }), {
    code: 'VALIDATION',
    errors: { deployment_id: ['must not be empty'], site_id: ['must be a positive integer'] },
  });
  const { ledger } = ledgerWithOne();
  const other = reserve(ids[1]!);
  other.data.site_id = 12;
  t.throws(() => decideReserveDeployment(ledger, 'deployed', other, { at: AT }), /ledger of site 7\/11/);
});

t.test('the ledger stream is named per account and site', async (t) => {
  t.equal(siteDeploymentsStream(7, 11), 'site_deployments-7-11');
});

t.test('deterministicUuid hashes a name’s UTF-8 bytes, a lone surrogate as U+FFFD', async (t) => {
  const ns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
  t.equal(deterministicUuid(ns, 'a\ud800b'), deterministicUuid(ns, 'a\ufffdb'));
  t.equal(deterministicUuid(ns, 'café'), deterministicUuid(ns, 'caf\u00e9'));
  t.not(deterministicUuid(ns, 'café'), deterministicUuid(ns, 'cafe'));
});
