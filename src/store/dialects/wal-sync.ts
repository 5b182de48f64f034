import { open, type FileHandle } from 'node:fs/promises';

/**
 * Makes relaxed SQLite commits durable without blocking the event loop. better-sqlite3
 * runs on the main thread, so synchronous=FULL would stall every session for each
 * fsync. Instead commits go into the WAL (write, no fsync) and `sync()` fdatasyncs the
 * WAL file on libuv's thread pool. A commit is on disk once a sync that *started after
 * it* has finished; callers arriving while one runs share the next, which groups many
 * commits under one fsync. A checkpoint that resets the WAL has first fsync'd the main
 * database with those frames in it, so the guarantee holds across checkpoints.
 */
export class WalSync {
  #fh: FileHandle | null = null;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#syncOnce().finally(() => {
        this.#running = null;
      });
      return this.#running;
    }
    this.#next ??= this.#running.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  #startNext(): Promise<void> {
    this.#next = null;
    return this.sync();
  }

  async #syncOnce(): Promise<void> {
    try {
      this.#fh ??= await open(this.walPath, 'r');
      await this.#fh.datasync();
    } catch (e) {
      // A handle to a replaced file would sync the wrong inode: reopen next time.
      await this.#fh?.close().catch(() => undefined);
      this.#fh = null;
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.#running?.catch(() => undefined);
    await this.#fh?.close().catch(() => undefined);
    this.#fh = null;
  }
}
