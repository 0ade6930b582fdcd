/**
 * The services the growth benchmark measures, on one database, each in its own process as in
 * production: the command API, the projector, the read API as configured (response cache on) and
 * a second read API with `READ_API_CACHE_MB=0`.
 */
import path from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { signTestToken } from '@publisher/testing';
import pg from 'pg';
import { freePort, root, spawnServer } from '../../services/read-api/bench/bench-support.ts';

interface SampledRecord {
  id: string;
  account: number;
}

export interface GrowthStack {
  commandPort: number;
  /** The read API as configured (response cache on). */
  readPort: number;
  /** The read API with its response cache off. */
  uncachedReadPort: number;
  accounts: number;
  /** An editor's token of `account`. */
  token(account: number): string;
  /** Records sampled at random from the read model, deleted ones excluded. */
  records: SampledRecord[];
  /** A pending record loaded before the run, each handed out once while the sample lasts. */
  pendingRecord(): SampledRecord;
  /** Pending records handed out more than once (the sample ran out). */
  reused(): number;
  close(): Promise<void>;
}

const SAMPLE = 10_000;

async function sample(url: string, where: string): Promise<SampledRecord[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<SampledRecord>(
      `SELECT id, account_id AS account FROM read_model.publishing_records WHERE NOT deleted AND ${where}
        ORDER BY random() LIMIT ${SAMPLE}`,
    );
    return rows;
  } finally {
    await pool.end();
  }
}

/**
 * Starts the stack on `url` (a database whose read models are already built) and samples the
 * records the measurements use.
 * @example
 * const stack = await startGrowthStack(url, 1000);
 * await stack.close();
 */
export async function startGrowthStack(url: string, accounts: number): Promise<GrowthStack> {
  const env = {
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000000',
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    // The generated year leaves records `publishing` whose attempts started months ago; the stuck-record
    // sweep would fail them in batches during the rounds, appending events no measurement accounts for.
    STUCK_SWEEP_ENABLED: 'false',
  };
  const [commandPort, readPort, uncachedReadPort, projectorPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const ready =
    (port: number, check: (body: string) => boolean = () => true) =>
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/${port === projectorPort ? 'status' : 'ready'}`);
      return res.ok && check(await res.text());
    };
  const servers: Array<{ stop: () => Promise<void> }> = [];
  try {
    servers.push(
      await spawnServer(
        path.join(root, 'services/projector/src/main.ts'),
        { ...env, PROJECTOR_PORT: String(projectorPort) },
        ready(projectorPort, (body) => JSON.parse(body).data.state === 'live'),
      ),
    );
    servers.push(
      await spawnServer(
        path.join(root, 'services/command-api/src/server.ts'),
        { ...env, COMMAND_API_PORT: String(commandPort) },
        ready(commandPort),
      ),
    );
    servers.push(
      await spawnServer(
        path.join(root, 'services/read-api/src/main.ts'),
        { ...env, READ_API_PORT: String(readPort) },
        ready(readPort),
      ),
    );
    servers.push(
      await spawnServer(
        path.join(root, 'services/read-api/src/main.ts'),
        { ...env, READ_API_PORT: String(uncachedReadPort), READ_API_CACHE_MB: '0' },
        ready(uncachedReadPort),
      ),
    );
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  // Tokens of the default lifetime (an hour), signed again after half of it: a run can take longer.
  const tokens = new Map<number, { value: string; at: number }>();
  const token = (account: number) => {
    let t = tokens.get(account);
    if (t === undefined || Date.now() - t.at > 1800_000) {
      const claims = { sub: `bench-${account}`, account_id: account, role: 'editor' };
      t = { value: `Bearer ${signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET })}`, at: Date.now() };
      tokens.set(account, t);
    }
    return t.value;
  };
  const [records, pending] = await Promise.all([sample(url, 'true'), sample(url, "status = 'pending'")]);
  if (records.length === 0 || pending.length === 0) throw new Error('the read models hold no (pending) records');
  let next = 0;
  return {
    commandPort,
    readPort,
    uncachedReadPort,
    accounts,
    token,
    records,
    pendingRecord: () => pending[next++ % pending.length]!,
    reused: () => Math.max(0, next - pending.length),
    close: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
