import { Readable } from 'node:stream';
import type { MessageSource } from '../../base/message-source.js';
import type { ByteBudget } from '../../base/byte-budget.js';
import { GtubeScanner } from '../../spam/index.js';
import { BlobWriter, openBlob, type MessageContent, type StoreHandle } from '../../store/index.js';
import { DataReader, type DataLimits, type DataRead } from '../data-reader.js';

export interface IncomingDeps {
  readonly store: Pick<StoreHandle, 'db' | 'lazyTransaction' | 'writeChunks'>;
  /** Who is writing: a spool left behind by a dead process is found by it. */
  readonly owner: string;
  readonly now: () => number;
  /**
   * Lets stored chunks stay in memory too, while it has room (see `takeBody`). Without it
   * memory stays at about one chunk.
   */
  readonly keep?: ByteBudget;
}

/**
 * One message while DATA arrives: normalised by the DataReader, its body written to
 * the store chunk by chunk (chunks 1… of the blob named by the queue id), its header
 * kept in memory. Memory stays at about one chunk whatever the message's size. A store
 * error does not stop the reading (the client is still sending); it is reported at the
 * end, when the reply can say so.
 */
export class IncomingMessage {
  readonly #reader: DataReader;
  readonly #writer: BlobWriter;
  readonly #gtube = new GtubeScanner();
  #storeError: Error | null = null;
  #read: DataRead | null = null;

  constructor(
    readonly queueId: string,
    private readonly deps: IncomingDeps,
    limits: DataLimits,
  ) {
    this.#reader = new DataReader(limits);
    this.#writer = new BlobWriter(deps.store, queueId, { owner: deps.owner, now: deps.now }, 1, deps.keep ?? null);
  }

  async write(chunk: Buffer): Promise<void> {
    const body = this.#reader.push(chunk);
    if (this.#reader.problem || this.#storeError) return;
    for (const piece of body) {
      this.#gtube.push(piece);
      try {
        await this.#writer.write(piece);
      } catch (e) {
        this.#storeError = e as Error;
        return;
      }
    }
  }

  /** The end of DATA. */
  end(): DataRead {
    if (!this.#read) {
      this.#read = this.#reader.end();
      for (const piece of this.#read.tail) {
        this.#gtube.push(piece);
        this.#writer.hold(piece);
      }
    }
    return this.#read;
  }

  get storeError(): Error | null {
    return this.#storeError;
  }

  /** Whether the body holds GTUBE (scanned as it arrived, so the check need not read it again). */
  get gtube(): boolean {
    return this.#gtube.found;
  }

  /** Whether part of the body is in the store already (a large message). */
  get spooled(): boolean {
    return this.#writer.storedChunks > 0;
  }

  /** The message as received, for the spam check: stored chunks, then what is still in memory. */
  source(): MessageSource {
    const read = this.end();
    const stored = this.#writer.storedChunks;
    const pending = [...this.#writer.pending];
    const db = this.deps.store.db;
    const queueId = this.queueId;
    return {
      header: read.header,
      size: read.size,
      body: () =>
        Readable.from(
          (async function* () {
            if (stored > 0) yield* openBlob(db, queueId, { fromSeq: 1, toSeq: stored });
            yield* pending;
          })(),
          { objectMode: false },
        ),
    };
  }

  /** What the final commit stores: the given header (ours on top) and the rest of the body. */
  content(header: Buffer): MessageContent {
    const stored = this.#writer.storedChunks;
    return { header, body: [...this.#writer.pending], ...(stored > 0 ? { spooled: { chunks: stored, bytes: this.#writer.storedBytes } } : {}) };
  }

  /**
   * The whole body from memory, when every stored chunk could be kept there: the caller
   * then holds `bytes` of the budget and gives them back once done with the body. Null
   * if the message was not spooled or a chunk did not fit. Call after `content`.
   */
  takeBody(): { body: readonly Buffer[]; bytes: number } | null {
    const kept = this.#writer.takeKept();
    return kept ? { body: [...kept.chunks, ...this.#writer.pending], bytes: kept.bytes } : null;
  }

  /** Lets go of what `keep` holds for this message (it is not handed on). Safe to repeat. */
  dropBody(): void {
    this.#writer.dropKept();
  }

  /** Removes what was stored of a message that is refused or cut off. Never throws. */
  async abort(): Promise<void> {
    try {
      await this.#writer.abort(this.deps.store.db);
    } catch {
      // The spool mark stays; the retention job removes what it names.
    }
  }
}
