import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies the WAL back into the database file on a thread of its own. A checkpoint reads
 * and writes every page the WAL holds and fsyncs the file; run by the server's connection
 * (SQLite's automatic checkpoint, at the commit that crosses the threshold) it stalls every
 * session of the process for that long: tens of milliseconds under 1 MiB messages. The
 * thread has a connection of its own to each store and runs passive checkpoints, which
 * never block a writer or a reader; the server's connection keeps a much higher automatic
 * threshold (`BACKSTOP_PAGES`), reached only if the thread cannot keep up.
 *
 * One thread serves every store the process opens (a server opens one; a test process,
 * many): starting one costs about 70 ms of CPU.
 *
 * Durability is unchanged: the checkpoint runs with synchronous=NORMAL, so it fsyncs the
 * WAL before copying and the database file after, and SQLite restarts the WAL only after
 * a checkpoint that copied all of it (see WalSync).
 */
export class Checkpointer {
  readonly #id: number;
  #closed: Promise<void> | null = null;

  constructor(file: string, intervalMs = CHECK_EVERY_MS) {
    this.#id = service.add(file, intervalMs);
  }

  close(): Promise<void> {
    this.#closed ??= service.remove(this.#id);
    return this.#closed;
  }
}

/**
 * Pages in the WAL at which the server's own connection checkpoints (4 KiB pages: 8 MiB),
 * if the thread could not empty it before: under steady writes it copies the WAL but seldom
 * finds a moment to restart it. Most pages are copied by then, so this checkpoint is short.
 */
export const BACKSTOP_PAGES = 2048;
/**
 * A WAL file keeps its largest size until it is emptied. Once the thread has copied all of
 * one larger than this, it empties it when nothing writes: a store at rest takes little
 * more disk than its database file.
 */
export const TRUNCATE_AT_BYTES = 4 * 1024 * 1024;
/** How often the thread looks at a WAL when its last checkpoint caught up with it. */
const CHECK_EVERY_MS = 100;
/** A checkpoint in progress is waited for at close; one that hangs on the disk, this long. */
const STOP_WAIT_MS = 5_000;

class CheckpointService {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #removing = new Map<number, () => void>();

  add(file: string, intervalMs: number): number {
    const id = this.#nextId++;
    this.#thread().postMessage({ op: 'add', id, file, intervalMs, truncateAt: TRUNCATE_AT_BYTES });
    return id;
  }

  remove(id: number): Promise<void> {
    const worker = this.#worker;
    if (!worker) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#settle(id), STOP_WAIT_MS);
      this.#removing.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      // Waited for, so the thread holds the process meanwhile: unref'd, a process whose other
      // handles were all closed would end with this wait unsettled (exit code 13).
      worker.ref();
      worker.postMessage({ op: 'remove', id });
    });
  }

  #settle(id: number): void {
    const done = this.#removing.get(id);
    if (!done) return;
    this.#removing.delete(id);
    // The thread must not keep a process alive that is otherwise done.
    if (this.#removing.size === 0) this.#worker?.unref();
    done();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver } });
    worker.unref();
    worker.on('message', (m: { removed?: number }) => {
      if (typeof m.removed === 'number') this.#settle(m.removed);
    });
    // A thread that fails (out of memory) ends; the stores' own connections checkpoint at the
    // backstop, and the next store opened starts a new thread.
    const gone = () => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      for (const id of [...this.#removing.keys()]) this.#settle(id);
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.#worker = worker;
    return worker;
  }
}

const service = new CheckpointService();

/**
 * The thread, as a CommonJS script (no file of its own to find in the bundle). Per store: a
 * round that did not copy everything (commits arrived meanwhile) is followed at once by
 * another, which has less to copy; one that made no progress (a reader holds an old
 * snapshot) waits. A store whose file cannot be opened is left to its own connection.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const { statSync } = require('node:fs');
const stores = new Map();
function walBytes(s) {
  return statSync(s.wal, { throwIfNoEntry: false })?.size ?? 0;
}
function round(s) {
  s.timer = null;
  let soon = false;
  try {
    const r = s.db.pragma('wal_checkpoint(PASSIVE)')[0];
    soon = r.busy === 0 && r.log > r.checkpointed && r.checkpointed !== s.lastCopied;
    s.lastCopied = r.checkpointed;
    // Caught up, and the WAL file is large (it keeps its largest size when SQLite restarts
    // it): empty it now, while nothing writes. It takes the write lock only if that is free,
    // for a moment, with nothing left to copy.
    if (r.busy === 0 && r.log === r.checkpointed && walBytes(s) > s.truncateAt) s.db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Busy (another checkpoint runs) or an I/O error: the next round tries again.
  }
  s.timer = setTimeout(round, soon ? 0 : s.intervalMs, s);
}
parentPort.on('message', (m) => {
  if (m.op === 'add') {
    try {
      const db = new Database(m.file, { fileMustExist: true });
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 0');
      const s = { db, wal: m.file + '-wal', intervalMs: m.intervalMs, truncateAt: m.truncateAt, lastCopied: -1, timer: null };
      stores.set(m.id, s);
      s.timer = setTimeout(round, m.intervalMs, s);
    } catch {}
  } else if (m.op === 'remove') {
    const s = stores.get(m.id);
    stores.delete(m.id);
    if (s) {
      if (s.timer) clearTimeout(s.timer);
      try { s.db.close(); } catch {}
    }
    parentPort.postMessage({ removed: m.id });
  }
});
`;
