import { LRUCache } from 'lru-cache';

/** One unit of work: a record's event, for one tenant. */
interface Job {
  tenant: string;
  /** Jobs with the same key run one after the other, in submission order (per-record order). */
  key: string;
  run: () => Promise<void>;
  settle: { resolve: () => void; reject: (err: unknown) => void };
}

export interface TenantSchedulerOptions {
  /** Jobs running at once, over all tenants. */
  concurrency: number;
  /** Jobs of one tenant running at once: a slow tenant occupies at most this many slots. */
  perTenant: number;
  /** Jobs held (queued and running) before `submit` waits: the back-pressure on the consumer. */
  maxBuffered: number;
}

/**
 * Runs jobs fairly across tenants: each tenant has its own FIFO queue and at most `perTenant` jobs
 * running; a free slot goes to the tenant with work served least recently, so a tenant whose destination is slow
 * fills only its own slots and its own queue, and other tenants' jobs start as soon as a slot frees.
 * Jobs with the same key never overlap and keep their order.
 *
 * @example
 * const scheduler = new TenantScheduler({ concurrency: 8, perTenant: 2, maxBuffered: 2000 });
 * const { done } = await scheduler.submit('account-1', recordId, () => publish(event)); // waits for room
 * await done; // the job finished
 */
export class TenantScheduler {
  /** Queued jobs per tenant; a tenant is here exactly while it has queued jobs. */
  private readonly queues = new Map<string, Job[]>();
  private readonly runningPerTenant = new Map<string, number>();
  private readonly busyKeys = new Set<string>();
  /**
   * When each tenant last started a job (a sequence number): the least recently served goes first.
   * Bounded by forgetting the tenants served longest ago, which then count as never served — where
   * they would come anyway.
   */
  private readonly lastStart = new LRUCache<string, number>({ max: 100_000 });
  private starts = 0;
  private running = 0;
  private buffered = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: TenantSchedulerOptions) {}

  /** Jobs queued or running. */
  get size(): number {
    return this.buffered;
  }

  /**
   * Queues a job once there is room (resolves then) with a promise of its completion, wrapped so
   * that awaiting the admission does not wait for the job (a job's rejection is its completion's).
   */
  async submit(tenant: string, key: string, run: () => Promise<void>): Promise<{ done: Promise<void> }> {
    while (this.buffered >= this.options.maxBuffered) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    this.buffered++;
    let settle!: Job['settle'];
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const queue = this.queues.get(tenant);
    const job: Job = { tenant, key, run, settle };
    if (queue) queue.push(job);
    else this.queues.set(tenant, [job]);
    this.pump();
    return { done };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.buffered === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      let best: Job | null = null;
      let bestServed = Number.POSITIVE_INFINITY;
      for (const [tenant, queue] of this.queues) {
        if ((this.runningPerTenant.get(tenant) ?? 0) >= this.options.perTenant) continue;
        const served = this.lastStart.peek(tenant) ?? -1;
        if (served >= bestServed) continue;
        const ready = queue.find((job) => !this.busyKeys.has(job.key));
        if (ready) {
          best = ready;
          bestServed = served;
        }
      }
      if (!best) return;
      this.begin(best);
    }
  }

  private begin(job: Job): void {
    const queue = this.queues.get(job.tenant) ?? [];
    queue.splice(queue.indexOf(job), 1);
    if (queue.length === 0) this.queues.delete(job.tenant);
    this.running++;
    this.runningPerTenant.set(job.tenant, (this.runningPerTenant.get(job.tenant) ?? 0) + 1);
    this.busyKeys.add(job.key);
    this.lastStart.set(job.tenant, this.starts++);
    job.run().then(
      () => this.finished(job, null),
      (err: unknown) => this.finished(job, { err }),
    );
  }

  private finished(job: Job, failure: { err: unknown } | null): void {
    this.running--;
    this.buffered--;
    const left = (this.runningPerTenant.get(job.tenant) ?? 1) - 1;
    if (left === 0) this.runningPerTenant.delete(job.tenant);
    else this.runningPerTenant.set(job.tenant, left);
    this.busyKeys.delete(job.key);
    if (failure) job.settle.reject(failure.err);
    else job.settle.resolve();
    this.roomWaiters.shift()?.();
    this.pump();
    if (this.buffered === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
