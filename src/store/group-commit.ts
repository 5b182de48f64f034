/** Bounded so one commit stays short and a failing batch is cheap to retry one by one. */
const MAX_BATCH = 64;

/**
 * Group commit: writes submitted in the same turn of the event loop (and while a
 * commit is running) share one transaction, and each caller's promise settles only
 * after that commit. If a batch fails, its items are retried one at a time, so one
 * bad item cannot fail the others.
 */
export class GroupCommit<T, R> {
  #pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #flushing = false;
  private readonly commit: (items: readonly T[]) => Promise<R[]>;

  /** `observe` is told how long each commit took that succeeded, and what it held (for the commit-latency metric). */
  constructor(commit: (items: readonly T[]) => Promise<R[]>, observe?: (seconds: number, items: readonly T[]) => void) {
    this.commit = observe
      ? (items) =>
          timed(
            () => commit(items),
            (seconds) => observe(seconds, items),
          )
      : commit;
  }

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          const results = await this.commit(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]!));
        } catch (batchError) {
          if (batch.length === 1) {
            batch[0]!.reject(batchError);
            continue;
          }
          for (const b of batch) {
            try {
              const [r] = await this.commit([b.item]);
              b.resolve(r!);
            } catch (e) {
              b.reject(e);
            }
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

async function timed<R>(fn: () => Promise<R>, observe: (seconds: number) => void): Promise<R> {
  const started = performance.now();
  const r = await fn();
  observe((performance.now() - started) / 1000);
  return r;
}
