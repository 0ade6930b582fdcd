interface BatchQueueOptions<T> {
  /** Batches out at once; further items wait. At least 1. */
  maxInFlight: number;
  /** Most items in one batch. At least 1. */
  maxBatch: number;
  /**
   * Sends one batch and settles its items; the batch's slot frees when the promise settles (a
   * rejection only frees it: the items are the sender's to settle).
   */
  send: (batch: T[]) => Promise<void>;
}

/**
 * The queue and slots of a batching client: an item goes out at once, as a batch of one, while
 * fewer than `maxInFlight` batches are out; otherwise it waits, and when a batch returns the items
 * waiting (at most `maxBatch`) go out together as the next one. So a lone item never waits for a
 * batch to fill, and a busy client sends few large batches — what group commit and the batched
 * reads want when a round trip costs more than the work behind it.
 *
 * @example
 * const batches = new BatchQueue<Read>({ maxInFlight: 2, maxBatch: 100, send: (reads) => readAll(reads) });
 * batches.push(read);
 */
export class BatchQueue<T> {
  readonly #options: BatchQueueOptions<T>;
  readonly #queue: T[] = [];
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(options: BatchQueueOptions<T>) {
    for (const name of ['maxInFlight', 'maxBatch'] as const) {
      const value = options[name];
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
      }
    }
    this.#options = options;
  }

  /** Queues `item`; it goes out now if a slot is free. */
  push(item: T): void {
    this.#queue.push(item);
    this.#pump();
  }

  /** True while every slot is taken: an item pushed now would wait. */
  get full(): boolean {
    return this.#inFlight >= this.#options.maxInFlight;
  }

  /** Items waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** True when nothing waits and no batch is out. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#queue.length === 0;
  }

  /** Removes the waiting items and returns them (for a client that fails them instead). */
  takeWaiting(): T[] {
    return this.#queue.splice(0);
  }

  /** Resolves once nothing waits and no batch is out. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    const { maxInFlight, maxBatch, send } = this.#options;
    while (this.#inFlight < maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, maxBatch);
      this.#inFlight += 1;
      const sent = send(batch);
      void sent.then(this.#release, this.#release);
    }
  }

  readonly #release = (): void => {
    this.#inFlight -= 1;
    this.#pump();
    if (this.idle) for (const resolve of this.#idle.splice(0)) resolve();
  };
}
