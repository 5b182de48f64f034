import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies the WAL back into the database file on a thread of its own. A checkpoint reads
 * and writes every page the WAL holds and fsyncs the file; run by the server's connection
 * (SQLite's automatic checkpoint, at the commit that crosses the threshold) it stalls every
 * session of the process for that long: tens of milliseconds under 1 MiB messages. This thread has
 * a connection of its own and runs passive checkpoints, which never block a writer or a
 * reader; the server's connection keeps a much higher automatic threshold
 * (`BACKSTOP_PAGES`), reached only if this thread cannot keep up.
 *
 * Durability is unchanged: the checkpoint runs with synchronous=NORMAL, so it fsyncs the
 * WAL before copying and the database file after, and SQLite restarts the WAL only after
 * a checkpoint that copied all of it (see WalSync).
 */
export class Checkpointer {
  readonly #worker: Worker;
  #closed: Promise<void> | null = null;

  constructor(file: string, intervalMs = CHECK_EVERY_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    // The thread must not keep a process alive that is otherwise done.
    this.#worker.unref();
    // A failure inside the thread (the store's disk gone) ends only the thread: the server's
    // connection checkpoints itself at the backstop.
    this.#worker.on('error', () => undefined);
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage('stop');
      // A checkpoint in progress finishes first; one that hangs on the disk is not waited for.
      setTimeout(() => void this.#worker.terminate(), STOP_WAIT_MS).unref();
    });
    return this.#closed;
  }
}

/** Pages in the WAL at which the server's own connection checkpoints (16 KiB pages: 128 MiB). */
export const BACKSTOP_PAGES = 8192;
/** How often the thread looks at the WAL when the last checkpoint caught up with it. */
const CHECK_EVERY_MS = 100;
const STOP_WAIT_MS = 5_000;

/**
 * The thread, as a CommonJS script (no file of its own to find in the bundle). A round that
 * did not copy everything (commits arrived meanwhile) is followed at once by another, which
 * has less to copy; one that made no progress (a reader holds an old snapshot) waits.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
let timer = null;
let stopped = false;
let lastCopied = -1;
function round() {
  timer = null;
  if (stopped) return;
  let soon = false;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    soon = r.busy === 0 && r.log > r.checkpointed && r.checkpointed !== lastCopied;
    lastCopied = r.checkpointed;
  } catch {
    // Busy (another checkpoint runs) or an I/O error: the next round tries again.
  }
  timer = setTimeout(round, soon ? 0 : workerData.intervalMs);
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});
timer = setTimeout(round, workerData.intervalMs);
`;
