/** One unit of work: a record's event, for one tenant. */
interface Job {
  tenant: string;
  /** Jobs with the same key run one after the other, in submission order (per-record order). */
  key: string;
  run: () => Promise<void>;
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
 * running; free slots go round-robin to the tenants with work, so a tenant whose destination is slow
 * fills only its own slots and its own queue, and other tenants' jobs start as soon as a slot frees.
 * Jobs with the same key never overlap and keep their order.
 *
 * @example
 * const scheduler = new TenantScheduler({ concurrency: 8, perTenant: 2, maxBuffered: 2000 });
 * const { done } = await scheduler.submit('account-1', recordId, () => publish(event)); // waits for room
 * await done; // the job finished
 */
export class TenantScheduler {
  private readonly queues = new Map<string, Job[]>();
  private readonly runningPerTenant = new Map<string, number>();
  private readonly busyKeys = new Set<string>();
  /** Tenants with queued work (exactly those with a queue), in the order they get the next free slot. */
  private readonly turn: string[] = [];
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
    let settle!: { resolve: () => void; reject: (err: unknown) => void };
    const completion = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const job: Job = {
      tenant,
      key,
      run: () => run().then(settle.resolve, settle.reject),
    };
    const queue = this.queues.get(tenant);
    if (queue) queue.push(job);
    else {
      this.queues.set(tenant, [job]);
      this.turn.push(tenant);
    }
    this.pump();
    return { done: completion };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.buffered === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    let scanned = 0;
    while (this.running < this.options.concurrency && scanned < this.turn.length) {
      const tenant = this.turn.shift()!;
      const started = this.startNext(tenant);
      const queue = this.queues.get(tenant);
      if (queue && queue.length > 0)
        this.turn.push(tenant); // back of the line: round-robin
      else this.queues.delete(tenant);
      scanned = started ? 0 : scanned + 1;
    }
  }

  /** Starts the tenant's first job whose key is free, if the tenant has a free slot. */
  private startNext(tenant: string): boolean {
    const queue = this.queues.get(tenant);
    const runningHere = this.runningPerTenant.get(tenant) ?? 0;
    if (!queue || runningHere >= this.options.perTenant) return false;
    const index = queue.findIndex((job) => !this.busyKeys.has(job.key));
    if (index < 0) return false;
    const [job] = queue.splice(index, 1);
    if (!job) return false;
    this.running++;
    this.runningPerTenant.set(tenant, runningHere + 1);
    this.busyKeys.add(job.key);
    void job.run().finally(() => this.finished(job));
    return true;
  }

  private finished(job: Job): void {
    this.running--;
    this.buffered--;
    const left = (this.runningPerTenant.get(job.tenant) ?? 1) - 1;
    if (left === 0) this.runningPerTenant.delete(job.tenant);
    else this.runningPerTenant.set(job.tenant, left);
    this.busyKeys.delete(job.key);
    this.roomWaiters.shift()?.();
    this.pump();
    if (this.buffered === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
