/**
 * `relaydesk start --workers N`: one primary process and N workers (node:cluster). Each worker
 * is a whole node of the roles asked for, named `<name>-w<i>`; all of them accept on the one
 * SMTP socket the primary holds, and share the store as separate nodes do. The primary
 * migrates the store before forking, starts a worker that died again, prints the start
 * messages once, gathers /metrics for the worker that serves the web, and stops them all.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import client from 'prom-client';
import type { Logger } from '../base/log.js';
import { EVENTS } from '../base/events.js';
import type { NodeMetrics } from '../metrics/index.js';
import { CliFailure, EXIT } from './common.js';

/** What a worker tells the primary once its listeners are up. */
export interface WorkerReady {
  readonly type: 'relaydesk:ready';
  readonly smtpPort: number | null;
  readonly httpPort: number | null;
  readonly setupLink: string | null;
}

type PrimaryMessage = { type: 'relaydesk:stop' } | { type: 'relaydesk:metrics'; id: number; text?: string; error?: string };
type WorkerMessage = WorkerReady | { type: 'relaydesk:metrics'; id: number };

/** The environment variable that gives a worker its number (1…N), stable across its restarts. */
const WORKER_ENV = 'RELAYDESK_WORKER';
/** A worker that dies is started again after 1 s, then 2, 4… up to this. */
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before it died starts again after 1 s, not after the last delay. */
const STABLE_AFTER_MS = 60_000;

/** `--workers`: a count, or `auto` for one per core. */
export function parseWorkers(value: string, cores: number): number {
  if (value === 'auto') return Math.max(1, cores);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new CliFailure(`--workers must be a number from 1 to 64 or "auto" (one per core), not "${value}"`, EXIT.usage);
  return n;
}

/** In a worker: its number; null in the primary or a single process. */
export function workerNumber(): number | null {
  if (!cluster.isWorker) return null;
  return Number(process.env[WORKER_ENV]);
}

/** The node name of worker `i`: the same after every restart, so it takes its own claims back at once. */
export function workerNodeName(name: string, i: number): string {
  return `${name}-w${i}`;
}

/** In a worker: sends the primary its ports and setup link, and lets the primary gather its metrics. */
export function workerUp(ready: Omit<WorkerReady, 'type'>, metrics: NodeMetrics): void {
  client.AggregatorRegistry.setRegistries([metrics.registry]);
  // Constructing one is what makes prom-client answer the primary's requests in this process.
  new client.AggregatorRegistry();
  process.send!({ type: 'relaydesk:ready', ...ready } satisfies WorkerReady);
}

let metricsRequests = 0;
const pendingMetrics = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();

/** In the worker that serves the web: /metrics asks the primary for every worker's families. */
export function clusterMetrics(): Promise<string> {
  const id = ++metricsRequests;
  return new Promise((resolve, reject) => {
    pendingMetrics.set(id, { resolve, reject });
    process.send!({ type: 'relaydesk:metrics', id } satisfies WorkerMessage);
  });
}

/** In a worker: resolves when the primary asks it to stop, or is gone. */
export function primaryStops(): Promise<'stop' | 'disconnect'> {
  return new Promise((resolve) => {
    process.on('message', (m: PrimaryMessage) => {
      if (m.type === 'relaydesk:stop') resolve('stop');
      if (m.type === 'relaydesk:metrics') {
        const p = pendingMetrics.get(m.id);
        pendingMetrics.delete(m.id);
        if (m.text !== undefined) p?.resolve(m.text);
        else p?.reject(new Error(`the primary could not gather the workers' metrics: ${m.error ?? 'no answer'}`));
      }
    });
    // A primary that died cannot start this worker again nor stop it: stop like a signal would.
    process.once('disconnect', () => resolve('disconnect'));
  });
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** How long the workers get to stop (their --stop-timeout and its margin), before they are killed. */
  readonly stopMs: number;
  /** Prints the start messages, from what the workers reported. */
  printRunning(ready: readonly WorkerReady[]): Promise<void>;
}

/**
 * Runs the primary until a signal stops it and all its workers. Resolves with the exit status:
 * 0 after a clean stop of every worker.
 */
