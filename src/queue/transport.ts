/**
 * What the queue needs from whatever carries a delivery: a key and a way to carry one group.
 * The runner is handed a list of these and finds each group's by the key its deliveries
 * carry; which transports exist is the composition root's business (cli/start.ts).
 */
import type { EventCode } from '../base/events.js';
import type { TraceText } from '../base/trace-texts.js';
import type { MessageSource } from '../base/message-source.js';
import type { LiveState } from '../config/index.js';
import type { DeliveryRow, MessageRow } from '../store/index.js';
import type { AttemptOutcome } from './settle.js';

export type { AttemptOutcome };

export interface AttemptContext {
  readonly message: MessageRow;
  /** This group's copy of the message (its rule's header edits applied), read as sent. */
  readonly source: MessageSource;
  /** Deliveries of one message with the same transport, route and copy (see group.ts). */
  readonly deliveries: readonly DeliveryRow[];
  /** The configuration in force when the attempt started (hosts, smarthost, DKIM, SRS…). */
  readonly config: LiveState;
  /** A step of the attempt for the message's trace (a seal added…), recorded with its outcome. */
  note(code: EventCode, summary: string, data: Record<string, unknown>, text: TraceText): void;
}

/**
 * A transport carries one group of deliveries of one message and says, by delivery id, how
 * each went. A delivery it says nothing of is deferred; a throw defers the whole group.
 * How many groups it works on at once is its own affair: the runner hands over every due
 * group at once (up to its active window), and a transport that must go slower waits inside
 * `deliver` (the desk parses two messages at a time).
 */
export interface Transport {
  /** The `transport` its deliveries carry in the store: smtp, mailbox, desk, webhook. */
  readonly key: string;
  deliver(attempt: AttemptContext): Promise<ReadonlyMap<number, AttemptOutcome>>;
}
