/**
 * What a blob's writer hands a store that can write chunks off the event loop
 * (`StoreHandle.writeChunks`; the embedded store's thread, dialects/checkpointer.ts), and
 * the one refusal that tells the writer to use its own connection instead.
 */
export interface ChunkWrite {
  readonly blobId: string;
  readonly firstSeq: number;
  /** Each chunk as the pieces it arrived in: joined once, into memory handed to the thread (dialects/checkpointer.ts). */
  readonly chunks: readonly (readonly Buffer[])[];
  /** The spool mark that goes with the blob's first chunks, or null once it is written. */
  readonly spoolMark: { readonly owner: string; readonly startedAt: number } | null;
}

/** The thread cannot write for this store (it stopped, or has no connection to it): nothing was written. */
export class ThreadUnavailable extends Error {
  readonly code = 'THREAD_UNAVAILABLE';
}

/** A statement compiled on the event loop, for the store's thread to run (`StoreHandle.durableStatements`). */
export interface ThreadStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * The rows the statement must return (RETURNING) or change: any other count rolls the
   * whole transaction back and rejects it with `StatementsNotApplied`.
   */
  readonly expectRows?: number;
}

/**
 * A statement of a batch on the thread returned or changed other rows than it expected (an
 * UPDATE under a claim that is no longer the node's): the transaction was rolled back,
 * nothing written. The caller runs the batch where it can read what each statement did.
 */
export class StatementsNotApplied extends Error {
  readonly code = 'STATEMENTS_NOT_APPLIED';
}