export async function runPrimary(opts: PrimaryOptions): Promise<number> {
  const { logger } = opts;
  const aggregator = new client.AggregatorRegistry();
  const byNumber = new Map<number, Worker>();
  const ready = new Map<number, WorkerReady>();
  const startedAt = new Map<number, number>();
  const delays = new Map<number, number>();
  let stopping = false;
  let stopStatus = 0;
  let allUp: (() => void) | null = null;
  let startFailed: ((e: Error) => void) | null = null;
  // The workers accept from the shared socket themselves, as the kernel wakes them: with Node's
  // round robin the primary accepts every connection and passes it on, which measured 0.7-1.1 ms
  // more CPU per message and no more even spread (README, "Workers"). The variable still decides.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;

  const fork = (i: number) => {
    const w = cluster.fork({ [WORKER_ENV]: String(i) });
    byNumber.set(i, w);
    startedAt.set(i, Date.now());
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'relaydesk:ready') {
        const first = !ready.has(i);
        ready.set(i, m);
        logger.info({ event: EVENTS.workerStarted, worker: i, pid: w.process.pid }, first ? `worker ${i} is up` : `worker ${i} is up again`);
        if (ready.size === opts.workers) allUp?.();
      } else if (m.type === 'relaydesk:metrics') {
        aggregator.clusterMetrics().then(
          (text) => w.isConnected() && w.send({ type: 'relaydesk:metrics', id: m.id, text } satisfies PrimaryMessage),
          (e: Error) => w.isConnected() && w.send({ type: 'relaydesk:metrics', id: m.id, error: e.message } satisfies PrimaryMessage),
        );
      }
    });
    w.on('exit', (code, signal) => {
      if (byNumber.get(i) === w) byNumber.delete(i);
      if (stopping) {
        // A worker whose own stop did not finish in time says so with its status.
        if (code) stopStatus = Math.max(stopStatus, code);
        return;
      }
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (!ready.has(i)) {
        // A worker that never came up (a port in use, a store it cannot open) would fail again.
        startFailed?.(new CliFailure(`worker ${i} stopped while starting (${how}); its message above says why`, code || EXIT.invalid));
        return;
      }
      const ranMs = Date.now() - (startedAt.get(i) ?? 0);
      const delay = ranMs >= STABLE_AFTER_MS ? 1_000 : Math.min(MAX_RESTART_DELAY_MS, (delays.get(i) ?? 500) * 2);
      delays.set(i, delay);
      logger.error(
        { event: EVENTS.workerExited, worker: i, pid: w.process.pid, code, signal, restartInMs: delay },
        `worker ${i} stopped (${how}); starting it again in ${delay / 1000} s`,
      );
      setTimeout(() => {
        if (!stopping) fork(i);
      }, delay);
    });
  };

  const stopAll = () => {
    for (const w of byNumber.values()) if (w.isConnected()) w.send({ type: 'relaydesk:stop' } satisfies PrimaryMessage);
  };
  const allExited = () =>
    new Promise<void>((resolve) => {
      const check = () => (byNumber.size === 0 ? resolve() : setTimeout(check, 50));
      check();
    });

  try {
    await new Promise<void>((resolve, reject) => {
      allUp = resolve;
      startFailed = reject;
      for (let i = 1; i <= opts.workers; i++) fork(i);
    });
  } catch (e) {
    stopping = true;
    stopAll();
    await allExited();
    throw e;
  }
  await opts.printRunning([...ready.keys()].sort((a, b) => a - b).map((i) => ready.get(i)!));

  const sig = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  logger.info({ event: EVENTS.nodeStopping, signal: sig, workers: byNumber.size }, `stopping ${byNumber.size} worker(s) (${sig} again stops them at once)`);
  // Ctrl-C reaches the workers too (one process group); the message covers a signal to the primary alone.
  stopAll();
  const killAll = () => {
    for (const w of byNumber.values()) w.process.kill('SIGKILL');
  };
  const forced = new Promise<number>((resolve) => {
    const again = (sig2: NodeJS.Signals) => {
      logger.error({ event: EVENTS.nodeStopForced, signal: sig2 }, 'second signal: stopping the workers at once');
      killAll();
      resolve(128 + os.constants.signals[sig2]);
    };
    process.once('SIGINT', again);
    process.once('SIGTERM', again);
    setTimeout(() => {
      logger.error({ event: EVENTS.nodeStopTimeout }, 'the workers took longer than their stop allows; stopping them at once');
      killAll();
      resolve(EXIT_STOP_TIMEOUT);
    }, opts.stopMs + STOP_SLACK_MS).unref();
  });
  const clean = allExited().then(() => stopStatus);
  const status = await Promise.race([clean, forced]);
  await allExited();
  logger.info({ event: EVENTS.nodeStopped }, 'stopped');
  logger.flush();
  return status;
}

/** Beyond the workers' own stop limit: the time they get to exit before the primary kills them. */
const STOP_SLACK_MS = 5_000;
/** As a single node's stop that outlived its time (EX_TEMPFAIL). */
const EXIT_STOP_TIMEOUT = 75;
