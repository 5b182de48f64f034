import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { StatementsNotApplied, ThreadUnavailable, type ChunkWrite, type ThreadStatement } from '../chunk-write.js';

/**
 * Copies the WAL back into the database file on a thread of its own. A checkpoint reads
 * and writes every page the WAL holds and fsyncs the file; run by the server's connection
 * (SQLite's automatic checkpoint, at the commit that crosses the threshold) it stalls every
 * session of the process for that long: tens of milliseconds under 1 MiB messages. The
 * thread has a connection of its own to each store and runs passive checkpoints, which
 * never block a writer or a reader; the server's connection keeps a much higher automatic
 * threshold (`BACKSTOP_PAGES`), reached only if the thread cannot keep up.
 *
 * Each of the two threads below serves every store the process opens (a server opens one;
 * a test process, many): starting one costs about 70 ms of CPU.
 *
 * Durability is unchanged: the checkpoint runs with synchronous=NORMAL, so it fsyncs the
 * WAL before copying and the database file after, and SQLite restarts the WAL only after
 * a checkpoint that copied all of it (see WalSync).
 *
 * A second thread, with a connection of its own to each store, runs the group commit's
 * messages and most outcomes (`runStatements`, see store-writer.ts) and writes the chunks of large messages
 * while they arrive (`writeChunks`): putting 1 MiB into the WAL costs the writer 4–6 ms,
 * mostly waiting in the kernel, which on the server's connection every session would wait
 * through. It is not the checkpoint thread: a checkpoint round copies pages and fsyncs the
 * database file, and a batch of messages queued behind one waited that long for its 250s.
 * The writing thread waits for the write lock if the server's connection holds it (that
 * one never waits inside SQLite); the server then finds the lock busy for a moment and
 * tries again on a later turn of its loop, as it does with another process. The message's
 * durable commit comes after and fsyncs the WAL with these frames in it.
 */
export class Checkpointer {
  readonly #id: number;
  #closed: Promise<void> | null = null;

  /** `quietMs`: see TRUNCATE_QUIET_MS (tests shorten it). */
  constructor(file: string, quietMs = TRUNCATE_QUIET_MS, intervalMs = CHECK_EVERY_MS) {
    this.#id = service.add(file, intervalMs, quietMs);
  }

