/**
 * Has the desk taken this message in before? A message is known by its Message-ID and by what
 * it says (its fingerprint): the same Message-ID with the same content is a copy (the queue's
 * at-least-once redelivery, or the sender's server sending it again) and has no second effect;
 * the same Message-ID with other content is a different message that reuses the ID, and is
 * kept, marked as such, never dropped. Mail without a Message-ID is known by its content alone.
 * An intake recorded before fingerprints were kept, of another stored message, cannot be
 * compared: it counts as a different message, so the new one is kept rather than perhaps lost.
 */
import type { DedupeVerdict, EarlierIntake } from './model.js';

export interface DedupeInput {
  readonly messageId: string | null;
  readonly fingerprint: string;
  readonly queueId: string;
  /**
   * This channel's earlier intakes under the same Message-ID, of the same content, or of the
   * same stored message (queue id).
   */
  readonly earlier: readonly EarlierIntake[];
  /** An admin asks for the intake again (recover, retry): the message's own earlier intakes do not count. */
  readonly redo: boolean;
}

export function decideDedupe(input: DedupeInput): DedupeVerdict {
  // The same stored message (queue id) is this message whatever its fingerprint: an intake
  // recorded before fingerprints were kept has none, and a newer parser may read it differently.
  const isThisMessage = (e: EarlierIntake) => e.queueId === input.queueId || e.fingerprint === input.fingerprint;
  const own = input.earlier.filter(isThisMessage);
  const [first] = own;
  if (first !== undefined && !input.redo) return { kind: 'duplicate', of: first.intakeId };
  const others = input.earlier.filter((e) => !isThisMessage(e));
  const reused = input.messageId !== null && others.length > 0 ? { messageId: input.messageId, queueIds: [...new Set(others.map((e) => e.queueId))] } : null;
  return { kind: 'new', reused, replaces: input.redo ? own.map((e) => e.intakeId) : [] };
}
