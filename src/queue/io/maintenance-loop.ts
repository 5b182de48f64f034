import type { MaintenanceRun } from '../../store/index.js';

export interface MaintenanceJobRun {
  /** One run: null when another node holds the job. `report` says whether work was left. */
  run(report: (workLeft: boolean) => void): Promise<MaintenanceRun | null>;
  /** How long after a run, and whether it left work, the next one starts. */
  nextDelay(workLeft: boolean): number;
  /** A run that failed (the store went away): logged by the job; the next run is scheduled. */
  failed(e: unknown): void;
}

/**
 * The timing the store's maintenance jobs (retention, the traffic rollup) share: one run at
 * a time in a node, the next scheduled from how the last one ended, and a stop that waits for
 * the run under way. A run asked for by hand (`runNow`) waits its turn and schedules nothing.
 */
export class MaintenanceLoop {
  #timer: NodeJS.Timeout | null = null;
  #current: Promise<MaintenanceRun | null> | null = null;
  #scheduling = false;

  constructor(private readonly job: MaintenanceJobRun) {}

  /** Runs from now on, the first after `firstMs`. */
  start(firstMs: number): void {
    if (this.#scheduling) return;
    this.#scheduling = true;
    this.#schedule(firstMs);
  }

  /** No run is scheduled any more; resolves once the run under way (if any) has ended. */
  async stop(): Promise<void> {
    this.#scheduling = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#current?.catch(() => undefined);
  }

  /** Runs the job now, after the run under way (if any); null when another node holds it. */
  runNow(): Promise<MaintenanceRun | null> {
    return this.#start().run;
  }

  #schedule(ms: number): void {
    if (!this.#scheduling) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const { done } = this.#start();
      void done.then((workLeft) => this.#schedule(this.job.nextDelay(workLeft)));
    }, ms);
    this.#timer.unref();
  }

  /** Starts a run once the one under way (if any) has ended: a node never runs two at once. */
  #start(): { run: Promise<MaintenanceRun | null>; done: Promise<boolean> } {
    let workLeft = false;
    const previous = this.#current;
    const run = (async () => {
      await previous?.catch(() => undefined);
      return this.job.run((left) => (workLeft = left));
    })();
    this.#current = run;
    const done = run.then(
      () => workLeft,
      (e: unknown) => {
        this.job.failed(e);
        return false;
      },
    );
    void done.finally(() => {
      if (this.#current === run) this.#current = null;
    });
    return { run, done };
  }
}