  /**
   * Stores chunks of a blob (and its spool mark, with the first) in a transaction of their
   * own on the thread's connection, so that writing them into the WAL never blocks the
   * event loop. Not durable by itself: the durable commit that keeps the blob follows it
   * and fsyncs the WAL with these frames in it. Rejects with `ThreadUnavailable` when the
   * thread cannot take it (the caller then writes on its own connection), and with the
   * store's own error (SQLITE_FULL…) when the write failed.
   */
  writeChunks(write: ChunkWrite): Promise<void> {
    if (this.#closed) return Promise.reject(new ThreadUnavailable('the store is closing'));
    return service.write(this.#id, write);
  }

  /**
   * Runs statements in one transaction of their own on the thread's connection and resolves
   * with each one's rows (empty for a statement that returns none) once the commit is on
   * disk: the thread fdatasyncs the WAL after it, itself, which saves the event loop a round
   * trip through libuv's pool before each batch's 250s (db.ts, `durableStatements`). Rejects
   * like `writeChunks`: `ThreadUnavailable` with nothing written, or the store's own error
   * with the transaction rolled back; an fsync that fails rejects with its own code (EIO…),
   * the commit made but not known to be on disk. A statement whose `expectRows` does not
   * match rolls the transaction back and rejects with `StatementsNotApplied`.
   *
   * `durable` false: resolves after the commit without the fsync, as a relaxed commit on the
   * server's connection would (outcomes of delivery attempts; db.ts, `lazyStatements`).
   */
  runStatements(statements: readonly ThreadStatement[], durable = true): Promise<unknown[][]> {
    if (this.#closed) return Promise.reject(new ThreadUnavailable('the store is closing'));
    return service.run(this.#id, statements, durable);
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
/**
 * ...and only once its WAL has not changed for this long (a store at rest). Emptied under
 * steady or bursty writes, the file grows again at once, and a WAL that grows costs more
 * per commit than one written over in place (its fsync also writes the file's new size):
 * in one benchmark, 4 KiB messages at 20 sessions went from 550–650 to 750–850 a second
 * once the thread stopped emptying it between commits.
 */
export const TRUNCATE_QUIET_MS = 60_000;
/** A chunk write on the thread waits this long for the write lock (the server's connection never waits). */
const WRITE_BUSY_WAIT_MS = 10_000;
/** How often the thread looks at a WAL when its last checkpoint caught up with it. */
const CHECK_EVERY_MS = 100;
/** The page cache of the writing thread's connection. */
const WRITER_CACHE_KIB = 2048;
/** A checkpoint in progress is waited for at close; one that hangs on the disk, this long. */
const STOP_WAIT_MS = 5_000;

class CheckpointService {
  /** Runs the checkpoint rounds of every store. */
  #checkpoints: Worker | null = null;
  /** Runs writes (chunks, the group commit's statements) on a connection of its own to each store. */
  #writes: Worker | null = null;
  #nextId = 1;
  /** Stores being removed, with the threads still to let go of them (or until the wait ends). */
  readonly #removing = new Map<number, { left: Set<Worker>; done: () => void }>();
  #nextWrite = 1;
  /** Writes and statement runs waited for, by request number; `resolve` gets the rows of a run. */
  readonly #writing = new Map<number, { resolve: (rows: unknown) => void; reject: (e: Error) => void }>();

  run(id: number, statements: readonly ThreadStatement[], durable: boolean): Promise<unknown[][]> {
    return this.#request({ op: 'run', id, statements, durable }) as Promise<unknown[][]>;
  }

  write(id: number, w: ChunkWrite): Promise<void> {
    // Each chunk joined into memory of its own and handed over, not cloned: cloning copied the
    // pieces into the message (a buffer grown as it filled) and again out of it on the thread,
    // about 1 ms per MiB on the event loop alone; this is one copy, without the message's.
    const chunks = w.chunks.map(joinedAlone);
    return this.#request(
      {
        op: 'write',
        id,
        blobId: w.blobId,
        firstSeq: w.firstSeq,
        chunks,
        spoolMark: w.spoolMark,
      },
      chunks.map((c) => c.buffer as ArrayBuffer),
    ).then(() => undefined);
  }

  #request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const worker = this.#writes;
    if (!worker) return Promise.reject(new ThreadUnavailable('the store thread is not running'));
    const req = this.#nextWrite++;
    return new Promise<unknown>((resolve, reject) => {
      this.#writing.set(req, { resolve, reject });
      // While a write is waited for, the thread holds the process like any other I/O.
      if (this.#writing.size === 1) worker.ref();
      worker.postMessage({ ...message, req, busyWaitMs: WRITE_BUSY_WAIT_MS }, transfer);
    });
  }

  #wrote(req: number, error: { code: string; message: string } | undefined, rows: unknown): void {
    const pending = this.#writing.get(req);
    if (!pending) return;
    this.#writing.delete(req);
    if (this.#writing.size === 0 && this.#removing.size === 0) this.#writes?.unref();
    if (!error) return pending.resolve(rows);
    if (error.code === 'THREAD_UNAVAILABLE') return pending.reject(new ThreadUnavailable(error.message));
    if (error.code === 'STATEMENTS_NOT_APPLIED') return pending.reject(new StatementsNotApplied(error.message));
    pending.reject(Object.assign(new Error(error.message), { code: error.code }));
  }

  add(file: string, intervalMs: number, quietMs: number): number {
    const id = this.#nextId++;
    const { checkpoints, writes } = this.#threads();
    checkpoints.postMessage({ op: 'add', id, file, rounds: true, intervalMs, truncateAt: TRUNCATE_AT_BYTES, quietMs });
    writes.postMessage({ op: 'add', id, file, rounds: false, backstopPages: BACKSTOP_PAGES, cacheKiB: WRITER_CACHE_KIB });
    return id;
  }

  remove(id: number): Promise<void> {
    const threads = [this.#checkpoints, this.#writes].filter((w): w is Worker => w !== null);
    if (threads.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#settle(id, null), STOP_WAIT_MS);
      this.#removing.set(id, {
        left: new Set(threads),
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      for (const worker of threads) {
        // Waited for, so the thread holds the process meanwhile: unref'd, a process whose other
        // handles were all closed would end with this wait unsettled (exit code 13).
        worker.ref();
        worker.postMessage({ op: 'remove', id });
      }
    });
  }

  /** `worker` let go of store `id` (or ended); null: stop waiting for the rest. */
  #settle(id: number, worker: Worker | null): void {
    const removing = this.#removing.get(id);
    if (!removing) return;
    if (worker) removing.left.delete(worker);
    if (worker && removing.left.size > 0) return;
    this.#removing.delete(id);
    // The threads must not keep a process alive that is otherwise done.
    if (this.#removing.size === 0) {
      this.#checkpoints?.unref();
      if (this.#writing.size === 0) this.#writes?.unref();
    }
    removing.done();
  }

  #threads(): { checkpoints: Worker; writes: Worker } {
    this.#checkpoints ??= this.#start('checkpoints');
    this.#writes ??= this.#start('writes');
    return { checkpoints: this.#checkpoints, writes: this.#writes };
  }

  #start(role: 'checkpoints' | 'writes'): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver }, name: `relaydesk store ${role}` });
    worker.unref();
    worker.on('message', (m: { removed?: number; wrote?: number; error?: { code: string; message: string }; rows?: unknown }) => {
      if (typeof m.removed === 'number') this.#settle(m.removed, worker);
      if (typeof m.wrote === 'number') this.#wrote(m.wrote, m.error, m.rows);
    });
    // A thread that fails (out of memory) ends. Without the checkpoint thread the stores' own
    // connections checkpoint at the backstop; without the write thread, they write themselves.
    // The next store opened starts a new one.
    const gone = () => {
      if (role === 'checkpoints' ? this.#checkpoints !== worker : this.#writes !== worker) return;
      if (role === 'checkpoints') this.#checkpoints = null;
      else this.#writes = null;
      for (const id of [...this.#removing.keys()]) this.#settle(id, worker);
      if (role === 'checkpoints') return;
      // Whether a write in flight was committed is unknown: its message is refused (4xx)
      // rather than kept with a chunk that may be missing.
      for (const req of [...this.#writing.keys()]) this.#wrote(req, { code: 'SQLITE_IOERR', message: 'the store thread stopped during a write' }, undefined);
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    return worker;
  }
}

const service = new CheckpointService();

/** A chunk's pieces in one buffer whose memory is its own alone (so it can be transferred). */
function joinedAlone(pieces: readonly Buffer[]): Uint8Array {
  let size = 0;
  for (const p of pieces) size += p.length;
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const p of pieces) at += p.copy(out, at);
  return out;
}

/**
 * The thread, as a CommonJS script (no file of its own to find in the bundle). Per store: a
 * round that did not copy everything (commits arrived meanwhile) is followed at once by
 * another, which has less to copy; one that made no progress (a reader holds an old
 * snapshot) waits. A store whose file cannot be opened is left to its own connection.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const { statSync, openSync, closeSync, fdatasyncSync } = require('node:fs');
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
    // data_version changes when another connection committed (the WAL's frame count does
    // not tell: small commits, each copied before the next, restart it at the same count).
    const now = Date.now();
    const version = s.db.pragma('data_version', { simple: true });
    if (version !== s.lastVersion) {
      s.lastVersion = version;
      s.changedAt = now;
    }
    // Caught up, nothing written for a while, and the WAL file is large (it keeps its largest
    // size when SQLite restarts it): empty it. It takes the write lock only if that is free,
    // for a moment, with nothing left to copy.
    if (r.busy === 0 && r.log === r.checkpointed && now - s.changedAt >= s.quietMs && walBytes(s) > s.truncateAt) s.db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Busy (another checkpoint runs) or an I/O error: the next round tries again.
  }
  s.timer = setTimeout(round, soon ? 0 : s.intervalMs, s);
}
// One write request (m.req) in a transaction of its own on the store's connection; the
// reply carries what body returned (rows) or the error, after a rollback.
function inTransaction(m, body, durable = false) {
  const s = stores.get(m.id);
  if (!s) {
    parentPort.postMessage({ wrote: m.req, error: { code: 'THREAD_UNAVAILABLE', message: 'no connection to this store on the thread' } });
    return;
  }
  try {
    // Waits here, on the writing thread, while the server's connection writes: not the
    // event loop's time, and not the checkpoint thread's.
    s.db.pragma('busy_timeout = ' + m.busyWaitMs);
    s.db.exec('begin immediate');
    let rows;
    try {
      rows = body(s);
      s.db.exec('commit');
    } catch (e) {
      try { s.db.exec('rollback'); } catch {}
      throw e;
    }
    if (durable) syncWal(s);
    parentPort.postMessage({ wrote: m.req, rows });
  } catch (e) {
    parentPort.postMessage({ wrote: m.req, error: { code: String(e && e.code || 'SQLITE_ERROR'), message: String(e && e.message || e) } });
  } finally {
    try { s.db.pragma('busy_timeout = 0'); } catch {}
  }
}
// The commit's frames are in the WAL (written, synchronous=NORMAL does not sync them):
// fdatasync it, as WalSync does for the server's connection. SQLite keeps the WAL file in
// place while the server's connection is open (it empties it, never replaces it); a handle
// that failed is closed and the file opened again next time.
function syncWal(s) {
  try {
    if (s.walFd === undefined) s.walFd = openSync(s.wal, 'r');
    fdatasyncSync(s.walFd);
  } catch (e) {
    if (s.walFd !== undefined) try { closeSync(s.walFd); } catch {}
    s.walFd = undefined;
    throw e;
  }
}
parentPort.on('message', (m) => {
  if (m.op === 'add') {
    try {
      const db = new Database(m.file, { fileMustExist: true });
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 0');
      // The writing thread's commits checkpoint only past the backstop, as the server's do.
      if (!m.rounds) db.pragma('wal_autocheckpoint = ' + m.backstopPages);
      // It appends and updates recent rows: a few pages of each table and index. The driver's
      // default (16 MB) fills with every page it ever wrote while nothing else writes.
      if (!m.rounds) db.pragma('cache_size = ' + -m.cacheKiB);
      const s = { db, wal: m.file + '-wal', intervalMs: m.intervalMs, truncateAt: m.truncateAt, quietMs: m.quietMs, lastCopied: -1, lastVersion: -1, changedAt: Date.now(), timer: null };
      stores.set(m.id, s);
      if (m.rounds) s.timer = setTimeout(round, m.intervalMs, s);
    } catch {}
  } else if (m.op === 'write') {
    inTransaction(m, (s) => {
      s.insertChunk ??= s.db.prepare('insert into blob_chunks (blob_id, seq, data) values (?, ?, ?)');
      s.insertMark ??= s.db.prepare('insert into spool (blob_id, owner, started_at) values (?, ?, ?)');
      if (m.spoolMark) s.insertMark.run(m.blobId, m.spoolMark.owner, m.spoolMark.startedAt);
      // Each chunk arrives as one Uint8Array over memory of its own: a Buffer over it, no copy.
      m.chunks.forEach((c, i) => s.insertChunk.run(m.blobId, m.firstSeq + i, Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
    });
  } else if (m.op === 'run') {
    inTransaction(m, (s) => {
      // Prepared once per SQL text: the mail path's statements have few shapes (compiled-once.ts).
      s.prepared ??= new Map();
      return m.statements.map((st) => {
        let p = s.prepared.get(st.sql);
        if (!p) {
          p = s.db.prepare(st.sql);
          s.prepared.set(st.sql, p);
        }
        // A Buffer arrives as a plain Uint8Array; bound as one it would not be a blob.
        const params = st.params.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
        const rows = p.reader ? p.all(...params) : [];
        const count = p.reader ? rows.length : p.run(...params).changes;
        // Thrown inside the transaction: inTransaction rolls it back.
        if (st.expectRows !== undefined && count !== st.expectRows) {
          throw Object.assign(new Error('a statement affected ' + count + ' rows instead of ' + st.expectRows + '; nothing was written'), { code: 'STATEMENTS_NOT_APPLIED' });
        }
        return rows;
      });
    }, m.durable !== false);
  } else if (m.op === 'remove') {
    const s = stores.get(m.id);
    stores.delete(m.id);
    if (s) {
      if (s.timer) clearTimeout(s.timer);
      if (s.walFd !== undefined) try { closeSync(s.walFd); } catch {}
      try { s.db.close(); } catch {}
    }
    parentPort.postMessage({ removed: m.id });
  }
});
`;
